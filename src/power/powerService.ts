import { randomBytes } from 'node:crypto';
import type { SchedulerLike } from 'rxjs';
import type { SocketReply, StopReason } from '../../streams/power/powerContracts';
import type { PowerEvent } from '../bus/bus';
import type { ComponentHealth, SocketLoad } from '../hub';
import type { Logger } from '../log';
import type { Store } from '../storage/store';
import { asSocketDevice, type SocketDriver } from './drivers/socketDriver';
import { createDriver } from './drivers/createDriver';
import type { SimulatedPlugState } from './drivers/simulatedDriver';
import { INSTANCES, SIMULATED, type InstanceData, type InstanceOrigin, type ServerData } from './instanceData';
import type { PowerConfig, SocketConfig } from './powerConfig';
import { createSocketActor } from './socketActor';
import { createSocketRecords } from './socketRecords';
import { powerHealth, serverDataOf, type SocketEntry } from './socketSnapshot';

/** A refusal, as a value the HTTP layer maps to its status (422, 404, 409, 500, 503). */
export interface PowerError {
  readonly ok: false;
  readonly code: 'invalid' | 'not_found' | 'conflict' | 'device' | 'unavailable';
  readonly error: string;
  readonly instanceId?: string;
  readonly instance?: InstanceData;
}
/** A service answer: the value, or a refusal. */
export type PowerResult<T> = { readonly ok: true; readonly value: T } | PowerError;

/** What starting an instance needs. */
export interface StartRequest {
  readonly emergencyStopTimeout: number;
  readonly socket?: string;
  readonly instanceId?: string;
  readonly origin?: InstanceOrigin;
}

/** Everything the power service uses, injected by the component. */
export interface PowerServiceDeps {
  readonly config: PowerConfig;
  readonly store: Store;
  readonly publish: (event: PowerEvent) => void;
  readonly scheduler: SchedulerLike;
  readonly utcNow: () => string;
  readonly log: Logger;
  /** Instance ids; default 12 random url-safe characters. */
  readonly newId?: () => string;
  /** Driver factory; default from each socket's config. */
  readonly driverFor?: (socket: SocketConfig) => SocketDriver;
}

/** Maps a socket's refusal to the service's. */
function refused(reply: Extract<SocketReply, { ok: false }>, instanceId: string): PowerError {
  const code = reply.code === 'not_running' ? 'conflict' : reply.code;
  return { ok: false, code, error: reply.message, instanceId };
}

/**
 * The power sockets and their instances: one actor per configured socket, the instance records in
 * the store. Everything that changes a socket goes through its actor's mailbox.
 */
