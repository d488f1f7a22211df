import { expect } from 'chai';
import { lazyLink } from '../../../src/mqtt/lazyLink';
import type { LinkEvents, MqttLink } from '../../../src/mqtt/mqttLink';

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
    stopping: () => void calls.push('stopping'),
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
});
