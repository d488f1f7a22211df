import { expect } from 'chai';
import { createApiKeys, API_KEYS_COLLECTION } from '../../../src/keys/apiKeys';
import { createSqliteStore } from '../../../src/storage/sqliteStore';
import type { Store } from '../../../src/storage/store';

describe('apiKeys', () => {
  let store: Store;
  beforeEach(() => (store = createSqliteStore(':memory:')));
  afterEach(() => store.close());

  const clock = () => '2026-01-11T18:35:00.000Z';

  it('creates a key shown once, stores only its hash, and verifies it', () => {
    const keys = createApiKeys({ store, utcNow: clock });
    const created = keys.create({ organization: 'acme', role: 'admin', name: 'Lobby display' });
    if (!created.ok) throw new Error(created.error);
    expect(created.key).to.match(/^hvn_[0-9a-f]{16}_[0-9a-f]{64}$/);
    expect(created.info).to.deep.equal({
      id: created.key.slice(4, 20),
      name: 'Lobby display',
      organization: 'acme',
      role: 'admin',
      createdAt: clock(),
      revokedAt: null,
    });
    const stored = JSON.stringify(store.collection(API_KEYS_COLLECTION).entries());
    expect(stored).not.to.contain(created.key.slice(21));
    expect(stored).to.match(/"hash":"[0-9a-f]{64}"/);
    expect(keys.verify(created.key)).to.deep.equal({ ok: true, key: created.info });
  });

  it('tells malformed, unknown and wrong-secret keys apart from good ones', () => {
    const keys = createApiKeys({ store });
    const created = keys.create({ organization: 'acme' });
    if (!created.ok) throw new Error(created.error);
    expect(keys.verify('nonsense')).to.deep.equal({ ok: false, problem: 'malformed' });
    expect(keys.verify(`hvn_${'0'.repeat(16)}_${'a'.repeat(64)}`)).to.deep.equal({ ok: false, problem: 'unknown' });
    const wrongSecret = created.key.slice(0, -1) + (created.key.endsWith('0') ? '1' : '0');
    expect(keys.verify(wrongSecret)).to.deep.equal({ ok: false, problem: 'unknown' });
  });

  it('defaults the role to viewer and allows a key without organization', () => {
    const created = createApiKeys({ store }).create({ organization: null });
    expect(created.ok && created.info).to.deep.include({ organization: null, role: 'viewer', name: null });
  });

  it('revokes a key: verify says revoked, list keeps it with its revocation time', () => {
    const keys = createApiKeys({ store, utcNow: clock });
    const created = keys.create({ organization: 'acme' });
    if (!created.ok) throw new Error(created.error);
    expect(keys.revoke(created.info.id)).to.deep.equal({ ok: true, info: { ...created.info, revokedAt: clock() } });
    expect(keys.verify(created.key)).to.deep.equal({ ok: false, problem: 'revoked' });
    expect(keys.list()).to.deep.equal([{ ...created.info, revokedAt: clock() }]);
    expect(keys.revoke(created.info.id)).to.deep.equal({ ok: false, error: `API key '${created.info.id}' was already revoked at ${clock()}` });
    expect(keys.revoke('nope')).to.deep.equal({ ok: false, error: "No API key with id 'nope'" });
  });

  it('rejects a bad organization id, role or name as values', () => {
    const keys = createApiKeys({ store });
    expect(keys.create({ organization: 'has space' })).to.deep.include({ ok: false });
    expect(keys.create({ organization: 'acme', role: 'root' as never })).to.deep.equal({
      ok: false,
      error: "Invalid role 'root' (roles: viewer, device, admin)",
    });
    expect(keys.create({ organization: 'acme', name: '' })).to.deep.include({ ok: false });
    expect(keys.list()).to.deep.equal([]);
  });
});
