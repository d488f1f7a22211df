import { Subscription } from 'rxjs';
import type { TriggerEvent } from '../../streams/contracts';
import { followLog } from '../eventLog/logFollower';
import { lastEvents } from '../eventLog/logReader';
import { listSegments } from '../eventLog/segments';
import type { CommandContext } from './subcommand';

/**
 * `haven journal tail`: prints the newest `n` records of the log folder `dir`, then every record
 * as the hub writes it, one `format`ted line each, until the context's signal aborts (exit 0) or
 * the folder cannot be read (exit 1). Where it starts is read before it returns, so anything
 * written after the call is new to it.
 */
export function followJournal(dir: string, n: number, format: (e: TriggerEvent) => string, ctx: CommandContext): Promise<number> {
  const recent = lastEvents(listSegments(dir), Math.max(n, 1));
  const shown = recent.slice(recent.length - n);
  if (shown.length) ctx.out(shown.map(format).join('\n'));
  return new Promise<number>((resolve) => {
    // A container, so that a failure on the first read (inside subscribe) ends what is added to it after.
    const subscription = new Subscription();
    const stop = (code: number) => {
      if (subscription.closed) return;
      ctx.signal.removeEventListener('abort', onAbort);
      subscription.unsubscribe();
      resolve(code);
    };
    const onAbort = () => stop(0);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    if (ctx.signal.aborted) return stop(0);
    subscription.add(
      followLog(dir, { afterSeq: recent.at(-1)?.seq ?? 0 }).subscribe({
        next: (step) => {
          step.notes.forEach((note) => ctx.err(note));
          if (step.events.length) ctx.out(step.events.map(format).join('\n'));
        },
        error: (err: Error) => {
          ctx.err(`haven journal tail: ${err.message}`);
          stop(1);
        },
      }),
    );
  });
}
