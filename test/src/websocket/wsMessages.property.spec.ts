import { expect } from 'chai';
import fc from 'fast-check';
import { connect, type Socket } from 'node:net';
import { createLogger } from '../../../src/log';
import { renderInto } from '../../helpers/logLines';
import { waitFor } from '../../helpers/waitFor';
import { startWsHub, type TestClient, type WsHub } from './wsHarness';

/**
 * Whatever a client sends, it gets an answer in the WebSocket protocol (a `result` or `error`
 * message, or a close code with its reason) and the hub keeps serving: the same connection when
 * the message was text, a new one otherwise. Messages are random text, random JSON, objects with
 * the protocol's fields of random types, binary frames, frames over `max_payload_bytes`, raw bytes
 * that are no WebSocket frame at all, and floods.
 */

const MAX_PAYLOAD = 4096;
const TYPES = ['auth', 'subscribe', 'unsubscribe', 'ping', 'get_state', 'subscribe_dashboard', 'trigger', 'Ping', '', 'constructor', '__proto__'];

/** One message as a client sends it. */
type Message =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'binary'; readonly bytes: Uint8Array }
  | { readonly kind: 'oversize'; readonly bytes: number; readonly binary: boolean };

const field = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.array(fc.string({ maxLength: 300 }), { maxLength: 5 }),
  fc.constantFrom('Stage.Mode', 'Nope.Missing', 'show'),
);
/** An object shaped like a request: a type (known or not, or of another JSON type) and the protocol's fields with random values. */
const requestLike = fc
  .record(
    {
      type: fc.oneof(fc.constantFrom(...TYPES), fc.jsonValue({ maxDepth: 1 })),
      id: fc.oneof(fc.integer(), fc.string({ maxLength: 80 }), fc.jsonValue({ maxDepth: 1 })),
      triggers: field,
      categories: field,
      all: field,
      token: field,
      lastSeq: field,
    },
    { requiredKeys: [] },
  )
  .map((o) => JSON.stringify(o));
const textArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 100 }) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null') },
  { weight: 6, arbitrary: requestLike },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      '{',
      '{"type":',
      'null',
      '[]',
      '{"type":"ping","id":1',
      '{"type":"ping","id":1}x',
      '\u0000',
      '{"type":"subscribe","triggers":"*"}',
    ),
  },
);
const messageArb: fc.Arbitrary<Message> = fc.oneof(
  { weight: 12, arbitrary: textArb.map((text) => ({ kind: 'text' as const, text })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ kind: 'binary' as const, bytes })) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('oversize' as const), bytes: fc.integer({ min: MAX_PAYLOAD + 1, max: 4 * MAX_PAYLOAD }), binary: fc.boolean() }),
  },
);

/** The id the server reads from a text message, when it is one it echoes (a finite number or a string of at most 64). */
function echoedId(text: string): { readonly has: boolean; readonly id?: unknown } {
  try {
    const v = JSON.parse(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v) || !('id' in v)) return { has: false };
    const ok = (typeof v.id === 'number' && Number.isFinite(v.id)) || (typeof v.id === 'string' && v.id.length <= 64);
    return ok ? { has: true, id: v.id } : { has: false };
  } catch {
    return { has: false };
  }
}

function send(client: TestClient, m: Message): void {
  if (m.kind === 'text') client.ws.send(m.text);
  else if (m.kind === 'binary') client.ws.send(Buffer.from(m.bytes), { binary: true });
  else client.ws.send(m.binary ? Buffer.alloc(m.bytes, 1) : 'x'.repeat(m.bytes), { binary: m.binary });
}

