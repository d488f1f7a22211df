/**
 * The long fuzz run: ONE real hub process, fed inputs from the same fast-check generators as the
 * property specs (test/helpers/fuzzInputs.ts) across REST, TCP lines, Modbus frames, WebSocket
 * messages and SSE query strings. Every input must be answered in its own protocol within
 * HANG_MS; the run exits 1 on any crash (the process gone), hang or 5xx.
 *
 *   npm run fuzz -- --inputs 5000 --seed 14 --time-ms 600000
 *   npm run fuzz -- --inputs 20000 --seed 14 --only tcp     # all inputs in one protocol
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseMetrics, samplesOf } from '../helpers/metricsText';
import WebSocket from 'ws';
import { linesBytes, modbusGarbage, modbusInput, tcpInput, type ModbusInput, type TcpInput } from '../helpers/fuzzInputs';
import { spawnHub } from '../helpers/hubProcess';

const HANG_MS = 2000;
const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const INPUTS = arg('inputs', 100_000);
const SEED = arg('seed', Date.now() % 2 ** 31);
const TIME_MS = arg('time-ms', 30 * 60_000);
/** Pause before the last memory reading, so closed sockets and timers have gone. */
const SETTLE_MS = arg('settle-ms', 3000);

type Protocol = 'rest' | 'tcp' | 'modbus' | 'ws' | 'sse';
const PROTOCOLS: readonly Protocol[] = ['rest', 'tcp', 'modbus', 'ws', 'sse'];
const onlyAt = process.argv.indexOf('--only');
const ONLY = onlyAt > 0 ? (process.argv[onlyAt + 1] as Protocol) : undefined;
if (ONLY !== undefined && !PROTOCOLS.includes(ONLY)) throw new Error(`--only takes one of ${PROTOCOLS.join('|')}, not ${ONLY}`);
/** How many inputs `protocol` gets: a fifth each, the rest to WebSocket; all of them with --only. */
const shareOf = (protocol: Protocol): number => {
  if (ONLY !== undefined) return protocol === ONLY ? INPUTS : 0;
  return protocol === 'ws' ? INPUTS - 4 * Math.ceil(INPUTS / 5) : Math.ceil(INPUTS / 5);
};
const tried: Record<Protocol, number> = { rest: 0, tcp: 0, modbus: 0, ws: 0, sse: 0 };
const kinds = new Map<string, number>();
const hangs: string[] = [];
const serverErrors: string[] = [];
const count = (kind: string): void => void kinds.set(kind, (kinds.get(kind) ?? 0) + 1);

/** Rejects after HANG_MS naming `what`: the input that got no answer. */
function bounded<T>(what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`hang: ${what}`)), HANG_MS))),
  ]);
}

// ------------------------------------------------------------------ generators of the protocols the specs do not share

const PATHS = [
  '/api/trigger-event',
  '/api/trigger-status',
  '/api/unregister',
  '/api/registrations',
  '/api/trigger-status',
  '/api/status',
  '/api/nope',
  '/healthz',
];
const restInput = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
  path: fc.constantFrom(...PATHS),
  query: fc.oneof(
    fc.constant(''),
    fc.webQueryParameters().map((q) => `?${q}`),
  ),
  contentType: fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'x/\u00ff', ''),
  header: fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
  body: fc.oneof(
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? ''),
    fc
      .record(
        { name: fc.constantFrom('Fog.Burst', 'Stage.Mode', 'Flame.Intensity', 'x'), value: fc.jsonValue({ maxDepth: 1 }), id: fc.jsonValue({ maxDepth: 0 }) },
        { requiredKeys: [] },
      )
      .map((o) => JSON.stringify(o)),
    fc.string({ maxLength: 200 }),
    fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
  ),
});
const wsInput = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'),
  fc
    .record(
      {
        type: fc.constantFrom('subscribe', 'unsubscribe', 'get_state', 'ping', 'auth', 'nope', ''),
        id: fc.jsonValue({ maxDepth: 0 }),
        triggers: fc.jsonValue({ maxDepth: 1 }),
        all: fc.jsonValue({ maxDepth: 0 }),
      },
      { requiredKeys: ['type'] },
    )
    .map((o) => JSON.stringify(o)),
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b)),
);
const sseInput = fc.record({
  query: fc.oneof(
    fc.webQueryParameters(),
    fc
      .tuple(fc.constantFrom('eventCategories', 'eventTypes', 'lastEventId', 'apiKey'), fc.string({ maxLength: 30 }))
      .map(([k, v]) => `${k}=${encodeURIComponent(v)}`),
  ),
  lastEventId: fc.option(fc.string({ maxLength: 20 }).map((s) => s.replace(/[^\x20-\x7e]/g, ''))),
  key: fc.boolean(),
});

