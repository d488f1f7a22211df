import { concatMap, map, of, type Observable } from 'rxjs';
import type { EmergencyCause, PowerReading, PowerState, SocketDevice, SocketEffect, SocketLedger, SocketReply, StopReason } from './powerContracts';
import { isRunning, OFF_LEDGER, runningIds, withFault, withPower, withStarted, withStopped } from './socketLedger';

/** What one command did: the answer for its sender, what happened, and the ledger after it. */
export interface Outcome {
  readonly reply: SocketReply;
  readonly effects: readonly SocketEffect[];
  readonly ledger: SocketLedger;
}

const OK_SWITCH = { ok: true as const, value: undefined };

const recovered = (ledger: SocketLedger): SocketEffect[] => (ledger.fault ? [{ type: 'recovered' }] : []);

/** A failed device call: the holders stay, the socket faults, the sender learns why. */
function failed(ledger: SocketLedger, operation: string, error: string, power: PowerState, message: string): Outcome {
  return {
    ledger: withFault(ledger, `${operation}: ${error}`, power),
    effects: [{ type: 'fault', operation, error }],
    reply: { ok: false, code: 'device', message },
  };
}

/**
 * The device says its relay is off while instances hold it (someone pressed the plug's button, it
 * lost power): nothing can run on an off socket, so every holder stops and the socket faults.
 */
function lostPower(ledger: SocketLedger, reply: SocketReply): Outcome {
  const ids = runningIds(ledger);
  const error = ids.length ? `The socket is off but ${ids.length} instance(s) were running: ${ids.join(', ')}` : 'The socket turned off unexpectedly';
  return {
    ledger: withFault(OFF_LEDGER, error, 'off'),
    effects: [
      { type: 'fault', operation: 'monitor', error },
      ...ids.map((instanceId): SocketEffect => ({ type: 'instance_stopped', instanceId, reason: 'device_off', triggeredPowerOff: false })),
      ...(ids.length ? [{ type: 'power_off', instanceId: null, reason: 'device_off' } as const] : []),
    ],
    reply,
  };
}

/**
 * Start: the first holder switches the relay on; every start reads the energy counter, which the
 * instance keeps. A start that cannot read leaves the relay as it found it.
 */
export function runStart(ledger: SocketLedger, instanceId: string, deadlineAt: number, io: SocketDevice): Observable<Outcome> {
  if (isRunning(ledger, instanceId)) {
    return of({ ledger, effects: [], reply: { ok: false, code: 'conflict', message: `Instance ${instanceId} is already running` } });
  }
  const first = ledger.running.length === 0;
  const switchOn$ = ledger.power === 'on' ? of(OK_SWITCH) : io.switchPower(true);
  return switchOn$.pipe(
    concatMap((sw) => {
      if (!sw.ok) return of(failed(ledger, 'switch on', sw.error, 'unknown', `Could not switch the socket on: ${sw.error}`));
      return io.read().pipe(
        concatMap((rd): Observable<Outcome> => {
          if (!rd.ok) {
            const message = `Could not read the socket's power consumption: ${rd.error}`;
            if (!first) return of(failed(ledger, 'read', rd.error, 'on', message));
            // Switched on for an instance that is not starting after all: back to off, so nobody is left holding nothing.
            return io.switchPower(false).pipe(
              map((off) => {
                const out = failed(ledger, 'read', rd.error, off.ok ? 'off' : 'unknown', message);
                return off.ok ? out : { ...out, effects: [...out.effects, { type: 'fault', operation: 'switch off', error: off.error }] };
              }),
            );
          }
          if (!rd.value.output) return of(lostPower(ledger, { ok: false, code: 'conflict', message: 'The socket turned off unexpectedly' }));
          return of({
            ledger: withStarted(ledger, { instanceId, deadlineAt }),
            effects: [
              ...recovered(ledger),
              ...(first ? [{ type: 'power_on', instanceId } as const] : []),
              { type: 'instance_started', instanceId, triggeredPowerOn: first, reading: rd.value },
            ],
            reply: { ok: true, kind: 'started', instanceId, triggeredPowerOn: first, reading: rd.value },
          });
        }),
      );
    }),
  );
}

