import type { Logger } from '../log';
import { describeError } from './serviceStatus';

/**
 * An actor's mailbox: messages are handled one at a time, in the order they were sent. A message
 * sent while another is being handled (from inside the handler, or from a callback it triggered
 * synchronously) waits its turn instead of re-entering the handler, so a handler always sees the
 * state the previous message left. A handler that throws is reported and the mailbox lives on.
 */
function createMailbox<M>(handle: (message: M) => void, onError: (error: unknown, message: M) => void): (message: M) => void {
  const waiting: M[] = [];
  let busy = false;
  return (message) => {
    waiting.push(message);
    if (busy) return;
    busy = true;
    try {
      for (let next = waiting.shift(); next !== undefined; next = waiting.shift()) {
        try {
          handle(next);
        } catch (error) {
          onError(error, next);
        }
      }
    } finally {
      busy = false;
    }
  };
}

/** An actor's mailbox whose handler failures are logged with the message type. */
export function createLoggingMailbox<M extends { readonly type: string }>(handle: (message: M) => void, log: Logger): (message: M) => void {
  return createMailbox<M>(handle, (error, message) => log.error('actor failed on a message', { message: message.type, error: describeError(error) }));
}
