import { expect } from 'chai';
import { createApiKeys } from '../../../src/keys/apiKeys';
import type { TestHub } from '../../helpers/hub';
import { openRefused, openStream, type TestStream } from './sseClient';
import { createKey, startSseHub } from './sseFixtures';

describe('SSE stream: who may open one, and bad requests', () => {
  let hub: TestHub;
  const streams: TestStream[] = [];
  const stream = async (...args: Parameters<typeof openStream>) => {
    const s = await openStream(...args);
    streams.push(s);
    return s;
  };
  afterEach(async () => {
    streams.splice(0).forEach((s) => s.close());
    await hub?.stop();
  });

  const expectJsonError = (answer: { status: number; headers: Record<string, unknown>; body: any }, status: number, error: RegExp | string) => {
    expect(answer.status, JSON.stringify(answer.body)).to.equal(status);
    expect(answer.headers['content-type']).to.match(/^application\/json/);
    if (typeof error === 'string') expect(answer.body).to.deep.equal({ error });
    else expect(answer.body.error).to.match(error);
  };

  it('answers 401 without a key, with an unknown one and with a revoked one; 403 for a key without organization', async () => {
    hub = await startSseHub();
    const url = `${hub.url}/api/events/stream`;
    expectJsonError(await openRefused(url), 401, 'Missing API key: send it in the x-api-key header (or ?apiKey= where headers cannot be set)');
    expectJsonError(await openRefused(url, { apiKey: 'not-a-key' }), 401, 'Invalid API key');
    expectJsonError(await openRefused(url, { apiKey: `hvn_${'1'.repeat(16)}_${'2'.repeat(64)}` }), 401, 'Invalid API key');
    const revoked = createKey(hub, 'acme');
    createApiKeys({ store: hub.runtime.store }).revoke(revoked.id);
    expectJsonError(await openRefused(url, { apiKey: revoked.key }), 401, 'API key revoked');
    expectJsonError(await openRefused(url, { apiKey: createKey(hub, null).key }), 403, 'API key is not associated with an organization');
    // The same rules guard the stats.
    expectJsonError(await openRefused(`${url}/stats`), 401, /^Missing API key/);
    expectJsonError(await openRefused(`${url}/stats`, { apiKey: createKey(hub, null).key }), 403, 'API key is not associated with an organization');
    // And the hub keeps serving.
    const ok = await stream(url, { apiKey: createKey(hub, 'acme').key });
    expect(ok.status).to.equal(200);
  });

  it('answers 400 naming an unknown category, an unknown type or a bad Last-Event-ID', async () => {
    hub = await startSseHub();
    const { key } = createKey(hub, 'acme');
    const url = `${hub.url}/api/events/stream`;
    expectJsonError(
      await openRefused(`${url}?eventCategories=buttons,alarm`, { apiKey: key }),
      400,
      'Unknown event category: alarm (known: buttons, dials, effects, power, system)',
    );
    // Another organization's category is as unknown to acme as a typo.
    expectJsonError(await openRefused(`${url}?eventCategories=access`, { apiKey: key }), 400, /^Unknown event category: access/);
    expectJsonError(
      await openRefused(`${url}?eventTypes=STATE_CHANGED,MOTION_DETECTED`, { apiKey: key }),
      400,
      /^Unknown event type: MOTION_DETECTED \(known: STATE_CHANGED, VALUE_CHANGED, FIRED, /,
    );
    expectJsonError(await openRefused(url, { apiKey: key, headers: { 'Last-Event-ID': 'abc' } }), 400, /^Invalid Last-Event-ID 'abc'/);
    expectJsonError(await openRefused(`${url}?lastEventId=-3`, { apiKey: key }), 400, /^Invalid Last-Event-ID '-3'/);
    const ok = await stream(`${url}?eventCategories=buttons,system&eventTypes=state_changed`, { apiKey: key });
    const connection = await ok.waitFor((m) => m.event === 'connection');
    expect(connection.data.filters).to.deep.equal({ eventCategories: ['buttons', 'system'], eventTypes: ['STATE_CHANGED'] });
  });

  it('answers 429 past the per-key limit; other keys are not affected', async () => {
    hub = await startSseHub({ sse: { max_connections_per_key: 2 } });
    const url = `${hub.url}/api/events/stream`;
    const { key } = createKey(hub, 'acme');
    await stream(url, { apiKey: key });
    await stream(url, { apiKey: key });
    expectJsonError(await openRefused(url, { apiKey: key }), 429, 'Connection limit exceeded: this API key has 2 open streams (at most 2); close one first');
    expect((await stream(url, { apiKey: createKey(hub, 'acme').key })).status).to.equal(200);
  });

  it('accepts ?apiKey= for browsers, unless the config turns it off', async () => {
    hub = await startSseHub();
    const { key } = createKey(hub, 'acme');
    const s = await stream(`${hub.url}/api/events/stream?apiKey=${key}`);
    expect((await s.waitFor((m) => m.event === 'connection')).data.organizationId).to.equal('acme');
    await hub.stop();
    hub = await startSseHub({ sse: { allow_query_api_key: false } });
    const other = createKey(hub, 'acme').key;
    expectJsonError(await openRefused(`${hub.url}/api/events/stream?apiKey=${other}`), 401, 'Missing API key: send it in the x-api-key header');
  });
});
