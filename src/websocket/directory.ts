import type { Visibility } from '../../streams/websocket/clientFilter';
import type { Store } from '../storage/store';

/** Where the clients are stored; the credentials check reads them too. */
export const WS_CLIENTS_COLLECTION = 'ws_clients';

/** `admin` sees every trigger and manages areas and clients; `client` sees its enabled areas. */
export type Role = 'admin' | 'client';

/** A WebSocket client (a panel, a dashboard) or an admin, as stored in `ws_clients`. */
export interface ClientRecord {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  /** Area ids assigned to the client (admins see everything and have none). */
  readonly areas: readonly string[];
  /** UTC ISO 8601. */
  readonly createdAt: string;
}

/** A named group of entities (trigger names, power socket names), as stored in `ws_areas`. */
export interface AreaRecord {
  readonly id: string;
  readonly name: string;
  /** The seed's `entityIds`: trigger names (`Stage.Mode`) or power socket names. */
  readonly entityIds: readonly string[];
  readonly isEnabled: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** An area as events and REST answers show it (the seed's field names). */
export function areaView(a: AreaRecord): { areaId: string; name: string; entityIds: readonly string[]; isEnabled: boolean } {
  return { areaId: a.id, name: a.name, entityIds: a.entityIds, isEnabled: a.isEnabled };
}

/**
 * Clients and areas, kept in memory for the fan-out's lookups and written through to the store so
 * they survive restarts. Every read the fan-out does per event is O(1); writes are rare (admins).
 */
export interface Directory {
  clients(): ClientRecord[];
  client(id: string): ClientRecord | undefined;
  putClient(client: ClientRecord): void;
  deleteClient(id: string): boolean;
  areas(): AreaRecord[];
  area(id: string): AreaRecord | undefined;
  putArea(area: AreaRecord): void;
  /** Deletes the area and unassigns it everywhere; returns the ids of the clients that had it. */
  deleteArea(id: string): string[];
  /** Ids of the clients that have `areaId` assigned. */
  clientsWithArea(areaId: string): string[];
  /** What a client may see; clients with the same enabled areas share one Set. */
  visibility(client: ClientRecord): Visibility;
  /** Names of the enabled areas that contain `entity` (a trigger or socket name). */
  areasOfEntity(entity: string): string[];
}

export function createDirectory(store: Store): Directory {
  const clientDocs = store.collection<ClientRecord>(WS_CLIENTS_COLLECTION);
  const areaDocs = store.collection<AreaRecord>('ws_areas');
  const clients = new Map(clientDocs.entries());
  const areas = new Map(areaDocs.entries());
  // Derived indexes, rebuilt lazily after any area change (rare) so per-event reads stay O(1).
  let byEntity: Map<string, string[]> | undefined;
  const shared = new Map<string, ReadonlySet<string>>();
  const invalidate = () => {
    byEntity = undefined;
    shared.clear();
  };

  const entityIndex = (): Map<string, string[]> => {
    if (byEntity) return byEntity;
    byEntity = new Map();
    for (const area of areas.values()) {
      if (!area.isEnabled) continue;
      for (const entity of area.entityIds) {
        const names = byEntity.get(entity) ?? [];
        if (!names.includes(area.name)) names.push(area.name);
        byEntity.set(entity, names);
      }
    }
    return byEntity;
  };

  return {
    clients: () => [...clients.values()],
    client(id) {
      let c = clients.get(id);
      // A miss reads the store: an admin created by the CLI while the hub runs is known at once.
      if (!c && (c = clientDocs.get(id))) clients.set(id, c);
      return c;
    },
    putClient(client) {
      clientDocs.put(client.id, client);
      clients.set(client.id, client);
    },
    deleteClient(id) {
      clientDocs.delete(id);
      return clients.delete(id);
    },
    areas: () => [...areas.values()],
    area: (id) => areas.get(id),
    putArea(area) {
      areaDocs.put(area.id, area);
      areas.set(area.id, area);
      invalidate();
    },
    deleteArea(id) {
      const updated = [...clients.values()].filter((c) => c.areas.includes(id)).map((c) => ({ ...c, areas: c.areas.filter((a) => a !== id) }));
      store.transaction(() => {
        areaDocs.delete(id);
        for (const c of updated) clientDocs.put(c.id, c);
      });
      areas.delete(id);
      for (const c of updated) clients.set(c.id, c);
      invalidate();
      return updated.map((c) => c.id);
    },
    clientsWithArea: (areaId) => [...clients.values()].filter((c) => c.areas.includes(areaId)).map((c) => c.id),
    visibility(client) {
      if (client.role === 'admin') return null;
      const enabled = client.areas.filter((id) => areas.get(id)?.isEnabled).sort();
      const key = enabled.join('\n');
      let set = shared.get(key);
      if (!set) {
        set = new Set(enabled.flatMap((id) => areas.get(id)!.entityIds));
        shared.set(key, set);
      }
      return set;
    },
    areasOfEntity: (entity) => [...(entityIndex().get(entity) ?? [])],
  };
}