export function createPowerService({
  config,
  store,
  publish,
  scheduler,
  utcNow,
  log,
  newId = () => randomBytes(9).toString('base64url'),
  driverFor,
}: PowerServiceDeps) {
  const instances = store.collection<InstanceData>(INSTANCES);
  const simulatedState = store.collection<SimulatedPlugState>(SIMULATED);
  const sockets = new Map<string, SocketEntry>();
  for (const socket of config.sockets) {
    const records = createSocketRecords({ socket: socket.name, store, maxSamples: config.max_samples_per_instance });
    const driver = driverFor?.(socket) ?? createDriver(socket, { clock: () => scheduler.now(), scheduler, simulatedState });
    const actor = createSocketActor({
      socket,
      device: asSocketDevice(driver),
      records,
      publish,
      scheduler,
      utcNow,
      log,
      emergencyRetryMs: config.emergency_retry_ms,
    });
    sockets.set(socket.name, { config: socket, actor, records });
  }
  const defaultSocket = config.sockets[0].name;
  /** Ids claimed by a start still in flight, so two starts never write the same record. */
  const reserved = new Set<string>();
  const notFound = (id: string): PowerError => ({ ok: false, code: 'not_found', error: `Instance with ID ${id} does not exist`, instanceId: id });
  const socketOf = (instance: InstanceData) => sockets.get(instance.socket);

  /** Stops one instance; the last one on its socket switches it off. */
  async function stopInstance(
    id: string,
    reason: StopReason = 'manual',
  ): Promise<PowerResult<{ instanceId: string; triggeredPowerOff: boolean; isLastEmergencyStop: boolean; instance: InstanceData }>> {
    const instance = instances.get(id);
    const target = instance && socketOf(instance);
    if (!instance || !target) return notFound(id);
    if (instance.stopTimestamp) return { ok: false, code: 'conflict', error: `Instance with ID ${id} is already stopped`, instanceId: id, instance };
    const reply = await target.actor.send({ type: 'stop', instanceId: id, reason });
    if (!reply.ok) return { ...refused(reply, id), instance: instances.get(id) ?? instance };
    const triggeredPowerOff = reply.kind === 'stopped' && reply.triggeredPowerOff;
    // The seed's flag: this stop disarmed the socket's last emergency deadline (so it powered off).
    return { ok: true, value: { instanceId: id, triggeredPowerOff, isLastEmergencyStop: triggeredPowerOff, instance: instances.get(id)! } };
  }

  return {
    defaultSocket,
    socketNames: () => [...sockets.keys()],

    /** Starts every actor; restored instances keep their wall-clock deadline (already past: stopped at once). */
    start() {
      const wallNow = Date.parse(utcNow());
      for (const { actor, records } of sockets.values()) {
        const running = records.running().map((i) => ({ instanceId: i.id, deadlineAt: scheduler.now() + (Date.parse(i.emergencyStopDeadline) - wallNow) }));
        if (running.length) log.info(`socket ${actor.name}: restoring ${running.length} running instance(s)`, { instances: running.map((r) => r.instanceId) });
        actor.start(running);
      }
    },

    async stop() {
      await Promise.all([...sockets.values()].map(({ actor }) => actor.stop()));
    },

    async startInstance({
      emergencyStopTimeout,
      socket = defaultSocket,
      instanceId,
      origin = { kind: 'http' },
    }: StartRequest): Promise<PowerResult<{ instanceId: string; triggeredPowerOn: boolean; instance: InstanceData }>> {
      const target = sockets.get(socket);
      if (!target) return { ok: false, code: 'invalid', error: `Unknown socket '${socket}' (known: ${[...sockets.keys()].join(', ')})` };
      const id = instanceId ?? newId();
      if (instances.get(id) || reserved.has(id)) return { ok: false, code: 'conflict', error: `Instance with ID ${id} already exists`, instanceId: id };
      reserved.add(id);
      try {
        const deadline = new Date(Date.parse(utcNow()) + emergencyStopTimeout).toISOString();
        const reply = await target.actor.send(
          { type: 'start', instanceId: id, deadlineAt: scheduler.now() + emergencyStopTimeout },
          { emergencyStopTimeout, emergencyStopDeadline: deadline, origin },
        );
        if (!reply.ok) return refused(reply, id);
        return { ok: true, value: { instanceId: id, triggeredPowerOn: reply.kind === 'started' && reply.triggeredPowerOn, instance: instances.get(id)! } };
      } finally {
        reserved.delete(id);
      }
    },

    stopInstance,

    async deleteInstance(id: string): Promise<PowerResult<{ instanceId: string; deleted: true; triggeredPowerOff: boolean; instance: InstanceData }>> {
      const instance = instances.get(id);
      if (!instance) return notFound(id);
      let triggeredPowerOff = false;
      if (!instance.stopTimestamp) {
        const stopped = await stopInstance(id, 'deleted');
        // A race with another stop is fine (it is stopped); a device failure is not (it still runs).
        if (!stopped.ok && stopped.code !== 'conflict') return stopped;
        triggeredPowerOff = stopped.ok && stopped.value.triggeredPowerOff;
      }
      const last = instances.get(id) ?? instance;
      instances.delete(id);
      return { ok: true, value: { instanceId: id, deleted: true, triggeredPowerOff, instance: last } };
    },

    async emergencyStop(
      id: string,
    ): Promise<PowerResult<{ instanceId: string; stoppedInstances: readonly string[]; triggeredPowerOff: boolean; instance: InstanceData }>> {
      const instance = instances.get(id);
      const target = instance && socketOf(instance);
      if (!instance || !target) return notFound(id);
      const reply = await target.actor.send({ type: 'emergency', instanceId: id, cause: 'request' });
      if (!reply.ok) return refused(reply, id);
      if (reply.kind !== 'emergency_stopped') return { ok: false, code: 'device', error: 'Unexpected reply', instanceId: id };
      return {
        ok: true,
        value: { instanceId: id, stoppedInstances: reply.stoppedInstances, triggeredPowerOff: reply.triggeredPowerOff, instance: instances.get(id)! },
      };
    },

    getInstance(id: string): PowerResult<InstanceData> {
      const instance = instances.get(id);
      return instance ? { ok: true, value: instance } : notFound(id);
    },

    /** Running instances a bound trigger started on a socket (the actor's ledger, not a scan of every stored instance). */
    runningFrom(trigger: string, socket: string): string[] {
      const running = sockets.get(socket)?.actor.ledger().running ?? [];
      return running
        .filter(({ instanceId }) => {
          const origin = instances.get(instanceId)?.origin;
          return origin?.kind === 'trigger' && origin.trigger === trigger;
        })
        .map((r) => r.instanceId);
    },

    serverData(name: string): ServerData | undefined {
      const entry = sockets.get(name);
      return entry && serverDataOf(entry);
    },

    /** The seed's download: `server` (the default socket's serverData), every socket's, every instance. */
    download() {
      const all = Object.fromEntries([...sockets.values()].map((entry) => [entry.config.name, serverDataOf(entry)]));
      return { server: all[defaultSocket], sockets: all, instances: Object.fromEntries(instances.entries()) };
    },

    health: (): ComponentHealth => powerHealth([...sockets.values()]),

    /** Each socket's power, running instances and last sample, for /metrics. */
    loads: (): SocketLoad[] =>
      [...sockets.values()].map(({ config: socket, actor, records }) => {
        const ledger = actor.ledger();
        const sample = records.record().lastSample;
        return {
          socket: socket.name,
          on: ledger.power === 'on',
          runningInstances: ledger.running.length,
          currentA: sample?.currentA ?? null,
          powerW: sample?.powerW ?? null,
        };
      }),
  };
}

/** The power service's surface, as the routes, the bindings and the tests use it. */
export type PowerService = ReturnType<typeof createPowerService>;
