import type { AdminStores } from './adminStores';
import type { FanOut } from './fanOut';
import { areaView, type AreaRecord, type ClientRecord, type Role } from './directory';
import type { PairingStore } from './pairingStore';
import { generateId } from './secrets';

/** Why an admin action did not happen; the router turns it into an HTTP status. */
export interface AdminError {
  readonly code: 'not_found' | 'invalid' | 'expired';
  readonly message: string;
}

/** An admin action's result as a value: the caller decides how to answer. */
export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: AdminError };

export interface AreaChanges {
  readonly name?: string;
  readonly entityIds?: readonly string[];
  readonly isEnabled?: boolean;
}

export interface AdminDeps extends AdminStores {
  readonly pairing: PairingStore;
  readonly fanOut: FanOut;
  readonly pairingTtlMs: number;
}

const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });
const fail = (code: AdminError['code'], message: string): Outcome<never> => ({ ok: false, error: { code, message } });

const unique = (xs: readonly string[]) => [...new Set(xs.map((x) => x.trim()).filter((x) => x.length > 0))];

/**
 * What admins can do to areas, clients, tokens and pairings. Each change is stored first, then the
 * affected connections' visibility is refreshed, then the seed's event goes to exactly the clients
 * it concerns: a client hears about an area only when it has (or just lost) that area.
 */
/** Stores a new client (or admin) with `areas` as given and issues its first token; the admin REST and the CLI alike. */
export function issueClient(
  { directory, tokens, utcNow }: AdminStores,
  name: string,
  role: Role,
  areas: readonly string[],
): { client: ClientRecord; token: string } {
  const client: ClientRecord = { id: generateId(role), name: name.trim(), role, areas, createdAt: utcNow() };
  directory.putClient(client);
  return { client, token: tokens.issue(client.id) };
}

