import { expect } from 'chai';
import { createServer, type RequestListener, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import type { Decision, RawTrigger, TriggerEvent } from '../../../streams/contracts';
import { createApp } from '../../../src/api/createApp';
import { JSON_LIMIT_BYTES } from '../../../src/api/jsonBody';
import { createTriggerRouter } from '../../../src/api/routes/triggers';
import { createTriggerAnswer, type TriggerRoutesDeps } from '../../../src/api/triggerAnswer';
import { createTriggerFastPath } from '../../../src/api/triggerFastPath';
import type { TriggerReport } from '../../../src/hub';
import { createLogger } from '../../../src/log';
import { validators } from '../../../src/validation/validators';

/** A gateway stand-in whose decisions depend only on the input and the order of calls. */
function fakeDeps(): TriggerRoutesDeps & { cache: () => Record<string, never> } {
  let seq = 0;
  const report = async (r: TriggerReport): Promise<Decision> => {
    const input = { ...r, ticket: 0, receivedAt: 0 } as RawTrigger;
    if (r.name === 'Boom.Now') throw new Error('gateway exploded');
    if (r.name === 'Queue.Full') return { accepted: false, input, reason: 'overflow', message: 'Gateway queue is full' };
    if (r.name !== 'Stage.Mode') return { accepted: false, input, reason: 'unknown_trigger', message: `Trigger '${r.name}' not found in configuration` };
    const event: TriggerEvent = {
      seq: ++seq,
      kind: r.kind,
      name: r.name,
      value: r.value as string,
      id: r.id ?? null,
      type: 'Discrete',
      category: 'show',
      organization: 'default',
      source: 'HTTP',
      timestamp: '2026-11-23T09:35:00.000Z',
      receivedAt: 0,
    };
    return { accepted: true, input, event };
  };
  return { report, cache: () => ({}), services: { delivery: async () => [{ result: 'written' }, { result: 'queued' }] }, responseBoundMs: 250 };
}

async function listen(handler: RequestListener): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, port: (server.address() as AddressInfo).port };
}

/** Sends one raw request and returns the raw response, its Date header blanked. */
function exchange(port: number, request: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(request));
    let out = '';
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => (out += c));
    socket.on('error', reject);
    socket.on('close', () => resolve(out.replace(/\r\nDate: [^\r]+/i, '\r\nDate: -')));
  });
}

function post(path: string, body: string | Buffer, contentType = 'application/json'): Buffer {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const head = `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: ${contentType}\r\nContent-Length: ${bytes.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), bytes]);
}

/** The same POST with its body in chunks and no Content-Length, so the limit is found while reading. */
function postChunked(path: string, body: string, chunkBytes = 8 * 1024): Buffer {
  const head = `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
  const parts = [head];
  for (let at = 0; at < body.length; at += chunkBytes) {
    const chunk = body.slice(at, at + chunkBytes);
    parts.push(`${Buffer.byteLength(chunk).toString(16)}\r\n${chunk}\r\n`);
  }
  parts.push('0\r\n\r\n');
  return Buffer.from(parts.join(''), 'utf8');
}

describe('POST /api/trigger-event fast path', () => {
  let koa: { server: Server; port: number };
  let fast: { server: Server; port: number };
  let fellThrough: number;

  beforeEach(async () => {
    const log = createLogger('API', 'silent');
    const koaDeps = fakeDeps();
    koa = await listen(createApp({ log, routers: [createTriggerRouter(koaDeps)] }).callback());
    const fastDeps = fakeDeps();
    const fallback = createApp({ log, routers: [createTriggerRouter(fastDeps)] }).callback();
    fellThrough = 0;
    fast = await listen(
      createTriggerFastPath({
        answer: createTriggerAnswer('event', fastDeps),
        validate: validators.triggerInput,
        fallback: (req, res) => {
          fellThrough++;
          return fallback(req, res);
        },
        log,
      }),
    );
  });

  afterEach(async () => {
    await Promise.all([koa, fast].map(({ server }) => new Promise((resolve) => server.close(resolve))));
  });

  /** The same request to both servers: the same bytes back, and which path served it. */
  async function same(request: Buffer): Promise<string> {
    const [expected, actual] = [await exchange(koa.port, request), await exchange(fast.port, request)];
    expect(actual).to.equal(expected);
    return actual;
  }

  const served = [
    ['an accepted event', '{"name":"Stage.Mode","value":"intro","id":5}', '200 OK'],
    ['an unknown trigger (the seed’s 404)', '{"name":"Nope.Nope","value":"On"}', '404 Not Found'],
    ['a rejection with headers (overflow, Retry-After)', '{"name":"Queue.Full"}', '503 Service Unavailable'],
    ['broken JSON', '{"name":', '400 Bad Request'],
    ['JSON that is not an object or array', '"Stage.Mode"', '400 Bad Request'],
    ['an array', '[{"name":"Stage.Mode"}]', '400 Bad Request'],
    ['every schema problem at once', '{"name":"","id":-1,"extra":true}', '400 Bad Request'],
    ['an empty body', '', '400 Bad Request'],
    ['a __proto__ key', '{"name":"Stage.Mode","__proto__":{"x":1}}', '400 Bad Request'],
    ['a byte order mark', '\ufeff{"name":"Stage.Mode","value":"finale"}', '200 OK'],
    ['a body over the limit', `{"name":"Stage.Mode","value":"${'x'.repeat(JSON_LIMIT_BYTES)}"}`, '413 Payload Too Large'],
    ['a failing gateway', '{"name":"Boom.Now"}', '500 Internal Server Error'],
  ] as const;

  for (const [what, body, status] of served) {
    it(`answers ${what} byte for byte as the Koa route, without Koa`, async () => {
      const answer = await same(post('/api/trigger-event', body));
      expect(answer.startsWith(`HTTP/1.1 ${status}\r\n`), answer).to.equal(true);
      expect(fellThrough).to.equal(0);
    });
  }

  it('answers a chunked body as the Koa route: accepted within the limit, 413 over it', async () => {
    const within = await same(postChunked('/api/trigger-event', `{"name":"Stage.Mode","value":"intro","id":5}${' '.repeat(20_000)}`));
    expect(within.startsWith('HTTP/1.1 200 OK\r\n'), within).to.equal(true);
    const over = await same(postChunked('/api/trigger-event', `{"name":"Stage.Mode","value":"${'x'.repeat(JSON_LIMIT_BYTES)}"}`));
    expect(over.startsWith('HTTP/1.1 413 Payload Too Large\r\n'), over).to.equal(true);
    expect(fellThrough).to.equal(0);
  });

  it('takes a JSON content type with parameters', async () => {
    await same(post('/api/trigger-event', '{"name":"Stage.Mode","value":"idle"}', 'Application/JSON; charset=utf-8'));
    expect(fellThrough).to.equal(0);
  });

  it('hands everything else to Koa untouched: other types, paths, methods and queries', async () => {
    await same(post('/api/trigger-event', '{"name":"Stage.Mode"}', 'text/plain'));
    await same(post('/api/trigger-event', '{"name":"Stage.Mode"}', 'application/vnd.api+json'));
    await same(post('/api/trigger-event?x=1', '{"name":"Stage.Mode","value":"intro"}'));
    await same(post('/api/trigger-status', '{"name":"Stage.Mode","value":"intro"}'));
    await same(Buffer.from('GET /api/trigger-status HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'));
    expect(fellThrough).to.equal(5);
  });
});
