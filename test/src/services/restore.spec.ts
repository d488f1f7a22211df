import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asyncScheduler } from 'rxjs';
import { createServiceDispatcher, REGISTRATIONS } from '../../../src/services/dispatcher';
import { LEGACY_FILE, legacyEntries } from '../../../src/services/legacyRegistrations';
import type { Registration } from '../../../src/services/registration';
import { createSqliteStore } from '../../../src/storage/sqliteStore';
import type { Store } from '../../../src/storage/store';
import { FAST_BACKOFF, createCapturingLogger, event, freePort, onCleanup, runCleanups, startService, waitFor } from './helpers';

describe('services/dispatcher restore from a seed-era service_registrations.json', () => {
  let dir: string;
  let store: Store;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'haven-services-'));
    store = createSqliteStore(':memory:');
  });

  afterEach(async () => {
    await runCleanups();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function dispatcher(lines: string[] = []) {
    const { log, lines: captured } = createCapturingLogger();
    const d = createServiceDispatcher({
      store,
      log,
      scheduler: asyncScheduler,
      utcNow: () => 'now',
      dataDir: dir,
      config: { connectTimeoutMs: 1000, backoff: FAST_BACKOFF, maxAgeMs: 60_000 },
    });
    onCleanup(() => {
      lines.push(...captured);
      return d.stop();
    });
    return { d, captured };
  }

  it('accepts an array, { services: [...] } or an object keyed by name', () => {
    const one = { name: 'A', port: 1 };
    expect(legacyEntries([one])).to.deep.equal([one]);
    expect(legacyEntries({ services: [one] })).to.deep.equal([one]);
    expect(legacyEntries({ A: { port: 1, host: 'h' } })).to.deep.equal([{ name: 'A', port: 1, host: 'h' }]);
    expect(legacyEntries('nonsense')).to.deep.equal([]);
  });

  it('imports the services not yet stored, renames the file, and starts them without failing on the unreachable', async () => {
    const flame = await startService();
    const downPort = await freePort();
    // The seed server's own file: keyed by name, the seed's fields only.
    writeFileSync(
      join(dir, LEGACY_FILE),
      JSON.stringify({
        FlameServer: { name: 'FlameServer', port: flame.port, host: '127.0.0.1', protocol: 'TCP_SOCKET', registered_at: '2026-01-11T18:30:00' },
        Lights: { port: String(downPort), host: '127.0.0.1' },
        Stored: { name: 'Stored', port: 9, host: '127.0.0.1', protocol: 'OPC' },
        Broken: { name: 'Broken', port: 'nope' },
      }),
    );
    store.collection<Registration>(REGISTRATIONS).put('Stored', { name: 'Stored', port: 7, host: '127.0.0.1', protocol: 'OPC', registered_at: 'before' });
    const { d, captured } = dispatcher();

    expect(await d.restore()).to.deep.equal({ restored: 1, imported: 2, connected: 1 });

    expect(existsSync(join(dir, LEGACY_FILE))).to.equal(false);
    expect(JSON.parse(readFileSync(join(dir, `${LEGACY_FILE}.imported`), 'utf8'))).to.have.property('FlameServer');
    const stored = Object.fromEntries(store.collection<Registration>(REGISTRATIONS).entries());
    expect(Object.keys(stored)).to.have.members(['Stored', 'FlameServer', 'Lights']);
    expect(stored.Stored.port).to.equal(7); // what was stored wins over the file
    expect(stored.FlameServer.registered_at).to.equal('2026-01-11T18:30:00');
    expect(stored.Lights).to.deep.equal({ name: 'Lights', port: downPort, host: '127.0.0.1', protocol: 'TCP_SOCKET', registered_at: 'now' });

    const statuses = Object.fromEntries(d.list().map((r) => [r.name, r.status]));
    expect(statuses.Stored).to.equal('unsupported');
    expect(statuses.FlameServer).to.equal('connected');
    expect(['backoff', 'connecting']).to.include(statuses.Lights);
    expect(captured.some((l) => /restored Lights .* it keeps retrying/.test(l))).to.equal(true);
    expect(captured.some((l) => l.includes("skipped an entry: 'port' of Broken"))).to.equal(true);

    // Lights comes up later and gets what waited for it.
    const e = event();
    d.dispatch(e);
    const lights = await startService(downPort);
    await waitFor(() => lights.lines().length === 1, 'the line at the service that came back');
    await waitFor(() => flame.lines().length === 1, 'the line at the reachable service');
  });

  it('restores again from the store only, on the next start', async () => {
    const flame = await startService();
    writeFileSync(join(dir, LEGACY_FILE), JSON.stringify([{ name: 'FlameServer', port: flame.port, host: '127.0.0.1' }]));
    const first = dispatcher();
    expect(await first.d.restore()).to.deep.equal({ restored: 0, imported: 1, connected: 1 });
    await first.d.stop();

    const second = dispatcher();
    expect(await second.d.restore()).to.deep.equal({ restored: 1, imported: 0, connected: 1 });
    expect(second.d.list().map((r) => r.name)).to.deep.equal(['FlameServer']);
  });

  it('leaves a file that is not JSON in place and starts anyway', async () => {
    writeFileSync(join(dir, LEGACY_FILE), '{ not json');
    const { d, captured } = dispatcher();
    expect(await d.restore()).to.deep.equal({ restored: 0, imported: 0, connected: 0 });
    expect(existsSync(join(dir, LEGACY_FILE))).to.equal(true);
    expect(captured.some((l) => l.includes('is not readable JSON'))).to.equal(true);
    expect(d.health()).to.include({ name: 'services', state: 'ok' });
  });
});