describe('WebSocket: every message gets an answer and the hub keeps serving (property)', () => {
  let h: WsHub;
  let watcher: TestClient;
  let token: string;
  before(async () => {
    h = await startWsHub({
      trigger: { sources: { TCP: { enabled: false }, MODBUS: { enabled: false } } },
      websocket: { max_payload_bytes: MAX_PAYLOAD, rate_limit: { max: 100000 } },
      // Bad first messages by the dozen on purpose: the failed-auth limit (test/src/security) would block this address.
      security: { auth_failures: { max: 1_000_000, window_ms: 60_000 } },
    });
    const made = h.ws.admin.createClient('fuzzer', 'client', []);
    if (!made.ok) throw new Error('no client');
    token = made.value.token;
    watcher = await h.login(h.adminToken);
  });
  after(() => h.stop());

  /** The hub still serves: a new connection is admitted and answers, and an accepted event reaches the watcher. */
  async function stillServing(): Promise<void> {
    const fresh = await h.login(token);
    expect((await fresh.request({ type: 'ping' })).success).to.equal(true);
    fresh.ws.terminate();
    const from = watcher.messages.length;
    await h.fire('Fog.Burst');
    await watcher.waitFor((m) => m.type === 'trigger', 'the event at the watcher', from);
  }

  it('answers every text message on an authenticated connection with one result or error, and the connection stays; binary and oversized frames close it with 1003 / 1009', async function () {
    this.timeout(60000);
    let closes = 0;
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(messageArb, { minLength: 1, maxLength: 8 }), async (messages) => {
        const client = await h.login(token);
        try {
          for (const [k, m] of messages.entries()) {
            const from = client.messages.length;
            send(client, m);
            if (m.kind !== 'text') {
              const close = await client.closed();
              const want = m.kind === 'binary' ? { code: 1003, reason: 'binary messages are not supported' } : { code: 1009, reason: '' };
              expect(close, JSON.stringify(m).slice(0, 200)).to.deep.equal(want);
              closes++;
              break;
            }
            // The ping's answer comes after everything queued before it.
            const barrier = `barrier-${k}`;
            client.send({ type: 'ping', id: barrier });
            await client.waitFor((x) => x.type === 'result' && x.id === barrier, `the barrier after ${m.text.slice(0, 80)}`, from);
            const replies = client.messages.slice(from).filter((x) => x.type !== 'dashboard' && x.id !== barrier);
            const what = `${JSON.stringify(m.text.slice(0, 200))} → ${JSON.stringify(replies).slice(0, 400)}`;
            expect(replies, what).to.have.length(1);
            const [reply] = replies;
            expect(reply.type, what).to.be.oneOf(['result', 'error']);
            const id = echoedId(m.text);
            if (reply.type === 'error') {
              expect(id.has, `${what}: a readable id is answered with a result`).to.equal(false);
              expect(reply.data.code, what).to.be.oneOf(['invalid_json', 'invalid_message', 'unknown_type']);
              expect(reply.data.message, what).to.be.a('string').and.not.equal('');
            } else {
              if (id.has) expect(reply.id, what).to.deep.equal(id.id);
              else expect(reply, what).to.not.have.property('id');
              if (!reply.success) expect(reply.error.message, what).to.be.a('string').and.not.equal('');
            }
            expect(client.closeInfo, what).to.equal(undefined);
            answered++;
          }
        } finally {
          client.ws.terminate();
        }
        await stillServing();
      }),
      { numRuns: 60 },
    );
    expect(closes, 'binary and oversized frames were tried').to.be.above(5);
    expect(answered).to.be.above(100);
  });

  it('closes a connection whose first message is not a valid auth with 4400 or 4401 and its reason, and admits one whose message is', async function () {
    this.timeout(60000);
    const authLike = fc.oneof(
      messageArb,
      fc.constantFrom<Message>(
        { kind: 'text', text: JSON.stringify({ type: 'auth', token: 'hvn_not_a_token' }) },
        { kind: 'text', text: JSON.stringify({ type: 'auth', token: '' }) },
        { kind: 'text', text: JSON.stringify({ type: 'auth', token: 42 }) },
        { kind: 'text', text: JSON.stringify({ type: 'auth', token: 'x'.repeat(600) }) },
        { kind: 'text', text: JSON.stringify({ type: 'auth', token: '__proto__' }) },
      ),
      fc
        .record({ lastSeq: fc.oneof(fc.nat(), fc.integer({ min: -5, max: -1 }), fc.double(), fc.string({ maxLength: 5 })) })
        .map(({ lastSeq }) => ({ kind: 'auth' as const, lastSeq })),
    );
    await fc.assert(
      fc.asyncProperty(authLike, async (m) => {
        const client = await h.connect();
        try {
          if (m.kind === 'auth') {
            client.send({ type: 'auth', token, lastSeq: m.lastSeq });
            const valid = Number.isSafeInteger(m.lastSeq) && (m.lastSeq as number) >= 0;
            if (valid) {
              const connected = await client.waitFor((x) => x.type === 'connected', 'connected');
              expect(connected.data.resume.afterSeq).to.equal(m.lastSeq);
              expect((await client.request({ type: 'ping' })).success).to.equal(true);
            } else {
              expect(await client.closed()).to.deep.equal({ code: 4400, reason: '"lastSeq" must be a non-negative integer' });
            }
            return;
          }
          send(client, m);
          const close = await client.closed();
          const what = `${JSON.stringify(m).slice(0, 200)} → ${JSON.stringify(close)}`;
          if (m.kind === 'binary') expect(close.code, what).to.equal(1003);
          else if (m.kind === 'oversize') expect(close.code, what).to.equal(1009);
          else {
            expect(close.code, what).to.be.oneOf([4400, 4401]);
            expect(close.reason, what).to.not.equal('');
            expect(
              client.messages.filter((x) => x.type === 'connected'),
              what,
            ).to.have.length(0);
          }
        } finally {
          client.ws.terminate();
        }
      }),
      { numRuns: 60 },
    );
    await stillServing();
  });

  /** A raw connection, upgraded with the fuzzer's token, whose bytes the test writes itself. */
  function rawUpgraded(): Promise<Socket> {
    const { port } = h.hub.runtime.address();
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('error', reject);
      socket.once('connect', () =>
        socket.write(
          [
            `GET ${h.hub.config.websocket.path} HTTP/1.1`,
            `Host: 127.0.0.1:${port}`,
            'Upgrade: websocket',
            'Connection: Upgrade',
            'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
            'Sec-WebSocket-Version: 13',
            `Authorization: Bearer ${token}`,
            '',
            '',
          ].join('\r\n'),
        ),
      );
      socket.once('data', (chunk) => {
        if (!chunk.toString('latin1').startsWith('HTTP/1.1 101')) return reject(new Error('upgrade refused'));
        socket.on('error', () => undefined);
        resolve(socket);
      });
    });
  }

  it('survives bytes that are no WebSocket frame (unmasked, reserved opcodes and bits, bad lengths, huge control frames, bad UTF-8), and forgets the connections it cut', async function () {
    this.timeout(60000);
    const baseline = h.ws.stats().connections;
    /** A frame header with random bits, a masking key, then random payload bytes: mostly broken frames, some valid ones. */
    const frameArb = fc
      .record({
        first: fc.integer({ min: 0, max: 255 }),
        masked: fc.boolean(),
        len: fc.oneof(fc.integer({ min: 0, max: 125 }), fc.constantFrom(126, 127)),
        ext: fc.uint8Array({ minLength: 8, maxLength: 8 }),
        payload: fc.uint8Array({ maxLength: 200 }),
      })
      .map(({ first, masked, len, ext, payload }) => {
        const head = [first, (masked ? 0x80 : 0) | len];
        const extension = len === 126 ? [...ext.slice(0, 2)] : len === 127 ? [...ext] : [];
        return Buffer.from([...head, ...extension, ...(masked ? [1, 2, 3, 4] : []), ...payload]);
      });
    const open: Socket[] = [];
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.oneof(
              frameArb,
              fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b)),
            ),
            { minLength: 1, maxLength: 4 },
          ),
          async (chunks) => {
            const socket = await rawUpgraded();
            open.push(socket);
            for (const c of chunks) socket.write(c);
            // The hub answers others while this one waits for the rest of a frame or is being closed.
            expect((await watcher.request({ type: 'ping' })).success).to.equal(true);
          },
        ),
        { numRuns: 80 },
      );
      await stillServing();
    } finally {
      open.forEach((s) => s.destroy());
    }
    await waitFor(() => h.ws.stats().connections <= baseline, 'the cut and abandoned connections to be forgotten', 5000);
  });
});

