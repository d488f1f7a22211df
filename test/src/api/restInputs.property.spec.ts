import { expect } from 'chai';
import fc from 'fast-check';
import { createKey } from '../sse/sseFixtures';
import { startWsHub, type WsHub } from '../websocket/wsHarness';

/** Runs per property: the whole file stays within a few seconds (`HAVEN_PROPERTY_RUNS` for a longer hunt). */
const NUM_RUNS = Number(process.env.HAVEN_PROPERTY_RUNS) || 60;
/** Longest any one answer may take: more is a hang. */
const ANSWER_MS = 5000;

interface Input {
  readonly method: string;
  readonly path: string;
  readonly body?: string;
  readonly headers?: Record<string, string>;
}

interface Answer {
  readonly status: number;
  readonly type: string | null;
  readonly text: string;
}

/** Header values fetch can send: printable ASCII (a header with CR/LF never leaves the client). */
const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 });

/** Path segments and query values, raw: malformed escapes and dot segments included. */
const rawSegment = fc.oneof(
  fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '..', '.', '%2F', '%252F', 'a%2Fb', '~', ''),
  fc.string({ maxLength: 20 }).map(encodeURIComponent),
  headerText.map((s) => s.replace(/[?#/\s]/g, '')),
);

/** A query string of random keys (the route's own among them) and raw values, repeats allowed. */
const queryOf = (keys: readonly string[]) =>
  fc
    .array(fc.tuple(fc.oneof(fc.constantFrom(...keys), rawSegment), fc.oneof(rawSegment, fc.constant(''))), { maxLength: 4 })
    .map((pairs) => (pairs.length ? '?' + pairs.map(([k, v]) => `${k}=${v}`).join('&') : ''));

/** Any JSON value, small. */
const json = fc.jsonValue({ maxDepth: 3 });

/**
 * A body for a route: an object of its own fields (each a good value or anything), extra fields,
 * any JSON at all, or text that is not JSON.
 */
function bodyOf(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<string> {
  // Mostly good values, so that most inputs get past the validator into the handlers.
  const field = (good: fc.Arbitrary<unknown>) => fc.oneof({ weight: 4, arbitrary: good }, { weight: 1, arbitrary: json });
  const record = fc.record(Object.fromEntries(Object.entries(fields).map(([k, good]) => [k, field(good)])), { requiredKeys: [] });
  return fc.oneof(
    { weight: 5, arbitrary: record.map((r) => JSON.stringify(r)) },
    {
      weight: 1,
      arbitrary: fc.tuple(record, fc.dictionary(fc.string({ maxLength: 8 }), json, { maxKeys: 2 })).map(([r, x]) => JSON.stringify({ ...x, ...r })),
    },
    { weight: 1, arbitrary: json.map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '{"a":{"__proto__":{"x":1}}}',
        '[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]',
        '{"name":"\\ud800"}',
        '\ufeff{}',
        'null',
        '{"name": ',
      ),
    },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 12 }).map((depth) => '['.repeat(depth * 1000) + ']'.repeat(depth * 1000)) },
  );
}

const triggerName = fc.oneof(
  fc.constantFrom('Dial.Number', 'Stage.Mode', 'Fog.Burst', 'RedTelephone.Button_1', 'Flame.Intensity', 'No.Such'),
  fc.string({ maxLength: 30 }),
);
const anyInt = fc.oneof(fc.integer(), fc.constantFrom(-1, 0, 1.5, 1e21, Number.MAX_SAFE_INTEGER));
const names = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ]{0,20}$/) },
  { weight: 1, arbitrary: fc.constantFrom(' ', '', 'x'.repeat(101)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 120 }) },
);
const idList = fc.array(fc.oneof(fc.constantFrom('Stage.Mode', 'Dial.Number'), fc.string({ maxLength: 10 }), fc.constant('')), { maxLength: 3 });

