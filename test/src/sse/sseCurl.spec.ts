import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import type { TestHub } from '../../helpers/hub';
import { requirePeers } from '../../helpers/peers';
import { createVirtualTime } from '../../helpers/virtualTime';
import { sseReader, type Received } from './sseClient';
import { createKey, fire, startSseHub, until } from './sseFixtures';

describe('SSE stream read by curl -N', () => {
  requirePeers('curl');
  let hub: TestHub | undefined;
  let curl: ChildProcess | undefined;
  afterEach(async () => {
    if (curl && curl.exitCode === null && curl.signalCode === null) {
      const exited = new Promise((r) => curl!.once('exit', r));
      curl.kill('SIGKILL');
      await exited;
    }
    curl = undefined;
    await hub?.stop();
    hub = undefined;
  });

  it('streams connection, events and heartbeats that curl prints as they come', async () => {
    // The heartbeat runs on virtual time: the test moves the clock once curl has the event.
    const time = createVirtualTime();
    hub = await startSseHub({ sse: { heartbeat_ms: 50 } }, { scheduler: time.scheduler });
    const { key } = createKey(hub, 'acme');
    curl = spawn('curl', ['-N', '-sS', '-H', `x-api-key: ${key}`, `${hub.url}/api/events/stream?eventCategories=buttons`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    curl.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    curl.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    const messages = (): Received[] => sseReader()(out);
    await until(() => messages().some((m) => m.event === 'connection'), 10000, `curl connection message (stderr: ${err})`);
    await fire(hub, 'Dial.Number', 3); // filtered out
    const seq = await fire(hub, 'Phone.Button', 'On');
    await until(() => messages().some((m) => m.event === 'event' && m.id === String(seq)), 5000, 'event through curl');
    time.advance(50);
    await until(() => messages().some((m) => m.event === 'heartbeat'), 5000, 'heartbeat through curl');
    const events = messages().filter((m) => m.event === 'event');
    expect(events.map((m) => [m.id, m.data.triggerName, m.data.event.type])).to.deep.equal([[String(seq), 'Phone.Button', 'STATE_CHANGED']]);
    expect(messages()[0]).to.deep.include({ event: 'connection', retry: 3000 });
  });

  it('shows curl the JSON error of a refused stream', async () => {
    hub = await startSseHub();
    curl = spawn('curl', ['-sS', '-w', '\n%{http_code}', `${hub.url}/api/events/stream`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    curl.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    await new Promise((r) => curl!.once('exit', r));
    const [body, code] = out.split('\n');
    expect(code).to.equal('401');
    expect(JSON.parse(body))
      .to.have.property('error')
      .that.matches(/^Missing API key/);
  });
});
