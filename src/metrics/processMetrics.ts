import { collectDefaultMetrics, Registry } from 'prom-client';

let registry: Registry | undefined;

/**
 * The process's own metrics (CPU, memory, handles, event loop lag, GC), one registry for the
 * process, made on first use: prom-client's default collectors start an event-loop monitor and a
 * GC observer that cannot be removed, so one set per hub would pile up in a process that runs
 * several (the tests), and the numbers are the process's anyway.
 */
export function processMetrics(): Registry {
  if (!registry) {
    registry = new Registry();
    collectDefaultMetrics({ register: registry });
  }
  return registry;
}
