import type { Observable } from 'rxjs';
import type { RunHelpers, TestScheduler } from 'rxjs/testing';
import type { DeviceResult, PowerReading, SocketCommand, SocketDevice, SocketStep } from '../../../streams/power/powerContracts';

export const ON: PowerReading = { output: true, powerW: 115, voltageV: 230, currentA: 0.5, energyWh: 1200, temperatureC: 40 };
export const OFF: PowerReading = { ...ON, output: false, powerW: 0, currentA: 0 };

/** Marble values for device answers: `o` switched, `r` reading (relay on), `f` reading (relay off), `x` an error. */
export const ANSWERS: Record<string, DeviceResult<any>> = {
  o: { ok: true, value: undefined },
  r: { ok: true, value: ON },
  f: { ok: true, value: OFF },
  x: { ok: false, error: 'HTTP 500' },
};

type Answer = ReturnType<RunHelpers['cold']>;

/**
 * A scripted device: each call takes the next marble of its kind (the last one repeats) and is logged with its
 * frame; `answers` keeps each call's cold observable, in call order, for subscription assertions.
 */
export function scriptedDevice(
  scheduler: TestScheduler,
  cold: RunHelpers['cold'],
  script: { on?: string[]; off?: string[]; read?: string[] },
): SocketDevice & { calls: string[]; answers: Answer[] } {
  const calls: string[] = [];
  const answers: Answer[] = [];
  const answer = (marbles: string) => {
    const answer$ = cold(marbles, ANSWERS);
    answers.push(answer$);
    return answer$;
  };
  const next = (list: string[] | undefined, fallback: string): string => (list && list.length > 1 ? list.shift()! : (list?.[0] ?? fallback));
  return {
    calls,
    answers,
    switchPower(on) {
      calls.push(`${scheduler.now()} ${on ? 'on' : 'off'}`);
      return answer(next(on ? script.on : script.off, '-(o|)')) as Observable<DeviceResult<void>>;
    },
    read() {
      calls.push(`${scheduler.now()} read`);
      return answer(next(script.read, '-(r|)')) as Observable<DeviceResult<PowerReading>>;
    },
  };
}

export const start = (instanceId: string, deadlineAt = 1000): SocketCommand => ({ type: 'start', instanceId, deadlineAt });
export const stop = (instanceId: string): SocketCommand => ({ type: 'stop', instanceId, reason: 'manual' });
export const emergency = (instanceId: string, cause: 'timeout' | 'request' = 'request'): SocketCommand => ({ type: 'emergency', instanceId, cause });

/** A done step in a few words, so marble expectations read as a log. */
export function brief(step: SocketStep): string {
  if (step.type === 'busy') return 'busy';
  const r = step.reply;
  if (!r.ok) return r.code;
  switch (r.kind) {
    case 'started':
      return `started ${r.instanceId}${r.triggeredPowerOn ? ' +on' : ''}`;
    case 'stopped':
      return `stopped ${r.instanceId}${r.triggeredPowerOff ? ' +off' : ''}`;
    case 'emergency_stopped':
      return `emergency ${r.instanceId} [${r.stoppedInstances.join(',')}]${r.triggeredPowerOff ? ' +off' : ''}`;
    case 'sampled':
      return r.reading ? `sampled ${r.reading.currentA}A` : 'skipped';
  }
}