// ------------------------------------------------------------------ one input each, answered or a hang

type Sampled<A> = A extends fc.Arbitrary<infer T> ? T : never;

async function rest(url: string, input: Sampled<typeof restInput>): Promise<void> {
  const res = await bounded(
    `REST ${input.method} ${input.path}`,
    fetch(`${url}${input.path}${input.query}`, {
      method: input.method,
      headers: { ...(input.contentType && { 'content-type': input.contentType }), 'x-fuzz': input.header },
      ...(input.method !== 'GET' && input.method !== 'DELETE' && { body: input.body }),
      signal: AbortSignal.timeout(HANG_MS),
    }).then(async (r) => (await r.arrayBuffer(), r)),
  );
  count(`http ${res.status}`);
  if (res.status >= 500) serverErrors.push(`${res.status} on REST ${input.method} ${input.path}${input.query} ${JSON.stringify(input.body).slice(0, 200)}`);
}

async function sse(url: string, key: string | undefined, input: Sampled<typeof sseInput>): Promise<void> {
  const controller = new AbortController();
  const headers: Record<string, string> = {};
  if (input.key && key) headers['x-api-key'] = key;
  if (input.lastEventId !== null) headers['last-event-id'] = input.lastEventId;
  const res = await bounded(`SSE ?${input.query}`, fetch(`${url}/api/events/stream?${input.query}`, { headers, signal: controller.signal }));
  controller.abort();
  count(`sse ${res.status}`);
  if (res.status >= 500) serverErrors.push(`${res.status} on SSE ?${input.query}`);
}

async function tcp(port: number, input: TcpInput): Promise<void> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  let text = '';
  let closed = false;
  socket.setEncoding('utf8');
  const want = input.kind === 'lines' ? input.lines.length : input.kind === 'slow' ? 1 : 0;
  try {
    await bounded(
      `TCP ${input.kind}`,
      new Promise<void>((resolve) => {
        const check = () => (closed || (want > 0 && text.split('\n').length - 1 >= want) ? resolve() : undefined);
        socket.on('data', (d: string) => ((text += d), check()));
        socket.on('close', () => ((closed = true), check()));
        socket.once('connect', () => {
          if (input.kind === 'lines') socket.write(linesBytes(input.lines));
          else if (input.kind === 'huge') socket.write(Buffer.alloc(input.length, 0x41));
          else if (input.kind === 'partial') socket.end(input.bytes);
          else socket.write(Buffer.concat([input.line, Buffer.of(0x0a)]));
        });
      }),
    );
  } finally {
    socket.destroy();
  }
  for (const line of text.split('\n').filter(Boolean)) count(line.startsWith('OK') ? 'tcp OK' : `tcp ERR ${line.split(' ')[1]}`);
  if (closed && input.kind !== 'partial') count('tcp closed');
}

async function modbus(port: number, input: ModbusInput | Uint8Array): Promise<void> {
  const garbage = input instanceof Uint8Array;
  const bytes = garbage ? input : input.bytes;
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  let got = Buffer.alloc(0);
  try {
    const closed = await bounded(
      `Modbus ${garbage ? 'garbage' : input.what} ${Buffer.from(bytes).toString('hex').slice(0, 80)}`,
      new Promise<boolean>((resolve) => {
        socket.on('data', (d: Buffer) => ((got = Buffer.concat([got, d])), !garbage && got.length >= 9 && resolve(false)));
        socket.on('close', () => resolve(true));
        socket.once('connect', () => (garbage ? socket.end(bytes) : socket.write(bytes)));
      }),
    );
    if (got.length >= 9) count(got[7] & 0x80 ? `modbus exception ${got[8]}` : 'modbus answer');
    else if (closed) count('modbus closed');
  } finally {
    socket.destroy();
  }
}

