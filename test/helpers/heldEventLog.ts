import type { TriggerEvent } from '../../streams/contracts';
import type { EventLog } from '../../src/eventLog/eventLog';
import { openEventLog } from '../../src/eventLog/openEventLog';
import type { RuntimeOptions } from '../../src/runtime/runtime';

/**
 * The real event log, with each append waiting until the test lets it through (`held[i]()`), so
 * "decided but not yet stored" lasts as long as a test needs: what a source answers meanwhile
 * shows whether it waits for the write.
 */
export function heldEventLog(): { readonly held: Array<() => void>; readonly eventLog: NonNullable<RuntimeOptions['eventLog']> } {
  const held: Array<() => void> = [];
  return {
    held,
    eventLog: (config, deps) => {
      const opened = openEventLog(config, deps);
      const append = opened.log.append.bind(opened.log);
      const log: EventLog = Object.assign(Object.create(opened.log) as EventLog, {
        append: (event: TriggerEvent) => new Promise<void>((resolve) => held.push(resolve)).then(() => append(event)),
      });
      return { ...opened, log };
    },
  };
}
