import { expect } from 'chai';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { REGISTRATIONS } from '../../../src/services/dispatcher';
import { createAllowedHosts } from '../../../src/security/allowedHosts';
import { startHub, type TestHub } from '../../helpers/hub';

describe('services.allowed_hosts', () => {
  describe('the check', () => {
    const names: Record<string, string[]> = { 'lights.lan': ['127.0.0.5'], 'mixed.lan': ['127.0.0.6', '192.0.2.9'], 'v6.lan': ['::1'] };
    const resolve = async (host: string) => {
      const found = names[host];
      if (!found) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      return found;
    };
    const table: Array<[readonly string[] | null, string, boolean]> = [
      [null, '127.0.0.1', true],
      [null, '::1', true],
      [null, '::ffff:127.0.0.1', true],
      [null, '192.0.2.1', false], // TEST-NET-1: outside loopback and the subnets below
      [null, 'lights.lan', true],
      [null, 'mixed.lan', false], // one resolved address outside is enough to refuse
      [null, 'nowhere.lan', false],
      [null, '10.1.2.3', true], // the machine's own subnet
      [['192.0.2.0/24'], '192.0.2.1', true],
      [['192.0.2.0/24'], '127.0.0.1', false], // a list replaces the default
      [['lights.lan'], '127.0.0.5', true], // a name's addresses are allowed
      [['lights.lan'], 'lights.lan', true],
      [['v6.lan', '127.0.0.0/8'], 'mixed.lan', false],
    ];
    for (const [entries, host, ok] of table) {
      it(`${JSON.stringify(entries)}: ${host} ${ok ? 'allowed' : 'refused'}`, async () => {
        const check = createAllowedHosts({ entries, resolve, subnets: () => ['10.1.2.0/24', 'fe80::/64'] });
        const verdict = await check(host);
        expect(verdict.ok, JSON.stringify(verdict)).to.equal(ok);
        if (!verdict.ok) expect(verdict.error).to.include('services.allowed_hosts');
      });
    }
  });

  describe('POST /api/register', () => {
    let hub: TestHub | undefined;
    let listener: Server | undefined;
    afterEach(async () => {
      await hub?.stop();
      await new Promise<void>((resolve) => (listener ? listener.close(() => resolve()) : resolve()));
      hub = listener = undefined;
    });

    it('refuses a host outside the list with 403 naming allowed_hosts, before any connection', async () => {
      const resolved: string[] = [];
      // The list named, loopback only: the default also holds this machine's subnets, which may contain any test address.
      hub = await startHub(
        { services: { allowed_hosts: ['127.0.0.0/8', '::1'] } },
        { resolveHost: async (h) => (resolved.push(h), h === 'evil.lan' ? ['127.0.0.1', '192.0.2.7'] : ['127.0.0.1']) },
      );
      for (const host of ['192.0.2.1', 'evil.lan']) {
        const started = Date.now();
        const res = await fetch(`${hub.url}/api/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'Far', host, port: 6000, protocol: 'TCP_SOCKET' }),
        });
        expect(res.status, host).to.equal(403);
        expect(((await res.json()) as { error: string }).error)
          .to.include('services.allowed_hosts')
          .and.include(host);
        // Refused at once: a connect to TEST-NET would hang until connect_timeout_ms (2 s).
        expect(Date.now() - started).to.be.below(1000);
      }
      expect(resolved).to.deep.equal(['evil.lan']);
      expect(((await (await fetch(`${hub.url}/api/registrations`)).json()) as { services: unknown[] }).services).to.deep.equal([]);
    });

    it('registers a loopback service, and skips a stored registration whose host is not allowed', async () => {
      listener = createServer((s) => s.on('error', () => undefined));
      await new Promise<void>((resolve) => listener!.listen(0, '127.0.0.1', resolve));
      const port = (listener.address() as AddressInfo).port;
      hub = await startHub({ services: { allowed_hosts: ['127.0.0.0/8', '::1'] } });
      const ok = await fetch(`${hub.url}/api/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Near', host: '127.0.0.1', port, protocol: 'TCP_SOCKET' }),
      });
      expect(ok.status).to.equal(200);
      // A registration that got into the store some other way (an older hub, an edited data folder).
      hub.runtime.store.collection(REGISTRATIONS).put('Far', { name: 'Far', host: '192.0.2.1', port: 6000, protocol: 'TCP_SOCKET' });
      const dataDir = hub.config.storage.data_dir;
      await hub.stop({ keepData: true });
      hub = await startHub({ services: { allowed_hosts: ['127.0.0.0/8', '::1'] } }, { dataDir });
      const names = (((await (await fetch(`${hub.url}/api/registrations`)).json()) as { services: unknown[] }).services as Array<{ name: string }>).map(
        (s) => s.name,
      );
      expect(names).to.deep.equal(['Near']);
    });
  });
});