/** Close codes seen, with the first message that caused each. */
const closers = new Map<number, string>();

/**
 * One WebSocket session: each message is followed by a ping, whose result proves the message was
 * dealt with. Returns how many messages it used: a message that closes the connection ends it.
 */
async function ws(url: string, token: string, messages: ReadonlyArray<string | Buffer>): Promise<number> {
  const socket = new WebSocket(`${url.replace('http', 'ws')}/ws`, { headers: { authorization: `Bearer ${token}` } });
  const inbox: Array<{ type?: string; id?: unknown; success?: boolean; data?: { code?: string } }> = [];
  let closeCode: number | undefined;
  let wake = (): void => undefined;
  socket.on('message', (m) => {
    try {
      inbox.push(JSON.parse(String(m)));
    } catch {
      inbox.push({});
    }
    wake();
  });
  socket.on('close', (code) => ((closeCode = code), wake()));
  socket.on('error', () => undefined);
  const until = (what: string, done: () => boolean) =>
    bounded(what, new Promise<void>((resolve) => ((wake = () => (done() || closeCode !== undefined) && resolve()), wake())));
  let used = 0;
  try {
    await until('WS connect', () => inbox.some((m) => m.type === 'connected'));
    for (const [i, message] of messages.entries()) {
      if (closeCode !== undefined) break;
      tried.ws++;
      used++;
      const pingId = `fuzz-${i}`;
      const seen = inbox.length;
      socket.send(message);
      socket.send(JSON.stringify({ id: pingId, type: 'ping' }));
      await until(
        `WS ${String(message).slice(0, 300)} (after ${inbox
          .slice(seen)
          .map((m) => JSON.stringify(m).slice(0, 120))
          .join(' | ')})`,
        () => inbox.some((m) => m.type === 'result' && m.id === pingId),
      );
      for (const m of inbox.slice(seen)) {
        if (m.type === 'error') count(`ws error ${m.data?.code}`);
        else if (m.type === 'result' && m.id !== pingId) count(`ws result ${m.success ? 'success' : 'failure'}`);
      }
    }
    if (closeCode !== undefined) {
      count(`ws close ${closeCode}`);
      if (!closers.has(closeCode)) closers.set(closeCode, String(messages[used - 1]).slice(0, 120));
    }
  } finally {
    socket.terminate();
  }
  return used;
}

function sample<T>(arb: fc.Arbitrary<T>, n: number, seed: number): T[] {
  return n > 0 ? fc.sample(arb, { seed, numRuns: n }) : [];
}

/** The hub's memory and handles as its /metrics reads them, in MiB. */
async function memory(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(HANG_MS) })).text();
  const samples = parseMetrics(text);
  const metric = (name: string) => samplesOf(samples, name)[0]?.value ?? NaN;
  const mib = (name: string) => +(metric(name) / 2 ** 20).toFixed(1);
  return {
    rssMiB: mib('process_resident_memory_bytes'),
    heapMiB: mib('nodejs_heap_size_used_bytes'),
    heapTotalMiB: mib('nodejs_heap_size_total_bytes'),
    externalMiB: mib('nodejs_external_memory_bytes'),
    handles: metric('nodejs_active_handles_total'),
  };
}

