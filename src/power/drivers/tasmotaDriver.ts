import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { httpGetJson, type JsonAnswer } from './httpGetJson';
import { fail, num, ok, type SocketDriver } from './socketDriver';
import type { DeviceResult } from '../../../streams/power/powerContracts';
import { sanitizeForLog } from '../../log';

/** Where a Tasmota device is, which relay, and its web credentials if it has a password. */
export interface TasmotaConfig {
  readonly baseUrl: string;
  /** 0: the only relay (`Power`); n ≥ 1: relay n (`Power<n>`). */
  readonly channel: number;
  readonly timeoutMs: number;
  /** Where the timeout runs; the hub's scheduler, `asyncScheduler` unless given. */
  readonly scheduler?: SchedulerLike;
  readonly username?: string;
  /** Secret: sent as the `password` query parameter Tasmota expects, never logged. */
  readonly password?: string;
}

/** Tasmota's own error answers: `{"Command":"Unknown"}`, `{"WARNING":"Need user=…&password=…"}`, or an HTTP error status. */
function tasmotaError(answer: JsonAnswer): string | null {
  const b = answer.body as Record<string, unknown> | null;
  if (answer.status === 401 || (b && typeof b.WARNING === 'string'))
    return `the device refused the credentials: ${String(b?.WARNING ?? `HTTP ${answer.status}`)}`;
  if (b && b.Command === 'Unknown') return 'the device does not know the command (Command: Unknown)';
  if (b && typeof b.Command === 'string' && b.Command !== '') return `the device answered Command: ${b.Command}`;
  if (answer.status !== 200) return `unexpected answer (HTTP ${answer.status})`;
  return null;
}

/**
 * Tasmota plugs over their web command API: `/cm?cmnd=Power On` (answers `{"POWER":"ON"}`),
 * `/cm?cmnd=Status 8` (answers `StatusSNS.ENERGY` with `Total` in kWh, `Power` W, `Voltage` V,
 * `Current` A). Energy is normalized to Wh.
 */
export function createTasmotaDriver({ baseUrl, channel, timeoutMs, username, password, scheduler = asyncScheduler }: TasmotaConfig): SocketDriver {
  const relay = channel === 0 ? 'Power' : `Power${channel}`;
  const auth = password !== undefined ? `&user=${encodeURIComponent(username ?? 'admin')}&password=${encodeURIComponent(password)}` : '';
  const cmnd = async (command: string): Promise<DeviceResult<Record<string, unknown>>> => {
    const res = await httpGetJson(`${baseUrl}/cm?cmnd=${encodeURIComponent(command)}${auth}`, timeoutMs, scheduler);
    if (!res.ok) return res;
    const error = tasmotaError(res.value);
    if (error) return fail(error);
    const body = res.value.body;
    return body && typeof body === 'object' ? ok(body as Record<string, unknown>) : fail(`unexpected answer to ${command}: ${sanitizeForLog(body, 80)}`);
  };
  /** `POWER1` on multi-relay devices, `POWER` on single-relay ones whatever the index. */
  const relayState = (body: Record<string, unknown>): string | undefined => {
    const v = body[relay.toUpperCase()] ?? body.POWER;
    return typeof v === 'string' ? v.toUpperCase() : undefined;
  };
  return {
    kind: 'tasmota',
    async switchPower(on) {
      const res = await cmnd(`${relay} ${on ? 'On' : 'Off'}`);
      if (!res.ok) return res;
      const state = relayState(res.value);
      if (state !== (on ? 'ON' : 'OFF')) return fail(`the relay did not switch ${on ? 'on' : 'off'} (answered ${sanitizeForLog(res.value, 80)})`);
      return ok(undefined);
    },
    async read() {
      const status = await cmnd('Status 8');
      if (!status.ok) return status;
      const energy = (status.value.StatusSNS as { ENERGY?: Record<string, unknown> } | undefined)?.ENERGY;
      const pick = (v: unknown) => num(Array.isArray(v) ? v[Math.max(0, channel - 1)] : v);
      const totalKwh = num(energy?.Total);
      const [powerW, voltageV, currentA] = [pick(energy?.Power), pick(energy?.Voltage), pick(energy?.Current)];
      if (totalKwh === undefined || powerW === undefined || voltageV === undefined || currentA === undefined) {
        return fail(`unexpected answer to Status 8 (no StatusSNS.ENERGY Total/Power/Voltage/Current): ${sanitizeForLog(status.value, 100)}`);
      }
      const power = await cmnd(relay);
      if (!power.ok) return power;
      const state = relayState(power.value);
      if (state !== 'ON' && state !== 'OFF') return fail(`unexpected answer to ${relay}: ${sanitizeForLog(power.value, 80)}`);
      return ok({ output: state === 'ON', powerW, voltageV, currentA, energyWh: Math.round(totalKwh * 1_000_000) / 1000, temperatureC: null });
    },
  };
}
