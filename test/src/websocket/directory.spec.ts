import { expect } from 'chai';
import { createSqliteStore } from '../../../src/storage/sqliteStore';
import type { Store } from '../../../src/storage/store';
import { createDirectory, type AreaRecord, type ClientRecord } from '../../../src/websocket/directory';

const area = (id: string, entityIds: string[], isEnabled = true): AreaRecord => ({
  id,
  name: id.toUpperCase(),
  entityIds,
  isEnabled,
  createdAt: '',
  updatedAt: '',
});
const client = (id: string, areas: string[], role: 'admin' | 'client' = 'client'): ClientRecord => ({ id, name: id, role, areas, createdAt: '' });

describe('directory', () => {
  let store: Store;
  beforeEach(() => (store = createSqliteStore(':memory:')));
  afterEach(() => store.close());

  it('computes what a client may see from its enabled areas; admins see everything', () => {
    const d = createDirectory(store);
    d.putArea(area('a', ['X.1', 'X.2']));
    d.putArea(area('b', ['Y.1'], false));
    expect([...d.visibility(client('c', ['a', 'b']))!]).to.deep.equal(['X.1', 'X.2']);
    expect(d.visibility(client('root', [], 'admin'))).to.equal(null);
    d.putArea(area('b', ['Y.1'], true));
    expect([...d.visibility(client('c', ['a', 'b']))!].sort()).to.deep.equal(['X.1', 'X.2', 'Y.1']);
  });

  it('shares one visibility set between clients with the same enabled areas', () => {
    const d = createDirectory(store);
    d.putArea(area('a', ['X.1']));
    d.putArea(area('b', ['Y.1']));
    expect(d.visibility(client('c1', ['a', 'b']))).to.equal(d.visibility(client('c2', ['b', 'a'])));
    expect(d.visibility(client('c3', ['a']))).not.to.equal(d.visibility(client('c1', ['a', 'b'])));
  });

  it('names the enabled areas of an entity', () => {
    const d = createDirectory(store);
    d.putArea(area('a', ['X.1', 'Y.1']));
    d.putArea(area('b', ['Y.1']));
    d.putArea(area('off', ['Y.1'], false));
    expect(d.areasOfEntity('Y.1')).to.deep.equal(['A', 'B']);
    expect(d.areasOfEntity('Z')).to.deep.equal([]);
  });

  it('deleting an area unassigns it from its clients, in the store too', () => {
    const d = createDirectory(store);
    d.putArea(area('a', ['X.1']));
    d.putArea(area('b', ['Y.1']));
    d.putClient(client('c1', ['a', 'b']));
    d.putClient(client('c2', ['b']));
    expect(d.deleteArea('a')).to.deep.equal(['c1']);
    expect(d.client('c1')!.areas).to.deep.equal(['b']);
    const reloaded = createDirectory(store);
    expect(reloaded.client('c1')!.areas).to.deep.equal(['b']);
    expect(reloaded.area('a')).to.equal(undefined);
    expect(reloaded.clientsWithArea('b').sort()).to.deep.equal(['c1', 'c2']);
  });

  it('finds a client written to the store by another process (the CLI) on a miss', () => {
    const d = createDirectory(store);
    createDirectory(store).putClient(client('late', [], 'admin'));
    expect(d.client('late')?.role).to.equal('admin');
  });
});