async function main(): Promise<void> {
  console.log(`fuzz: ${INPUTS} inputs, seed ${SEED} (replay with --seed ${SEED}), at most ${TIME_MS} ms`);
  const dir = mkdtempSync(join(tmpdir(), 'haven-fuzz-'));
  const config = join(dir, 'haven.json');
  writeFileSync(
    config,
    JSON.stringify({
      comm: { http: { host: '127.0.0.1', port: 0 }, tcp: { host: '127.0.0.1', port: 0 }, modbus: { host: '127.0.0.1', port: 0 } },
      // The fuzz opens a WebSocket session per 50 messages and after every close: not an attack to limit.
      websocket: { rate_limit: { max: 1_000_000 } },
      // Wrong keys and tokens by the thousand are the point: the failed-auth limit (tested in
      // test/src/security) would answer them all 429 and the inputs would never reach their parsers.
      security: { auth_failures: { max: 1_000_000, window_ms: 60_000 } },
    }),
  );
  const token = `fuzz-admin-${SEED}-token-0123456789`;
  process.env.HAVEN_ADMIN_TOKEN = token;
  let key: string | undefined;
  try {
    const out = execFileSync(process.execPath, ['src/cli/haven.cjs', 'keys', 'create', '--org', 'default', '--json', '--config', config], {
      env: { ...process.env, HAVEN_DATA_DIR: join(dir, 'data') },
      encoding: 'utf8',
    });
    key = (JSON.parse(out) as { key?: string }).key;
  } catch (err) {
    console.log(`(no SSE key: ${(err as Error).message.split('\n')[0]}; SSE inputs run without one)`);
  }
  const hub = spawnHub(config, join(dir, 'data'));
  let failed = false;
  try {
    const { url, tcpPort } = await hub.ready;
    const modbusPort = Number(/\[Source MODBUS\] starting → listening \{"address":"[\d.]+:(\d+)"\}/.exec(hub.log())?.[1]);
    const before = await memory(url);
    const started = Date.now();
    const plan: Array<() => Promise<void>> = [];
    let s = SEED;
    for (const input of sample(restInput, shareOf('rest'), s++)) plan.push(() => (tried.rest++, rest(url, input)));
    for (const input of sample(tcpInput(4096), shareOf('tcp'), s++)) plan.push(() => (tried.tcp++, tcp(tcpPort!, input)));
    for (const input of sample(fc.oneof({ weight: 4, arbitrary: modbusInput }, modbusGarbage), shareOf('modbus'), s++))
      plan.push(() => (tried.modbus++, modbus(modbusPort, input)));
    for (const input of sample(sseInput, shareOf('sse'), s++)) plan.push(() => (tried.sse++, sse(url, key, input)));
    const wsMessages = sample(wsInput, shareOf('ws'), s++);
    for (let i = 0; i < wsMessages.length; i += 50) {
      const chunk = wsMessages.slice(i, i + 50);
      plan.push(async () => {
        // A message that closes the session is counted; the rest of the chunk goes on in a new one.
        for (let at = 0, used = 1; at < chunk.length && used > 0; at += used) used = await ws(url, token, chunk.slice(at));
      });
    }
    // Interleaved, so every protocol runs from start to end of the run; a fixed order keeps the seed replayable.
    const order = fc.sample(
      fc.shuffledSubarray(
        plan.map((_, i) => i),
        { minLength: plan.length, maxLength: plan.length },
      ),
      { seed: SEED, numRuns: 1 },
    )[0];
    for (const [n, i] of order.entries()) {
      if (Date.now() - started > TIME_MS) break;
      if (hub.child.exitCode !== null || hub.child.signalCode !== null) break;
      await plan[i]().catch((err: Error) => (err.message.startsWith('hang:') ? hangs.push(err.message) : count(`client error ${err.name}`)));
      if (n % 1000 === 999) {
        const { rssMiB, heapMiB, externalMiB } = await memory(url);
        process.stdout.write(
          `  ${n + 1} / ${order.length} steps, ${Math.round((Date.now() - started) / 1000)} s, RSS ${rssMiB} heap ${heapMiB} external ${externalMiB} MiB\n`,
        );
      }
    }
    const crashed = hub.child.exitCode !== null || hub.child.signalCode !== null;
    if (!crashed) await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const after = crashed ? undefined : await memory(url);
    const total = Object.values(tried).reduce((a, b) => a + b, 0);
    console.log(
      JSON.stringify(
        {
          seed: SEED,
          inputs: total,
          tried,
          ms: Date.now() - started,
          crashes: crashed ? 1 : 0,
          hangs: hangs.length,
          serverErrors: serverErrors.length,
          memory: { before, after },
        },
        null,
        2,
      ),
    );
    console.log('answers by kind:', Object.fromEntries([...kinds].sort((a, b) => b[1] - a[1])));
    console.log('WebSocket close codes, first message that caused each:', Object.fromEntries(closers));
    for (const h of hangs.slice(0, 20)) console.log(h);
    for (const e of serverErrors.slice(0, 20)) console.log(e);
    if (crashed) console.log(`hub died:\n${hub.log().slice(-3000)}`);
    failed = crashed || hangs.length > 0 || serverErrors.length > 0;
  } finally {
    await hub.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}

void main().catch((err) => {
  console.error(err);
  process.exit(2);
});
