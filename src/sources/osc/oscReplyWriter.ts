import type { Socket } from 'node:net';
import { awaitUnreadReplies, type UnreadRepliesDeps } from '../unreadReplies';

/** Writes one framed reply to the connection; dropped once the connection is no longer writable. */
export type OscReplyWriter = (framed: Buffer) => void;

/**
 * The replies of one OSC-over-TCP connection, with the TCP line source's backpressure: while the
 * socket's buffer is full (the sender does not read its replies), `hold(true)` tells the connection
 * to stop reading, so no more of its packets are decided and what waits for the sender stays
 * bounded; `hold(false)` on `drain`. A sender that does not drain within `replyTimeoutMs` is cut.
 * The connection pauses and resumes the socket itself, since it has other reasons to stop reading.
 */
export function createOscReplyWriter(socket: Socket, deps: UnreadRepliesDeps, hold: (held: boolean) => void): OscReplyWriter {
  let blocked = false;
  return (framed) => {
    // Once blocked, later replies only queue behind the first: one hold, one timer, one drain.
    if (!socket.writable || socket.write(framed) || blocked) return;
    blocked = true;
    hold(true);
    awaitUnreadReplies(socket, socket.remoteAddress, deps, () => {
      blocked = false;
      hold(false);
    });
  };
}
