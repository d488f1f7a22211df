import { Agent, request } from 'node:http';
import { connectAsync } from 'mqtt';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { registerService } from '../harness/hubApi';
import { CLOCK_TRIGGER } from '../harness/hubConfig';
import { connectLeanWs } from '../harness/rawWs';
import { runMain, serveRpc } from '../harness/rpc';
import { Samples, wallMs } from '../harness/stats';

/**
 * The world around a bench hub, in one load process: TCP services that receive the hub's lines
 * (and time them), WebSocket clients that stay attached and read everything, and a sender that
 * POSTs events at a fixed rate (benchmark 2). Lines and POSTs share this process's clock: an
 * event's value is its send time, so a line's latency is its arrival time minus its value.
 */
interface Service {
  readonly server: Server;
  readonly sockets: Set<Socket>;
  lines: number;
}

const services: Service[] = [];
const wsSockets: Socket[] = [];
let wsFrames = 0;
let recording: Samples | undefined;

const NEWLINE = 10;
const VALUE = Buffer.from('"value":');

/** Times every line whose value is a send time (only while `recording`). */
function onLines(service: Service, socket: Socket): void {
  let carry: Buffer | undefined;
  socket.on('data', (chunk: Buffer) => {
    const now = recording ? wallMs() : 0;
    const buf = carry ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    let nl: number;
    while ((nl = buf.indexOf(NEWLINE, start)) >= 0) {
      service.lines++;
      if (recording) {
        const at = buf.indexOf(VALUE, start);
        if (at >= 0 && at < nl) {
          let end = at + VALUE.length;
          while (buf[end] !== 44 /* , */ && buf[end] !== 125 /* } */ && end < nl) end++;
          const sent = Number(buf.toString('latin1', at + VALUE.length, end));
          if (sent > 0) recording.push(now - sent);
        }
      }
      start = nl + 1;
    }
    carry = start < buf.length ? Buffer.from(buf.subarray(start)) : undefined;
  });
}

async function startServices(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < count; i++) {
    const service: Service = { server: createServer(), sockets: new Set(), lines: 0 };
    service.server.on('connection', (socket) => {
      service.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => service.sockets.delete(socket));
      onLines(service, socket);
    });
    await new Promise<void>((resolve) => service.server.listen(0, '127.0.0.1', () => resolve()));
    services.push(service);
    ports.push((service.server.address() as AddressInfo).port);
  }
  return ports;
}

/** Opens `count` WebSocket clients (in parallel batches) that count what they receive. */
async function attachWs({ port, path, token, count }: { port: number; path: string; token: string; count: number }): Promise<number> {
  for (let i = 0; i < count; i += 100) {
    const batch = Array.from({ length: Math.min(100, count - i) }, () => connectLeanWs(port, path, token, () => void wsFrames++));
    wsSockets.push(...(await Promise.all(batch)));
  }
  return wsSockets.length;
}

/**
 * POSTs `{"name": CLOCK_TRIGGER, "value": <send time>}` at `rate` per second for `seconds` over
 * keep-alive connections (open loop: a slow answer does not slow the sender), and returns the
 * latency of every line the services received meanwhile.
 */
async function paced({ port, rate, seconds, connections = 64 }: { port: number; rate: number; seconds: number; connections?: number }) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  // This process's own stalls show in every latency it measures: report them next to it.
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const samples = new Samples();
  const total = Math.round(rate * seconds);
  let sent = 0;
  let answered = 0;
  let failed = 0;
  const statuses: Record<number, number> = {};
  const done = new Promise<void>((resolve) => {
    const settle = () => answered + failed === total && resolve();
    const send = () => {
      const body = `{"name":"${CLOCK_TRIGGER}","value":${wallMs()}}`;
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/api/trigger-event',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': body.length },
        },
        (res) => {
          statuses[res.statusCode ?? 0] = (statuses[res.statusCode ?? 0] ?? 0) + 1;
          res.resume();
          res.on('end', () => {
            answered++;
            settle();
          });
        },
      );
      req.on('error', () => {
        failed++;
        settle();
      });
      req.end(body);
    };
    const start = performance.now();
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000));
      while (sent < due) {
        sent++;
        send();
      }
      if (sent < total) setTimeout(tick, 1);
    };
    recording = samples;
    tick();
  });
  await done;
  // Lines still in flight arrive within a few ms; a dead service would never, so this is bounded.
  const expected = total * services.length;
  const deadline = Date.now() + 2000;
  while (samples.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  recording = undefined;
  agent.destroy();
  loop.disable();
  const loadLoopDelay = { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 };
  return { sent, answered, failed, statuses, lines: samples.length, expectedLines: expected, latency: samples.percentiles(), loadLoopDelay };
}

/**
 * Publishes `haven/trigger/Bench/Clock` with the send time as a plain payload at `rate` per
 * second for `seconds` (open loop, QoS `qos`) to the broker on `port`, as an ESP32 would, and
 * returns the latency of every line the services received meanwhile (benchmark 9b).
 */
async function mqttPaced({ port, rate, seconds, qos }: { port: number; rate: number; seconds: number; qos: 0 | 1 }) {
  const client = await connectAsync(`mqtt://127.0.0.1:${port}`, { protocolVersion: 4, clientId: `bench-${process.pid}`, reconnectPeriod: 0 });
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const samples = new Samples();
  const total = Math.round(rate * seconds);
  const topic = `haven/trigger/${CLOCK_TRIGGER.replace('.', '/')}`;
  let sent = 0;
  let acked = 0;
  let failed = 0;
  recording = samples;
  await new Promise<void>((resolve) => {
    const settle = () => acked + failed === total && resolve();
    const start = performance.now();
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000));
      while (sent < due) {
        sent++;
        client.publish(topic, String(wallMs()), { qos }, (err) => {
          if (err) failed++;
          else acked++;
          settle();
        });
      }
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
  const expected = total * services.length;
  const deadline = Date.now() + 2000;
  while (samples.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  recording = undefined;
  await client.endAsync();
  loop.disable();
  const loadLoopDelay = { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 };
  return { sent, acked, failed, lines: samples.length, expectedLines: expected, latency: samples.percentiles(), loadLoopDelay };
}

runMain(async () => {
  serveRpc(
    {
      services: ({ count }: { count: number }) => startServices(count),
      register: async ({ base, ports }: { base: string; ports: number[] }) => {
        for (let i = 0; i < ports.length; i++) await registerService(base, `BenchService${i + 1}`, ports[i]);
      },
      ws: attachWs,
      paced,
      mqttPaced,
      counts: () => ({
        lines: services.map((s) => s.lines),
        serviceConnections: services.map((s) => s.sockets.size),
        wsClients: wsSockets.filter((s) => !s.destroyed).length,
        wsFrames,
      }),
    },
    {},
    () => {
      for (const s of wsSockets) s.destroy();
      for (const svc of services) {
        for (const s of svc.sockets) s.destroy();
        svc.server.close();
      }
    },
  );
});
