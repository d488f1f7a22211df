import { expect } from 'chai';
import type { LookupAddress, LookupOptions } from 'node:dns';
import type { Socket } from 'node:net';
import { createAllowedHosts } from '../../../src/security/allowedHosts';
import { guardedConnect } from '../../../src/security/guardedConnect';
import { startLineServer, type LineServer } from '../../helpers/lineServer';

// The address outside the list is 0.0.0.0: not in 127.0.0.0/8, yet on Linux a connect to it stays
// on this machine, so even a broken guard sends nothing off loopback.

/** A resolver that answers `moved.lan` with `addresses`, in either of the forms net.connect asks for. */
function fakeLookup(addresses: string[]) {
  const calls: string[] = [];
  const lookup = (
    hostname: string,
    options: LookupOptions,
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    calls.push(hostname);
    const found = addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    if (options.all) callback(null, found);
    else callback(null, found[0].address, found[0].family);
  };
  return { lookup, calls };
}

/** Resolves with 'connected' or the socket's error code. */
function outcome(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    socket.once('connect', () => resolve('connected'));
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

describe('service sockets check the addresses they resolve against services.allowed_hosts', () => {
  const allowed = createAllowedHosts({ entries: ['127.0.0.0/8'] });
  let server: LineServer;
  const sockets: Socket[] = [];
  before(async () => {
    server = await startLineServer();
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.destroy();
  });
  after(() => server.close());

  it('refuses a name that now resolves outside the list, before any connection (ENOTALLOWED)', async () => {
    const { lookup, calls } = fakeLookup(['0.0.0.0']);
    const socket = guardedConnect(allowed, lookup)({ host: 'moved.lan', port: server.port });
    sockets.push(socket);
    expect(await outcome(socket)).to.equal('ENOTALLOWED');
    expect(calls).to.deep.equal(['moved.lan']);
  });

  it('connects where the name resolves inside the list', async () => {
    const { lookup } = fakeLookup(['127.0.0.1']);
    const socket = guardedConnect(allowed, lookup)({ host: 'moved.lan', port: server.port });
    sockets.push(socket);
    expect(await outcome(socket)).to.equal('connected');
  });

  it('of several addresses keeps the allowed ones rather than refusing them all', async () => {
    const { lookup } = fakeLookup(['0.0.0.0', '127.0.0.1']);
    const socket = guardedConnect(allowed, lookup)({ host: 'moved.lan', port: server.port });
    sockets.push(socket);
    expect(await outcome(socket)).to.equal('connected');
    expect(socket.remoteAddress).to.equal('127.0.0.1');
  });
});