/** Stop: the last holder switches the relay off, and leaves only once the device confirmed. */
export function runStop(ledger: SocketLedger, instanceId: string, reason: StopReason, io: SocketDevice): Observable<Outcome> {
  if (!isRunning(ledger, instanceId)) {
    return of({ ledger, effects: [], reply: { ok: false, code: 'not_running', message: `Instance ${instanceId} is not running` } });
  }
  if (ledger.running.length > 1) {
    return of({
      ledger: withStopped(ledger, instanceId, false),
      effects: [{ type: 'instance_stopped', instanceId, reason, triggeredPowerOff: false }],
      reply: { ok: true, kind: 'stopped', instanceId, triggeredPowerOff: false },
    });
  }
  return io.switchPower(false).pipe(
    map((off): Outcome => {
      if (!off.ok)
        return failed(ledger, 'switch off', off.error, 'unknown', `Could not switch the socket off: ${off.error}; instance ${instanceId} keeps running`);
      return {
        ledger: withStopped(ledger, instanceId, true),
        effects: [...recovered(ledger), { type: 'instance_stopped', instanceId, reason, triggeredPowerOff: true }, { type: 'power_off', instanceId, reason }],
        reply: { ok: true, kind: 'stopped', instanceId, triggeredPowerOff: true },
      };
    }),
  );
}

/**
 * Emergency stop: the relay goes off and every holder stops with it. A deadline that fires for an
 * instance already stopped (it lost the race with a stop) does nothing.
 */
export function runEmergency(ledger: SocketLedger, instanceId: string, cause: EmergencyCause, io: SocketDevice): Observable<Outcome> {
  if (cause === 'timeout' && !isRunning(ledger, instanceId)) {
    return of({ ledger, effects: [], reply: { ok: false, code: 'not_running', message: `Instance ${instanceId} is not running` } });
  }
  const stopped = runningIds(ledger);
  const done = (from: SocketLedger, switched: boolean): Outcome => ({
    ledger: OFF_LEDGER,
    effects: [
      ...recovered(from),
      { type: 'emergency_stop', instanceId, cause, stoppedInstances: stopped },
      ...stopped.map((id): SocketEffect => ({ type: 'instance_stopped', instanceId: id, reason: 'emergency', triggeredPowerOff: switched })),
      ...(switched ? [{ type: 'power_off', instanceId, reason: 'emergency' } as const] : []),
    ],
    reply: { ok: true, kind: 'emergency_stopped', instanceId, stoppedInstances: stopped, triggeredPowerOff: switched },
  });
  if (ledger.power === 'off' && stopped.length === 0) return of(done(ledger, false));
  return io
    .switchPower(false)
    .pipe(
      map((off) =>
        off.ok ? done(ledger, true) : failed(ledger, 'emergency stop', off.error, 'unknown', `Emergency stop could not switch the socket off: ${off.error}`),
      ),
    );
}

/**
 * Sample or reconcile: read the device and make the ledger and the relay agree. On with holders is
 * a sample for each of them; on with none is switched off; off with holders stops them.
 */
export function runRead(ledger: SocketLedger, kind: 'sample' | 'reconcile', io: SocketDevice): Observable<Outcome> {
  if (kind === 'sample' && ledger.power === 'off') return of({ ledger, effects: [], reply: { ok: true, kind: 'sampled', reading: null } });
  return io.read().pipe(
    concatMap((rd): Observable<Outcome> => {
      if (!rd.ok) return of(failed(ledger, 'read', rd.error, ledger.power, `Could not read the socket: ${rd.error}`));
      return applyReading(ledger, rd.value, io);
    }),
  );
}

function applyReading(ledger: SocketLedger, reading: PowerReading, io: SocketDevice): Observable<Outcome> {
  const ids = runningIds(ledger);
  const reply: SocketReply = { ok: true, kind: 'sampled', reading };
  if (!reading.output && ids.length > 0) return of(lostPower(ledger, reply));
  if (!reading.output || ids.length > 0) {
    const effects: SocketEffect[] = [...recovered(ledger), ...(ids.length ? [{ type: 'sample', reading, instanceIds: ids } as const] : [])];
    return of({ ledger: withPower(ledger, reading.output ? 'on' : 'off'), effects, reply });
  }
  // On with nobody holding it (a restart, a button press): never leave it so.
  return io
    .switchPower(false)
    .pipe(
      map((off): Outcome =>
        off.ok
          ? { ledger: OFF_LEDGER, effects: [...recovered(ledger), { type: 'power_off', instanceId: null, reason: 'reconcile' }], reply }
          : failed(ledger, 'switch off', off.error, 'unknown', `Could not switch off the unheld socket: ${off.error}`),
      ),
    );
}