const triggerBody = bodyOf({ name: triggerName, value: json, id: anyInt, timestamp: fc.string() });
/** Never a registration the schema accepts (the port is always out of range), so the hub never connects anywhere. */
const registerBody = bodyOf({
  name: fc.oneof(fc.constant('Svc'), fc.string({ maxLength: 110 })),
  port: fc.constantFrom(0, -1, 65536, 70000, 1.5, '80', null, true),
  host: fc.constantFrom('127.0.0.1', 'localhost', '', 5, 'x'.repeat(300)),
  protocol: fc.oneof(fc.constantFrom('TCP_SOCKET', 'OPC', 'UDP'), fc.string({ maxLength: 12 })),
  max_age_ms: anyInt,
  fields: fc.array(fc.constantFrom('seq', 'type', 'bogus', 'seq'), { maxLength: 3 }),
});
const instanceBody = bodyOf({
  emergencyStopTimeout: fc.oneof(fc.integer({ min: 1, max: 86_400_000 }), fc.constantFrom(0, -5, 'abc', '60000', 1.5, 1e20)),
  instanceId: fc.oneof(fc.stringMatching(/^[A-Za-z0-9._~:-]{1,20}$/), fc.constantFrom('a/b', ''), fc.string({ maxLength: 140 })),
  socket: fc.constantFrom('default', 'attic', 3),
});
const areaBody = bodyOf({ name: names, entityIds: idList, isEnabled: fc.boolean() });
const clientBody = bodyOf({ name: names, role: fc.constantFrom('client', 'admin', 'root'), areas: idList });
const pairingBody = bodyOf({ name: names, areas: idList });
const completeBody = bodyOf({ code: fc.string({ maxLength: 40 }), name: names });
const contentType = fc.oneof(
  { weight: 12, arbitrary: fc.constant('application/json') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/json; charset=latin1',
      'application/vnd.api+json',
      'multipart/form-data; boundary=x',
    ),
  },
  { weight: 1, arbitrary: headerText },
);