describe('WebSocket: floods', () => {
  let h: WsHub;
  afterEach(() => h?.stop());

  it('cuts a client that floods requests without reading (4008) while the others are served, and limits new connections per IP (429)', async function () {
    this.timeout(20000);
    const lines: string[] = [];
    h = await startWsHub(
      {
        trigger: { sources: { TCP: { enabled: false }, MODBUS: { enabled: false } } },
        websocket: { max_pending_messages: 100, max_buffered_bytes: 16384, rate_limit: { max: 5 } },
      },
      { log: createLogger('Haven', 'info', renderInto(lines)) },
    );
    const made = h.ws.admin.createClient('flooder', 'client', []);
    if (!made.ok) throw new Error('no client');
    const watcher = await h.login(h.adminToken);
    const flooder = await h.login(made.value.token);
    const socket = (flooder.ws as unknown as { _socket: Socket })._socket;
    socket.pause(); // never reads its answers
    const FLOOD = 20000;
    const request = JSON.stringify({ type: 'subscribe_dashboard', id: 1 });
    for (let i = 0; i < FLOOD; i++) flooder.ws.send(request);
    // Served during the flood: the watcher's requests and an event.
    for (let i = 0; i < 3; i++) expect((await watcher.request({ type: 'ping' })).success).to.equal(true);
    const from = watcher.messages.length;
    await h.fire('Fog.Burst');
    await watcher.waitFor((m) => m.type === 'trigger', 'the event at the watcher', from);
    await waitFor(() => h.ws.stats().connections === 1, 'the flooder to be cut', 10000);
    socket.resume();
    const close = await flooder.closed(5000);
    // The close frame waits behind the unread answers: the client that reads again sees 4008, or
    // 1006 when the close grace ran out first; the hub's log says why in either case.
    expect(close.code, JSON.stringify(close)).to.be.oneOf([4008, 1006]);
    expect(lines.filter((l) => l.includes('[WebSocket] closing connection') && l.includes('4008 slow consumer'))).to.have.length(1);
    // Two connections so far from 127.0.0.1; three more are allowed in the window, the sixth is refused.
    for (let i = 0; i < 3; i++) (await h.login(h.adminToken)).ws.terminate();
    const refused = await h.login(h.adminToken).then(
      () => undefined,
      (err: { status?: number; headers?: Record<string, string> }) => err,
    );
    expect(refused?.status).to.equal(429);
    expect(Number(refused?.headers?.['retry-after'])).to.be.above(0);
    expect((await watcher.request({ type: 'ping' })).success).to.equal(true);
  });
});
