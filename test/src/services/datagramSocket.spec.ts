import { expect } from 'chai';
import * as dgram from 'node:dgram';
import { datagramFactory } from '../../../src/services/datagramSocket';

describe('services/datagramSocket', () => {
  const allowLoopback = async (address: string) =>
    address.startsWith('127.') ? { ok: true as const } : { ok: false as const, error: `${address} is not allowed` };

  it('connects to the first address of the host that the allowed-hosts check passes, and sends only there', async () => {
    const receiver = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => receiver.bind(0, '127.0.0.1', () => resolve()));
    const got = new Promise<Buffer>((resolve) => receiver.once('message', resolve));
    const open = datagramFactory(allowLoopback, async () => ['192.0.2.7', '127.0.0.1']);
    const { socket, target } = await open({ host: 'show.example', port: receiver.address().port });
    try {
      expect(target).to.equal(`127.0.0.1:${receiver.address().port}`);
      socket.send(Buffer.from('/ping'));
      expect((await got).toString()).to.equal('/ping');
    } finally {
      socket.close();
      receiver.close();
    }
  });

  it('fails ENOTALLOWED, before any datagram, when no address of the host is allowed', async () => {
    const open = datagramFactory(allowLoopback, async () => ['192.0.2.7']);
    const error = await open({ host: 'elsewhere.example', port: 9 }).then(
      () => undefined,
      (e: unknown) => e as NodeJS.ErrnoException,
    );
    expect(error?.code).to.equal('ENOTALLOWED');
    expect(error?.message).to.equal('elsewhere.example resolves to no allowed address: 192.0.2.7 is not allowed');
  });
});
