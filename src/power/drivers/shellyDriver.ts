import { asyncScheduler, type SchedulerLike } from 'rxjs';
import type { PowerReading } from '../../../streams/power/powerContracts';
import { httpGetJson } from './httpGetJson';
import { fail, num, ok, type SocketDriver } from './socketDriver';
import { sanitizeForLog } from '../../log';

/** Where a Shelly Gen2 device is and how long to wait for it. */
export interface ShellyConfig {
  /** Base URL, `http://192.168.1.50`. */
  readonly baseUrl: string;
  /** Switch component id (`Switch:0` is 0). */
  readonly channel: number;
  readonly timeoutMs: number;
  /** Where the timeout runs; the hub's scheduler, `asyncScheduler` unless given. */
  readonly scheduler?: SchedulerLike;
}

/** A JSON-RPC error as a Shelly Gen2 answers it over HTTP GET: `{ "code": -105, "message": "…" }`. */
function rpcError(status: number, body: unknown): string {
  const b = body as { code?: unknown; message?: unknown } | null;
  if (status === 401) return 'the device requires authentication (HTTP 401); disable it or use a device without a password';
  if (b && typeof b === 'object' && num(b.code) !== undefined) return `Shelly error ${b.code as number}: ${String(b.message ?? '')} (HTTP ${status})`;
  return `unexpected answer (HTTP ${status})`;
}

/**
 * Shelly Gen2/Gen3 Plus plugs over their local RPC API: `/rpc/Switch.Set?id=0&on=true` (answers
 * `{ was_on }`), `/rpc/Switch.GetStatus?id=0` (answers `output`, `apower` W, `voltage` V,
 * `current` A, `aenergy.total` Wh, `temperature.tC`).
 */
export function createShellyDriver({ baseUrl, channel, timeoutMs, scheduler = asyncScheduler }: ShellyConfig): SocketDriver {
  const rpc = (method: string, params: string) => httpGetJson(`${baseUrl}/rpc/${method}?${params}`, timeoutMs, scheduler);
  return {
    kind: 'shelly',
    async switchPower(on) {
      const res = await rpc('Switch.Set', `id=${channel}&on=${on}`);
      if (!res.ok) return res;
      const { status, body } = res.value;
      if (status !== 200) return fail(rpcError(status, body));
      if (typeof (body as { was_on?: unknown } | null)?.was_on !== 'boolean') return fail(`unexpected answer to Switch.Set: ${sanitizeForLog(body, 80)}`);
      return ok(undefined);
    },
    async read() {
      const res = await rpc('Switch.GetStatus', `id=${channel}`);
      if (!res.ok) return res;
      const { status, body } = res.value;
      if (status !== 200) return fail(rpcError(status, body));
      const b = (body ?? {}) as {
        output?: unknown;
        apower?: unknown;
        voltage?: unknown;
        current?: unknown;
        aenergy?: { total?: unknown };
        temperature?: { tC?: unknown };
      };
      const reading: Partial<PowerReading> = {
        output: typeof b.output === 'boolean' ? b.output : undefined,
        powerW: num(b.apower),
        voltageV: num(b.voltage),
        currentA: num(b.current),
        energyWh: num(b.aenergy?.total),
      };
      const missing = Object.entries(reading)
        .filter(([, v]) => v === undefined)
        .map(([k]) => k);
      if (missing.length) return fail(`unexpected answer to Switch.GetStatus (missing ${missing.join(', ')}): ${sanitizeForLog(body, 80)}`);
      return ok({ ...(reading as PowerReading), temperatureC: num(b.temperature?.tC) ?? null });
    },
  };
}
