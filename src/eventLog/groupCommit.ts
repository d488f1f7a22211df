import type { Observable } from 'rxjs';
import { createBroadcast } from '../../streams/broadcast';
import type { TriggerEvent } from '../../streams/contracts';
import type { EndOfTurn } from '../runtime/turnStages';
import { NotStoredError } from './eventLog';

/** Where a batch goes: a segment file, or nowhere (the in-memory log). */
export interface LogSink {
  /** Writes the whole batch or throws, leaving nothing of it behind. */
  write(events: readonly TriggerEvent[]): void;
  /** Resolves once everything written so far is on the disk itself (fsync `always`); absent: written is stored. */
  durable?(): Promise<void>;
}

interface Batch {
  readonly events: TriggerEvent[];
  readonly done: Promise<void>;
  resolve(): void;
  reject(err: Error): void;
}

/**
 * Group commit: every record staged in one turn is one write, then each is emitted on
 * `committed$` (dispatch never runs ahead of the write, nor waits for the disk's fsync), then the
 * batch's one promise settles, which is what releases the answers.
 */
export interface GroupCommit {
  stage(event: TriggerEvent): Promise<void>;
  readonly committed$: Observable<TriggerEvent>;
  /** Writes what is staged now (at close). */
  flush(): void;
}

export function createGroupCommit(sink: LogSink, onWritten: (events: readonly TriggerEvent[]) => void, defer: EndOfTurn = setImmediate): GroupCommit {
  const committed = createBroadcast<TriggerEvent>();
  let batch: Batch | undefined;

  const open = (): Batch => {
    let resolve!: () => void;
    let reject!: (err: Error) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Every caller attaches its own handlers; this one only keeps a batch nobody awaits from crashing the process.
    done.catch(() => undefined);
    return { events: [], done, resolve, reject };
  };

  const flush = (): void => {
    const b = batch;
    batch = undefined;
    if (b === undefined || b.events.length === 0) return;
    try {
      sink.write(b.events);
    } catch (err) {
      b.reject(new NotStoredError(err));
      return;
    }
    onWritten(b.events);
    for (const event of b.events) committed.next(event);
    if (sink.durable) sink.durable().then(b.resolve, (err: unknown) => b.reject(new NotStoredError(err, true)));
    else b.resolve();
  };

  return {
    stage(event) {
      if (batch === undefined) {
        batch = open();
        defer(flush);
      }
      batch.events.push(event);
      return batch.done;
    },
    committed$: committed.stream$,
    flush,
  };
}
