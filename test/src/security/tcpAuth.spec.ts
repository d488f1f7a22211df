import { expect } from 'chai';
import { createApiKeys } from '../../../src/keys/apiKeys';
import type { TcpSource } from '../../../src/sources/tcp/tcpSource';
import { startHub, type TestHub } from '../../helpers/hub';
import { connectLineClient, type LineClient } from '../sources/lineClient';

describe('TCP source: AUTH <device key>', () => {
  let hub: TestHub;
  const clients: LineClient[] = [];
  afterEach(async () => {
    clients.splice(0).forEach((c) => c.destroy());
    await hub?.stop();
  });
  const connect = async () => {
    const c = await connectLineClient(hub.component<TcpSource>('TCP').address()!.port);
    clients.push(c);
    return c;
  };
  const keysOf = () => {
    const keys = createApiKeys({ store: hub.runtime.store });
    return {
      device: (keys.create({ organization: null, role: 'device' }) as { key: string }).key,
      viewer: (keys.create({ organization: 'default', role: 'viewer' }) as { key: string }).key,
    };
  };

  it('with TCP in security.device_keys, refuses lines until a good AUTH, then serves them', async () => {
    hub = await startHub({ security: { device_keys: ['TCP'] } });
    const { device, viewer } = keysOf();
    const c = await connect();
    c.write(`Stage.Mode intro 1\nAUTH ${viewer}\nauth\nAUTH ${device}\nStage.Mode finale 2\n`);
    expect(await c.waitForReplies(5)).to.deep.equal([
      'ERR unauthorized Send AUTH <device key> first',
      'ERR unauthorized Invalid device key',
      'ERR unauthorized Usage: AUTH <device key>',
      'OK auth',
      'OK 1',
    ]);
  });

  it('without it, lines need nothing, and a good AUTH is still answered OK auth', async () => {
    hub = await startHub();
    const { device } = keysOf();
    const c = await connect();
    c.write(`Stage.Mode intro 1\nAUTH ${device}\nAUTH hvn_wrong\n`);
    expect(await c.waitForReplies(3)).to.deep.equal(['OK 1', 'OK auth', 'ERR unauthorized Invalid device key']);
  });

  it('counts failed AUTHs in the hub limit: then ERR too_many_failures and the connection closes', async () => {
    hub = await startHub({ security: { device_keys: ['TCP'], auth_failures: { max: 2, window_ms: 60_000 } } });
    const { device } = keysOf();
    const c = await connect();
    c.write('AUTH hvn_a\nAUTH hvn_b\n');
    await c.waitForReplies(2);
    c.write(`AUTH ${device}\nStage.Mode intro 1\n`);
    const replies = await c.waitForReplies(3);
    expect(replies[2]).to.match(/^ERR too_many_failures Too many failed authentications; retry in \d+ s$/);
    await c.waitForClose();
    // The REST API refuses the same address too: one count per address.
    expect((await fetch(`${hub.url}/api/events/stream/stats`, { headers: { 'x-api-key': 'hvn_x' } })).status).to.equal(429);
  });
});
