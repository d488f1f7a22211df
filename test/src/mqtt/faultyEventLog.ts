import { writeSync } from 'node:fs';
import type { TriggerEvent } from '../../../streams/contracts';
import type { EventLog } from '../../../src/eventLog/eventLog';
import type { FileLogOptions } from '../../../src/eventLog/fileLog';
import { openEventLog, type OpenLogDeps } from '../../../src/eventLog/openEventLog';
import type { RuntimeOptions } from '../../../src/runtime/runtime';

/** How the log of {@link faultyEventLog} behaves now; a test flips it. */
export interface LogFaults {
  /** write(2) fails with ENOSPC, as on a full disk: the inputs of that write are answered `not_stored`. */
  writeFails: boolean;
  /** Each append waits until the test lets it through (`held[i]()`), so "decided but not stored yet" lasts. */
  hold: boolean;
}

/**
 * The real file log of a whole-hub test, with a disk that fails when told: its write(2) is the
 * file log's own seam (`FileLogOptions.writeSync`), so a failure takes the hub's real path to
 * `not_stored`. `appended` counts the appends the hub asked for (its decisions to store), `held`
 * lets the held ones through (each then writes as `faults` say at that moment).
 */
export function faultyEventLog(): {
  readonly faults: LogFaults;
  readonly held: Array<() => void>;
  readonly appended: () => number;
  readonly eventLog: NonNullable<RuntimeOptions['eventLog']>;
} {
  const faults: LogFaults = { writeFails: false, hold: false };
  const held: Array<() => void> = [];
  let appended = 0;
  const write = ((fd: number, ...rest: unknown[]) => {
    if (faults.writeFails) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    return (writeSync as (fd: number, ...rest: unknown[]) => number)(fd, ...rest);
  }) as typeof writeSync;
  return {
    faults,
    held,
    appended: () => appended,
    eventLog: (config, deps) => {
      // openEventLog hands its deps on to the file log, its writeSync with them.
      const withDisk: OpenLogDeps & Pick<FileLogOptions, 'writeSync'> = { ...deps, writeSync: write };
      const opened = openEventLog(config, withDisk);
      const append = opened.log.append.bind(opened.log);
      const log: EventLog = Object.assign(Object.create(opened.log) as EventLog, {
        append: (event: TriggerEvent) => {
          appended++;
          return faults.hold ? new Promise<void>((resolve) => held.push(resolve)).then(() => append(event)) : append(event);
        },
      });
      return { ...opened, log };
    },
  };
}