describe('REST inputs, property-based: every bad input gets a 4xx JSON error, and the hub keeps serving', function () {
  this.timeout(120_000);
  let h: WsHub;
  let apiKey: string;
  let areaId: string;
  let clientId: string;
  before(async () => {
    // Hundreds of wrong credentials on purpose: the failed-auth limit (tested in test/src/security) would
    // block this address, and then no valid request could show the hub still serves.
    h = await startWsHub({ security: { auth_failures: { max: 1_000_000, window_ms: 60_000 } } });
    apiKey = createKey(h.hub, 'default').key;
    areaId = (await h.api('POST', '/api/areas', { name: 'Fuzz', entityIds: ['Stage.Mode'] })).body.area.areaId;
    clientId = (await h.api('POST', '/api/clients', { name: 'Fuzz panel', areas: [areaId] })).body.client.id;
  });
  after(() => h.stop());

  async function send({ method, path, body, headers = {} }: Input, stream = false): Promise<Answer> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), ANSWER_MS);
    try {
      const res = await fetch(h.hub.url + path, { method, headers, body, signal: controller.signal });
      const type = res.headers.get('content-type');
      if (stream && res.status === 200 && type?.startsWith('text/event-stream')) {
        controller.abort();
        return { status: res.status, type, text: '' };
      }
      return { status: res.status, type, text: await res.text() };
    } catch (err) {
      throw new Error(`${method} ${path} got no answer within ${ANSWER_MS} ms: ${String(err)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** A 2xx with JSON, or a 4xx with `{"error": "<text>"}`; never a 5xx. */
  function expectHandled(input: Input, answer: Answer): void {
    const what = `${input.method} ${input.path} ${JSON.stringify(input.headers)} ${input.body?.slice(0, 200)} → ${answer.status} ${answer.text.slice(0, 200)}`;
    expect(answer.status, what).to.be.within(200, 499);
    if (answer.type?.startsWith('text/event-stream')) return;
    expect(answer.type, what).to.equal('application/json; charset=utf-8');
    const parsed = JSON.parse(answer.text);
    if (answer.status >= 400) {
      expect(parsed.error, what).to.be.a('string');
      expect(parsed.error.length, what).to.be.greaterThan(0);
    }
  }

  /** A valid request of the core and of a component still gets its answer. */
  async function stillServes(): Promise<void> {
    const status = await send({
      method: 'POST',
      path: '/api/trigger-status',
      body: '{"name":"Dial.Number","value":3}',
      headers: { 'content-type': 'application/json' },
    });
    expect(status.status, status.text).to.equal(200);
    // The list, not the fixture's area: a valid DELETE among the inputs may have removed it.
    const areas = await send({ method: 'GET', path: '/api/areas', headers: { authorization: `Bearer ${h.adminToken}` } });
    expect(areas.status, areas.text).to.equal(200);
  }

  async function check(input: Input, stream = false): Promise<void> {
    expectHandled(input, await send(input, stream));
    await stillServes();
  }

  const admin = () => ({ authorization: `Bearer ${h.adminToken}` });
  const authorization = () =>
    fc.oneof(
      { weight: 9, arbitrary: fc.constant(admin()) },
      { weight: 1, arbitrary: fc.constant({}) },
      { weight: 1, arbitrary: headerText.map((t) => ({ authorization: t })) },
      { weight: 1, arbitrary: headerText.map((t) => ({ authorization: `Bearer ${t}` })) },
    );

  it('trigger routes (the fast path and Koa): bodies, content types, encodings', async () => {
    const input = fc.record({
      path: fc.constantFrom('/api/trigger-event', '/api/trigger-status', '/api/web/trigger-event', '/api/trigger-event?x=1', '/api/trigger-event/'),
      body: triggerBody,
      type: contentType,
      encoding: fc.constantFrom(undefined, undefined, undefined, 'identity', 'gzip', 'compress', 'br'),
    });
    await fc.assert(
      fc.asyncProperty(input, async ({ path, body, type, encoding }) =>
        check({ method: 'POST', path, body, headers: { 'content-type': type, ...(encoding ? { 'content-encoding': encoding } : {}) } }),
      ),
      { numRuns: NUM_RUNS * 2 },
    );
  });

  it('GET /api/trigger-status, /api/registrations, /api/download, /healthz, /readyz, /api/status: any query and headers', async () => {
    const input = fc.record({
      path: fc.constantFrom('/api/trigger-status', '/api/registrations', '/api/download', '/healthz', '/readyz', '/api/status', '/api/websocket/stats'),
      query: queryOf(['name', 'instanceId', 'format']),
      auth: authorization(),
    });
    await fc.assert(
      fc.asyncProperty(input, ({ path, query, auth }) => check({ method: 'GET', path: path + query, headers: auth })),
      { numRuns: NUM_RUNS },
    );
  });

  it('POST /api/register and DELETE /api/register/:name', async () => {
    const input = fc.oneof(
      fc.record({ method: fc.constant('POST'), path: fc.constant('/api/register'), body: registerBody, type: contentType }),
      fc.record({ method: fc.constant('DELETE'), path: rawSegment.map((s) => `/api/register/${s}`), body: fc.constant(undefined), type: contentType }),
    );
    await fc.assert(
      fc.asyncProperty(input, ({ method, path, body, type }) => check({ method, path, body, headers: { 'content-type': type } })),
      { numRuns: NUM_RUNS },
    );
    expect((await h.api('GET', '/api/registrations')).body.services, 'no registration slipped through').to.deep.equal([]);
  });

  it('the power instance routes: bodies, query strings, path ids, /api/wait', async () => {
    const longWait = (q: string) => {
      const d = /duration=([^&]*)/.exec(q)?.[1];
      const n = d === undefined ? NaN : Number(decodeURIComponentSafe(d));
      return Number.isFinite(n) && n > 0.05 && n <= 3600;
    };
    const input = fc.oneof(
      fc.record({
        method: fc.constant('POST'),
        path: queryOf(['emergencyStopTimeout', 'instanceId', 'socket']).map((q) => `/api/instance${q}`),
        body: instanceBody,
      }),
      fc.record({
        method: fc.constantFrom('GET', 'PUT', 'DELETE'),
        path: fc.oneof(
          rawSegment.map((s) => `/api/instance/${s}`),
          queryOf(['instanceId']).map((q) => `/api/instance${q}`),
        ),
        body: fc.constant(undefined),
      }),
      fc.record({ method: fc.constant('POST'), path: rawSegment.map((s) => `/api/emergency-stop/${s}`), body: fc.constant(undefined) }),
      fc.record({
        method: fc.constant('GET'),
        path: queryOf(['duration'])
          .filter((q) => !longWait(q))
          .map((q) => `/api/wait${q}`),
        body: fc.constant(undefined),
      }),
    );
    await fc.assert(
      fc.asyncProperty(input, contentType, ({ method, path, body }, type) => check({ method, path, body, headers: { 'content-type': type } })),
      { numRuns: NUM_RUNS },
    );
  });

  /** Admin REST inputs, with random content types and Authorization headers. */
  const adminProperty = (input: fc.Arbitrary<{ method: string; path: string; body: string | undefined }>, numRuns: number) =>
    fc.assert(
      fc.asyncProperty(input, contentType, authorization(), ({ method, path, body }, type, auth) =>
        check({ method, path, body, headers: { 'content-type': type, ...auth } }),
      ),
      { numRuns },
    );
  const id = () => fc.oneof(fc.constant(areaId), fc.constant(clientId), rawSegment);

  it('areas (admin REST): bodies, ids and Authorization headers', async () => {
    const input = fc.oneof(
      fc.record({ method: fc.constantFrom('POST'), path: fc.constant('/api/areas'), body: areaBody }),
      fc.record({ method: fc.constantFrom('PUT', 'PATCH'), path: id().map((s) => `/api/areas/${s}`), body: areaBody }),
      fc.record({ method: fc.constant('PATCH'), path: id().map((s) => `/api/areas/${s}/toggle`), body: fc.oneof(areaBody, fc.constant(undefined)) }),
      fc.record({ method: fc.constantFrom('GET', 'DELETE'), path: id().map((s) => `/api/areas/${s}`), body: fc.constant(undefined) }),
    );
    await adminProperty(input, NUM_RUNS * 2);
  });

  it('clients and pairing (admin REST): bodies, ids and Authorization headers', async () => {
    const input = fc.oneof(
      fc.record({ method: fc.constant('POST'), path: fc.constant('/api/clients'), body: clientBody }),
      fc.record({ method: fc.constant('PUT'), path: id().map((s) => `/api/clients/${s}/areas`), body: clientBody }),
      fc.record({
        method: fc.constantFrom('POST', 'DELETE'),
        path: fc.tuple(id(), id()).map(([c, a]) => `/api/clients/${c}/areas/${a}`),
        body: fc.constant(undefined),
      }),
      fc.record({ method: fc.constantFrom('GET', 'DELETE'), path: rawSegment.map((s) => `/api/clients/${s}`), body: fc.constant(undefined) }),
      fc.record({ method: fc.constant('POST'), path: rawSegment.map((s) => `/api/clients/${s}/revoke`), body: fc.constant(undefined) }),
      fc.record({ method: fc.constant('POST'), path: fc.constant('/api/pairing'), body: pairingBody }),
      fc.record({ method: fc.constant('POST'), path: fc.constant('/api/pairing/complete'), body: completeBody }),
    );
    await adminProperty(input, NUM_RUNS * 2);
  });

  it('GET /api/events/stream: query strings, Last-Event-ID and x-api-key', async () => {
    const list = fc
      .array(fc.oneof(fc.constantFrom('telephone', 'show', 'system', 'power', 'access', 'STATE_CHANGED', 'fired', ''), rawSegment), { maxLength: 3 })
      .map((xs) => xs.join(','));
    const input = fc.record({
      query: fc
        .array(
          fc.oneof(
            list.map((v) => `eventCategories=${v}`),
            list.map((v) => `eventTypes=${v}`),
            fc.oneof(fc.nat().map(String), rawSegment).map((v) => `lastEventId=${v}`),
            fc.oneof(fc.constant(apiKey), rawSegment).map((v) => `apiKey=${v}`),
            fc.tuple(rawSegment, rawSegment).map(([k, v]) => `${k}=${v}`),
          ),
          { maxLength: 4 },
        )
        .map((parts) => (parts.length ? '?' + parts.join('&') : '')),
      lastEventId: fc.option(fc.oneof(fc.nat().map(String), fc.constantFrom('-1', '1e3', '9007199254740993', ' 7 '), headerText), { nil: undefined }),
      key: fc.oneof({ weight: 4, arbitrary: fc.constant(apiKey) }, { weight: 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: headerText }),
      stats: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(input, ({ query, lastEventId, key, stats }) =>
        check(
          {
            method: 'GET',
            path: `/api/events/stream${stats ? '/stats' : ''}${query}`,
            headers: { ...(key !== undefined ? { 'x-api-key': key } : {}), ...(lastEventId !== undefined ? { 'last-event-id': lastEventId } : {}) },
          },
          true,
        ),
      ),
      { numRuns: NUM_RUNS },
    );
    // The streams aborted above closed: a slot is free for a valid stream.
    const ok = await send({ method: 'GET', path: '/api/events/stream/stats', headers: { 'x-api-key': apiKey } });
    expect(ok.status, ok.text).to.equal(200);
  });
});

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
