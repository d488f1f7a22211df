import type { Socket } from 'node:net';
import type { SchedulerLike, Subscription } from 'rxjs';
import type { Logger } from '../../log';

export interface OscReplyWriterDeps {
  /** How long owed replies may stay unwritable (the sender does not read them) before the connection is cut; 0: never (`sources.osc.reply_timeout_ms`). */
  readonly replyTimeoutMs: number;
  /** The hub's timers (the reply timeout). */
  readonly scheduler: SchedulerLike;
  readonly log: Logger;
}

/** Writes one framed reply to the connection; dropped once the connection is no longer writable. */
export type OscReplyWriter = (framed: Buffer) => void;

/**
 * The replies of one OSC-over-TCP connection, with the TCP line source's backpressure: while the
 * socket's buffer is full (the sender does not read its replies), the connection is not read, so no
 * more of its packets are decided and what waits for the sender stays bounded. Reading resumes on
 * `drain`; a sender that does not drain within `replyTimeoutMs` is cut.
 */
export function createOscReplyWriter(socket: Socket, { replyTimeoutMs, scheduler, log }: OscReplyWriterDeps): OscReplyWriter {
  let blocked = false;
  let stall: Subscription | undefined;
  socket.once('close', () => stall?.unsubscribe());
  return (framed) => {
    // Once blocked, later replies only queue behind the first: one pause, one timer, one drain.
    if (!socket.writable || socket.write(framed) || blocked) return;
    blocked = true;
    socket.pause();
    if (replyTimeoutMs > 0) {
      stall = scheduler.schedule(() => {
        log.info('replies not read; cutting the connection', { remote: socket.remoteAddress, replyTimeoutMs });
        socket.destroy();
      }, replyTimeoutMs);
    }
    socket.once('drain', () => {
      stall?.unsubscribe();
      stall = undefined;
      blocked = false;
      socket.resume();
    });
  };
}
