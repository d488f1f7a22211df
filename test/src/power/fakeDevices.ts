import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How a fake device behaves: as the real one, silent (accepts, never answers), or an error answer. */
export type FakeMode = 'normal' | 'silent' | 'garbage';

/** A fake device on 127.0.0.1 port 0 that answers as the real firmware does. */
export interface FakeDevice {
  readonly url: string;
  /** Relay state. */
  output: boolean;
  /** Meter: Wh for Shelly, kWh for Tasmota (as each reports it). */
  energy: number;
  mode: FakeMode;
  /** Answers this much later (widens race windows in concurrency tests). */
  latencyMs: number;
  /** Every request path with its query, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

async function listen(handle: (req: IncomingMessage, res: ServerResponse, device: FakeDevice) => void, init: Partial<FakeDevice>): Promise<FakeDevice> {
  const device: FakeDevice = { url: '', output: false, energy: 0, mode: 'normal', latencyMs: 0, requests: [], close: async () => undefined, ...init };
  const server: Server = createServer((req, res) => {
    device.requests.push(req.url ?? '');
    if (device.mode === 'silent') return; // holds the request open: the driver's timeout must end it
    if (device.mode === 'garbage') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Loading…</body></html>');
      return;
    }
    if (device.latencyMs > 0) setTimeout(() => handle(req, res, device), device.latencyMs);
    else handle(req, res, device);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (device as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  device.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return device;
}

const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

/**
 * A Shelly Plus Plug S (Gen2) with one switch, id 0: `Switch.Set` answers `{was_on}`,
 * `Switch.GetStatus` the full status object, a wrong id the JSON-RPC error -105 with HTTP 500,
 * an unknown method -114 with HTTP 404.
 */
export function startFakeShelly(init: Partial<FakeDevice> = {}): Promise<FakeDevice> {
  return listen((req, res, d) => {
    const url = new URL(req.url ?? '/', 'http://device');
    const id = url.searchParams.get('id');
    if (url.pathname !== '/rpc/Switch.Set' && url.pathname !== '/rpc/Switch.GetStatus') {
      return json(res, 404, { code: -114, message: `Method ${url.pathname.slice(5)} failed: No handler!` });
    }
    if (id === null) return json(res, 500, { code: -103, message: "Missing required argument 'id'!" });
    if (id !== '0') return json(res, 500, { code: -105, message: `Argument 'id', value ${id} not found!` });
    if (url.pathname === '/rpc/Switch.Set') {
      const on = url.searchParams.get('on');
      if (on !== 'true' && on !== 'false') return json(res, 500, { code: -103, message: "Missing required argument 'on'!" });
      const wasOn = d.output;
      d.output = on === 'true';
      return json(res, 200, { was_on: wasOn });
    }
    json(res, 200, {
      id: 0,
      source: 'HTTP_in',
      output: d.output,
      apower: d.output ? 115.2 : 0,
      voltage: 229.8,
      freq: 50,
      current: d.output ? 0.501 : 0,
      aenergy: { total: d.energy, by_minute: [0, 0, 0], minute_ts: 1714561200 },
      ret_aenergy: { total: 0, by_minute: [0, 0, 0], minute_ts: 1714561200 },
      temperature: { tC: 41.2, tF: 106.2 },
    });
  }, init);
}

/**
 * A Tasmota plug (one relay, energy monitoring): `Power On|Off|<empty>` answer `{"POWER":…}`,
 * `Status 8` answers `StatusSNS.ENERGY` (Total in kWh), anything else `{"Command":"Unknown"}`;
 * with a password, a request without the right one gets 401 and Tasmota's WARNING.
 */
export function startFakeTasmota(init: Partial<FakeDevice> & { password?: string } = {}): Promise<FakeDevice> {
  return listen((req, res, d) => {
    const url = new URL(req.url ?? '/', 'http://device');
    if (url.pathname !== '/cm') return json(res, 404, {});
    if (init.password !== undefined && (url.searchParams.get('user') !== 'admin' || url.searchParams.get('password') !== init.password)) {
      return json(res, 401, { WARNING: 'Need user=<username>&password=<password>' });
    }
    const [cmd, arg = ''] = (url.searchParams.get('cmnd') ?? '').trim().split(/\s+/);
    if (/^power1?$/i.test(cmd)) {
      if (/^(on|1)$/i.test(arg)) d.output = true;
      else if (/^(off|0)$/i.test(arg)) d.output = false;
      else if (arg !== '') return json(res, 200, { Command: 'Error' });
      return json(res, 200, { POWER: d.output ? 'ON' : 'OFF' });
    }
    if (/^status$/i.test(cmd) && arg === '8') {
      return json(res, 200, {
        StatusSNS: {
          Time: '2024-05-01T12:00:00',
          ENERGY: {
            TotalStartTime: '2024-01-01T00:00:00',
            Total: d.energy,
            Yesterday: 0.2,
            Today: 0.05,
            Power: d.output ? 45 : 0,
            ApparentPower: d.output ? 50 : 0,
            ReactivePower: d.output ? 22 : 0,
            Factor: d.output ? 0.9 : 0,
            Voltage: 231,
            Current: d.output ? 0.195 : 0,
          },
        },
      });
    }
    json(res, 200, { Command: 'Unknown' });
  }, init);
}
