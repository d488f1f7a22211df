import { Subject, firstValueFrom, from, race, timer, type SchedulerLike, type Subscription } from 'rxjs';
import type { RunningInstance, SocketCommand, SocketDevice, SocketLedger, SocketReply, SocketStep } from '../../streams/power/powerContracts';
import { socketLoop } from '../../streams/power/socketLoop';
import { restoredLedger } from '../../streams/power/socketLedger';
import type { PowerEvent } from '../bus/bus';
import type { Logger } from '../log';
import type { SocketStatus } from './instanceData';
import type { SocketConfig } from './powerConfig';
import { toPowerEvents } from './powerEvents';
import type { SocketRecords, StartMeta } from './socketRecords';

/** A mailbox letter: a command, who waits for its reply, and a start's record fields. */
type Letter = SocketCommand & { readonly reply?: (reply: SocketReply) => void; readonly meta?: StartMeta };

/** A socket actor's config, device and outlets. */
export interface SocketActorDeps {
  readonly socket: SocketConfig;
  readonly device: SocketDevice;
  readonly records: SocketRecords;
  readonly publish: (event: PowerEvent) => void;
  readonly scheduler: SchedulerLike;
  readonly utcNow: () => string;
  readonly log: Logger;
  readonly emergencyRetryMs: number;
}

/** One socket: a mailbox, its ledger, its status. */
export interface SocketActor {
  readonly name: string;
  /**
   * Restores the instances the store says still run (deadlines as monotonic ms); those already
   * past their deadline are emergency-stopped first, then the device is read and reconciled.
   */
  start(running: readonly RunningInstance[]): void;
  /** Queues a command; resolves with its reply once processed (never rejects). */
  send(command: SocketCommand, meta?: StartMeta): Promise<SocketReply>;
  status(): SocketStatus;
  ledger(): SocketLedger;
  /** The command being processed, if any. */
  inFlight(): SocketCommand | null;
  /** Lets the command in flight finish (bounded by the device timeout), answers the queued ones `unavailable`. */
  stop(): Promise<void>;
}

const statusOf = (l: SocketLedger): SocketStatus => (l.fault ? 'faulted' : l.power === 'on' ? 'on' : l.power === 'off' ? 'off' : 'starting');

/** The socket actor: {@link socketLoop} fed by a mailbox, its steps written to the store and the bus. */
export function createSocketActor({ socket, device, records, publish, scheduler, utcNow, log, emergencyRetryMs }: SocketActorDeps): SocketActor {
  const mailbox = new Subject<Letter>();
  const waiting = new Set<Letter>();
  let ledger: SocketLedger = restoredLedger([]);
  let status: SocketStatus = 'starting';
  let current: SocketCommand | null = null;
  let subscription: Subscription | undefined;
  let ended: Promise<void> = Promise.resolve();
  let closed = false;

  const setStatus = (next: SocketStatus) => {
    if (next === status) return;
    const fields = { socket: socket.name, from: status, to: next, ...(ledger.fault ? { fault: ledger.fault } : {}) };
    if (next === 'faulted') log.warn(`socket ${socket.name} ${status} → ${next}`, fields);
    else log.info(`socket ${socket.name} ${status} → ${next}`, fields);
    status = next;
  };

  const onStep = (step: SocketStep<Letter | SocketCommand>) => {
    if (step.type === 'busy') {
      current = step.command;
      return;
    }
    current = null;
    // A socket that stays unreachable fails every poll the same way: say it once, not every interval.
    const repeatedFault = ledger.fault !== null && ledger.fault === step.ledger.fault;
    ledger = step.ledger;
    const letter = step.command as Letter;
    const now = utcNow();
    try {
      records.apply(step.effects, now, letter.meta);
    } catch (err) {
      // The relay did what it did; a store failure must not hide that from the caller or the bus.
      log.error(`socket ${socket.name}: could not record ${step.command.type}`, { error: String(err) });
    }
    const effects = repeatedFault ? step.effects.filter((e) => e.type !== 'fault') : step.effects;
    for (const event of toPowerEvents(effects, { socket: socket.name, organization: socket.organization }, now, letter.meta?.emergencyStopTimeout))
      publish(event);
    setStatus(statusOf(ledger));
    if (letter.reply) {
      waiting.delete(letter);
      letter.reply(step.reply);
    }
  };

  return {
    name: socket.name,
    start(running) {
      ledger = restoredLedger(running);
      let done!: () => void;
      ended = new Promise<void>((resolve) => (done = resolve));
      subscription = socketLoop<Letter>(
        mailbox,
        { initial: ledger, device, deviceTimeoutMs: socket.timeout_ms + 1000, samplingIntervalMs: socket.sampling_interval_ms, emergencyRetryMs },
        scheduler,
      ).subscribe({
        next: onStep,
        complete: () => done(),
      });
      subscription.add(() => done());
      const now = scheduler.now();
      for (const r of running) if (r.deadlineAt <= now) mailbox.next({ type: 'emergency', instanceId: r.instanceId, cause: 'timeout' });
      mailbox.next({ type: 'reconcile' });
    },
    send(command, meta) {
      if (closed) return Promise.resolve({ ok: false, code: 'unavailable', message: `Socket ${socket.name} is stopping` });
      return new Promise<SocketReply>((resolve) => {
        const letter: Letter = { ...command, meta, reply: resolve };
        waiting.add(letter);
        mailbox.next(letter);
      });
    },
    status: () => status,
    ledger: () => ledger,
    inFlight: () => current,
    async stop() {
      closed = true;
      mailbox.complete();
      // The command in flight ends by the device timeout at the latest; queued ones are not worth waiting for.
      await firstValueFrom(race(from(ended), timer(socket.timeout_ms + 2000, scheduler)), { defaultValue: undefined });
      subscription?.unsubscribe();
      for (const letter of waiting) letter.reply?.({ ok: false, code: 'unavailable', message: `Socket ${socket.name} stopped` });
      waiting.clear();
      setStatus('stopped');
    },
  };
}
