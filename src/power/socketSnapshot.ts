import { runningIds } from '../../streams/power/socketLedger';
import type { ComponentHealth } from '../hub';
import type { ServerData } from './instanceData';
import type { SocketConfig } from './powerConfig';
import type { SocketActor } from './socketActor';
import type { SocketRecords } from './socketRecords';

/** A configured socket with its actor and records. */
export interface SocketEntry {
  readonly config: SocketConfig;
  readonly actor: SocketActor;
  readonly records: SocketRecords;
}

/** The seed's `serverData` of one socket: what it keeps, plus the live reference count. */
export function serverDataOf({ config, actor, records }: SocketEntry): ServerData {
  const ledger = actor.ledger();
  const busy = actor.inFlight();
  const running = runningIds(ledger);
  return {
    socket: config.name,
    driver: config.driver,
    status: actor.status(),
    power: ledger.power,
    fault: ledger.fault,
    runningInstances: running,
    instancesStarting: busy?.type === 'start' ? [busy.instanceId] : [],
    // Those whose stop is switching the socket off right now: an emergency's, or the last holder's.
    instancesStopping: busy?.type === 'emergency' ? running : busy?.type === 'stop' && running.length === 1 ? [busy.instanceId] : [],
    ...records.record(),
  };
}

/** One health part per socket; a faulted socket makes the power component degraded, not failed. */
export function powerHealth(entries: readonly SocketEntry[]): ComponentHealth {
  const parts: ComponentHealth[] = entries.map(({ actor }) => {
    const status = actor.status();
    const ledger = actor.ledger();
    const state = status === 'faulted' ? 'degraded' : status === 'stopped' ? 'stopped' : 'ok';
    return { name: actor.name, state, detail: ledger.fault ?? `${status}, ${ledger.running.length} running` };
  });
  const state = parts.some((p) => p.state === 'degraded') ? 'degraded' : parts.every((p) => p.state === 'stopped') ? 'stopped' : 'ok';
  return { name: 'power', state, detail: `${parts.length} socket(s)`, parts };
}
