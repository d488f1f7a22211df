import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { lazyLink } from '../../../src/mqtt/lazyLink';
import type { LinkEvents, MqttLink } from '../../../src/mqtt/mqttLink';

const ROOT = join(__dirname, '..', '..', '..');
const events: LinkEvents = { input: async () => undefined, connected: () => undefined, disconnected: () => undefined };

/** A link that counts what it is asked. */
function fakeLink(calls: string[]): MqttLink {
  return {
    start: async () => void calls.push('start'),
    publish: (m, done) => {
      calls.push(`publish ${m.topic}`);
      done();
    },
    address: () => ({ address: '127.0.0.1', family: 'IPv4', port: 1883 }),
    detail: () => 'embedded broker on 127.0.0.1:1883',
    healthy: () => true,
    stop: async () => void calls.push('stop'),
  };
}

describe('mqtt/lazyLink', () => {
  it('serves nothing before it starts: no address, not healthy, a publish given up at once, a stop that does nothing', async () => {
    let loads = 0;
    const link = lazyLink(async () => {
      loads++;
      return fakeLink([]);
    });
    let done = 0;
    link.publish({ topic: 'haven/event/A/B', payload: Buffer.from('1'), qos: 1, retain: false }, () => done++);
    expect([link.address(), link.healthy(), link.detail(), done]).to.deep.equal([null, false, 'not started', 1]);
    await link.stop();
    expect(loads).to.equal(0);
  });

  it('loads its link once, at start, and hands everything to it from then on', async () => {
    const calls: string[] = [];
    let loads = 0;
    const link = lazyLink(async () => {
      loads++;
      return fakeLink(calls);
    });
    await link.start(events);
    link.publish({ topic: 'haven/event/A/B', payload: Buffer.from('1'), qos: 1, retain: false }, () => calls.push('done'));
    expect([link.healthy(), link.detail(), link.address()?.port]).to.deep.equal([true, 'embedded broker on 127.0.0.1:1883', 1883]);
    await link.stop();
    await link.start(events);
    expect(loads).to.equal(1);
    expect(calls).to.deep.equal(['start', 'publish haven/event/A/B', 'done', 'stop', 'start']);
  });

  it('keeps aedes, mqtt.js and ioredis out of a hub that uses neither MQTT nor Redis (their loading is a fifth of start-up)', () => {
    const probe = `require('./src/runtime/runtime');
      const loaded = Object.keys(require.cache).map((k) => k.split('node_modules/').pop().split('/')[0]);
      console.log(JSON.stringify(['aedes', 'mqtt', 'ioredis'].filter((m) => loaded.includes(m))));`;
    const run = spawnSync(process.execPath, ['-r', 'tsx/cjs', '-e', probe], { cwd: ROOT, encoding: 'utf8', timeout: 15_000 });
    expect(run.status, run.stderr).to.equal(0);
    expect(JSON.parse(run.stdout.trim().split('\n').pop() as string)).to.deep.equal([]);
  });
});
