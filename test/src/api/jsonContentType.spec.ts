import { expect } from 'chai';
import { gzipSync } from 'node:zlib';
import { startWsHub, type WsHub } from '../websocket/wsHarness';

const SEND_JSON = 'Send the body as JSON with Content-Type: application/json';

/** Every JSON route that takes a body, with a body it accepts. */
const ROUTES: ReadonlyArray<readonly [method: string, path: string, body: unknown, okStatus: number]> = [
  ['POST', '/api/trigger-event', { name: 'Dial.Number', value: 4 }, 200],
  ['POST', '/api/trigger-status', { name: 'Dial.Number', value: 5 }, 200],
  ['POST', '/api/web/trigger-event', { name: 'Stage.Mode', value: 'intro' }, 200],
  ['POST', '/api/instance', { emergencyStopTimeout: 60_000, instanceId: 'ct-1' }, 200],
  ['POST', '/api/areas', { name: 'Stage' }, 201],
  ['POST', '/api/clients', { name: 'Panel' }, 201],
  ['POST', '/api/pairing', { name: 'Lobby' }, 201],
];

describe('JSON bodies only: 415 for any other content type, 400 for malformed JSON, 413 for too large', () => {
  let h: WsHub;
  before(async () => {
    h = await startWsHub();
  });
  after(() => h.stop());

  async function send(method: string, path: string, body: string | Buffer, headers: Record<string, string>) {
    const res = await fetch(h.hub.url + path, { method, headers: { authorization: `Bearer ${h.adminToken}`, ...headers }, body });
    return { status: res.status, type: res.headers.get('content-type'), body: await res.json() };
  }

  for (const [method, path, body, okStatus] of ROUTES) {
    it(`${method} ${path}: 415 with what to send for text/plain, a form, or no type; then the JSON request works`, async () => {
      const text = JSON.stringify(body);
      for (const [type, quoted] of [
        ['text/plain;charset=UTF-8', '"text/plain;charset=UTF-8"'],
        ['application/x-www-form-urlencoded', '"application/x-www-form-urlencoded"'],
        ['application/xml', '"application/xml"'],
      ]) {
        const res = await send(method, path, text, { 'content-type': type });
        expect(res, type).to.deep.equal({ status: 415, type: 'application/json; charset=utf-8', body: { error: `${SEND_JSON} (got ${quoted})` } });
      }
      // fetch sends a Buffer without a Content-Type.
      expect(await send(method, path, Buffer.from(text), {})).to.deep.include({ status: 415, body: { error: `${SEND_JSON} (got no Content-Type)` } });
      expect((await send(method, path, text, { 'content-type': 'application/json' })).status).to.equal(okStatus);
    });
  }

  it("takes the other JSON types koa-bodyparser parses (application/vnd.api+json), and an empty body of any type (the seed's query-string clients)", async () => {
    expect((await send('POST', '/api/trigger-status', '{"name":"Dial.Number","value":6}', { 'content-type': 'application/vnd.api+json' })).status).to.equal(
      200,
    );
    const empty = await send('POST', '/api/instance?emergencyStopTimeout=1000&instanceId=ct-q', '', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(empty.status).to.equal(200);
  });

  it('a method a route does not have is a 405 JSON error naming the allowed ones, like every refusal', async () => {
    const res = await fetch(h.hub.url + '/api/register/Nobody', { method: 'POST', headers: { authorization: `Bearer ${h.adminToken}` } });
    expect(res.status).to.equal(405);
    expect(res.headers.get('allow')).to.equal('DELETE');
    expect(await res.json()).to.deep.equal({ error: 'POST is not allowed on /api/register/Nobody (allowed: DELETE)' });
  });

  it('400 for malformed JSON, 413 for too large, 415 for an unknown Content-Encoding; gzip is undone', async () => {
    const json = { 'content-type': 'application/json' };
    for (const [, path] of ROUTES) {
      expect(await send('POST', path, '{"name": ', json), path).to.deep.include({ status: 400, body: { error: 'Invalid JSON body' } });
      const huge = JSON.stringify({ name: 'x', pad: 'x'.repeat(70 * 1024) });
      expect(await send('POST', path, huge, json), path).to.deep.include({ status: 413, body: { error: 'Request body too large (limit 65536 bytes)' } });
      expect(await send('POST', path, '{}', { ...json, 'content-encoding': 'compress' }), path).to.deep.include({
        status: 415,
        body: { error: 'Unsupported Content-Encoding (send the JSON uncompressed, or as gzip, deflate or br)' },
      });
    }
    const gzipped = gzipSync(JSON.stringify({ name: 'Dial.Number', value: 7 }));
    expect((await send('POST', '/api/trigger-event', gzipped, { ...json, 'content-encoding': 'gzip' })).status).to.equal(200);
  });
});