export function createAdminService({ directory, tokens, pairing, fanOut, utcNow, pairingTtlMs }: AdminDeps) {
  const missingArea = (id: string) => fail('not_found', `Area '${id}' not found`);
  const missingClient = (id: string) => fail('not_found', `Client '${id}' not found`);
  /** The refusal for area ids that do not exist, if any. */
  const unknownAreas = (ids: readonly string[]): Outcome<never> | undefined => {
    const unknown = ids.filter((id) => !directory.area(id));
    return unknown.length ? fail('invalid', `Unknown area${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`) : undefined;
  };

  const updateArea = (id: string, changes: AreaChanges): Outcome<AreaRecord> => {
    const before = directory.area(id);
    if (!before) return missingArea(id);
    const after: AreaRecord = {
      ...before,
      ...(changes.name !== undefined ? { name: changes.name.trim() } : {}),
      ...(changes.entityIds !== undefined ? { entityIds: unique(changes.entityIds) } : {}),
      ...(changes.isEnabled !== undefined ? { isEnabled: changes.isEnabled } : {}),
      updatedAt: utcNow(),
    };
    directory.putArea(after);
    const holders = directory.clientsWithArea(id);
    holders.forEach((c) => fanOut.refresh(c));
    const renamed = after.name !== before.name || after.entityIds.join('\n') !== before.entityIds.join('\n');
    if (renamed) fanOut.notifyClients(holders, 'area_updated', { ...areaView(after), message: 'Area has been updated by admin' });
    if (after.isEnabled !== before.isEnabled) {
      fanOut.notifyClients(holders, after.isEnabled ? 'area_enabled' : 'area_disabled', {
        ...areaView(after),
        message: `Area has been ${after.isEnabled ? 'enabled' : 'disabled'} by admin`,
      });
    }
    return ok(after);
  };

  const setAreas = (clientId: string, areas: readonly string[]): Outcome<ClientRecord> => {
    const before = directory.client(clientId);
    if (!before) return missingClient(clientId);
    const wanted = unique(areas);
    const refused = unknownAreas(wanted);
    if (refused) return refused;
    const after: ClientRecord = { ...before, areas: wanted };
    directory.putClient(after);
    fanOut.refresh(clientId);
    for (const id of wanted.filter((a) => !before.areas.includes(a))) {
      fanOut.notifyClient(clientId, 'area_added', { ...areaView(directory.area(id)!), message: 'Area has been assigned to you' });
    }
    for (const id of before.areas.filter((a) => !wanted.includes(a))) {
      const area = directory.area(id);
      fanOut.notifyClient(clientId, 'area_removed', { areaId: id, name: area?.name ?? id, message: 'Area has been removed from you' });
    }
    return ok(after);
  };

  const createClient = (name: string, role: Role, areas: readonly string[]): Outcome<{ client: ClientRecord; token: string }> => {
    const wanted = role === 'admin' ? [] : unique(areas);
    const refused = unknownAreas(wanted);
    if (refused) return refused;
    return ok(issueClient({ directory, tokens, utcNow }, name, role, wanted));
  };

  const revoke = (clientId: string, reason: string): Outcome<{ clientId: string; tokensRevoked: number; connectionsClosed: number }> => {
    if (!directory.client(clientId)) return missingClient(clientId);
    const tokensRevoked = tokens.revokeAll(clientId);
    return ok({ clientId, tokensRevoked, connectionsClosed: fanOut.disconnectClient(clientId, reason) });
  };

  return {
    listAreas: () => directory.areas(),
    getArea: (id: string): Outcome<AreaRecord> => (directory.area(id) ? ok(directory.area(id)!) : missingArea(id)),
    createArea(name: string, entityIds: readonly string[], isEnabled: boolean): Outcome<AreaRecord> {
      const now = utcNow();
      const area: AreaRecord = { id: generateId('area'), name: name.trim(), entityIds: unique(entityIds), isEnabled, createdAt: now, updatedAt: now };
      directory.putArea(area);
      return ok(area);
    },
    updateArea,
    toggleArea(id: string, isEnabled?: boolean): Outcome<AreaRecord> {
      const area = directory.area(id);
      if (!area) return missingArea(id);
      return updateArea(id, { isEnabled: isEnabled ?? !area.isEnabled });
    },
    deleteArea(id: string): Outcome<{ areaId: string; clientsAffected: number }> {
      const area = directory.area(id);
      if (!area) return missingArea(id);
      const holders = directory.deleteArea(id);
      holders.forEach((c) => fanOut.refresh(c));
      fanOut.notifyClients(holders, 'area_removed', { areaId: id, name: area.name, message: 'Area has been deleted by admin' });
      return ok({ areaId: id, clientsAffected: holders.length });
    },
    listClients: () => directory.clients(),
    getClient: (id: string): Outcome<ClientRecord> => (directory.client(id) ? ok(directory.client(id)!) : missingClient(id)),
    createClient,
    setAreas,
    assignArea(clientId: string, areaId: string): Outcome<ClientRecord> {
      const client = directory.client(clientId);
      if (!client) return missingClient(clientId);
      if (!directory.area(areaId)) return missingArea(areaId);
      return setAreas(clientId, [...client.areas, areaId]);
    },
    unassignArea(clientId: string, areaId: string): Outcome<ClientRecord> {
      const client = directory.client(clientId);
      if (!client) return missingClient(clientId);
      if (!client.areas.includes(areaId)) return fail('not_found', `Area '${areaId}' is not assigned to client '${clientId}'`);
      return setAreas(
        clientId,
        client.areas.filter((a) => a !== areaId),
      );
    },
    revoke,
    rotateToken(clientId: string): Outcome<{ clientId: string; token: string }> {
      const revoked = revoke(clientId, 'token replaced by admin');
      if (!revoked.ok) return revoked;
      return ok({ clientId, token: tokens.issue(clientId) });
    },
    deleteClient(clientId: string): Outcome<{ clientId: string; connectionsClosed: number }> {
      const revoked = revoke(clientId, 'client deleted by admin');
      if (!revoked.ok) return revoked;
      directory.deleteClient(clientId);
      return ok({ clientId, connectionsClosed: revoked.value.connectionsClosed });
    },
    createPairing(adminId: string, name: string | undefined, areas: readonly string[]): Outcome<{ code: string; expiresAt: string }> {
      const wanted = unique(areas);
      const refused = unknownAreas(wanted);
      if (refused) return refused;
      const { code, expiresAt } = pairing.create({ ...(name ? { name: name.trim() } : {}), areas: wanted, createdBy: adminId }, pairingTtlMs);
      return ok({ code, expiresAt: new Date(expiresAt).toISOString() });
    },
    completePairing(code: string, name?: string): Outcome<{ client: ClientRecord; token: string }> {
      const p = pairing.consume(code);
      if (p === 'unknown') return fail('not_found', 'Unknown or already used pairing code');
      if (p === 'expired') return fail('expired', 'Pairing code has expired; ask an admin for a new one');
      const created = createClient(
        name?.trim() || p.name || 'Paired client',
        'client',
        p.areas.filter((a) => directory.area(a)),
      );
      if (!created.ok) return created;
      const { client } = created.value;
      fanOut.notifyAdmins('pairing_completed', {
        clientId: client.id,
        name: client.name,
        areas: client.areas,
        pairedBy: p.createdBy,
        message: 'Pairing completed',
      });
      return created;
    },
  };
}

/** The admin actions, as the routers and the CLI use them. */
export type AdminService = ReturnType<typeof createAdminService>;
