import type { Socket } from 'node:net';
import type { SchedulerLike } from 'rxjs';
import type { Logger } from '../log';

export interface UnreadRepliesDeps {
  /** How long the replies may stay unwritable before the connection is cut; 0: never. */
  readonly replyTimeoutMs: number;
  /** The hub's timers (the cut). */
  readonly scheduler: SchedulerLike;
  readonly log: Logger;
}

/**
 * What a source does when a reply write is refused (its sender does not read): `drained` once the
 * kernel took the replies, and the connection cut if that takes longer than `replyTimeoutMs`. The
 * caller stops reading meanwhile, so what waits for the sender stays bounded; it calls this once
 * per backed-up spell, on the write that found the socket full.
 */
export function awaitUnreadReplies(
  socket: Socket,
  remote: string | undefined,
  { replyTimeoutMs, scheduler, log }: UnreadRepliesDeps,
  drained: () => void,
): void {
  const cut =
    replyTimeoutMs > 0
      ? scheduler.schedule(() => {
          log.info('replies not read; cutting the connection', { remote, replyTimeoutMs });
          socket.destroy();
        }, replyTimeoutMs)
      : undefined;
  const cancel = (): void => cut?.unsubscribe();
  socket.once('close', cancel);
  socket.once('drain', () => {
    cancel();
    socket.off('close', cancel);
    drained();
  });
}
