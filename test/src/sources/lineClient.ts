import { connect, type Socket } from 'node:net';
import { createWaiters } from '../../helpers/waitFor';

/** A device on the TCP text source: writes lines, collects reply lines, sees the close. */
export interface LineClient {
  readonly socket: Socket;
  /** Reply lines received so far, without newlines. */
  readonly replies: string[];
  write(text: string | Buffer): void;
  /** Resolves once `count` replies have arrived; rejects after `timeoutMs` (a failure, not a timing check). */
  waitForReplies(count: number, timeoutMs?: number): Promise<string[]>;
  /** Resolves when the hub closes the connection; rejects after `timeoutMs`. */
  waitForClose(timeoutMs?: number): Promise<void>;
  destroy(): void;
}

/** Connects to 127.0.0.1:`port`. Tests keep every client and destroy it in `afterEach`. */
export async function connectLineClient(port: number): Promise<LineClient> {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => undefined);
  const replies: string[] = [];
  let buffer = '';
  let closed = false;
  const { wake, until } = createWaiters(() => `have ${replies.length} replies: ${JSON.stringify(replies.slice(-3))}`);
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      replies.push(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
    }
    wake();
  });
  socket.on('close', () => {
    closed = true;
    wake();
  });
  return {
    socket,
    replies,
    write: (text) => void socket.write(text),
    waitForReplies: async (count, timeoutMs = 5000) => {
      await until(() => replies.length >= count || closed, `${count} replies`, timeoutMs);
      if (replies.length < count) throw new Error(`connection closed after ${replies.length} of ${count} replies: ${JSON.stringify(replies.slice(-3))}`);
      return replies.slice(0, count);
    },
    waitForClose: (timeoutMs = 5000) => until(() => closed, 'the hub to close the connection', timeoutMs),
    destroy: () => socket.destroy(),
  };
}
