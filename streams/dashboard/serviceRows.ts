import type { ServiceTallies } from './serviceTally';

/** A registered service as the registrations list it, as far as the dashboard reads it. */
export interface ServiceListing {
  readonly name: string;
  readonly protocol: string;
  readonly host: string;
  readonly port: number;
  readonly status: string;
}

/** One service row of the dashboard. */
export interface ServiceRow extends ServiceListing {
  readonly delivered: number;
  readonly expired: number;
  /** How long it has been out of `connected` at `now`; null when connected (or down since before the tally began). */
  readonly downForMs: number | null;
}

/** The dashboard's service rows: the registrations, in their order, with their tallies at scheduler time `now`. */
export function serviceRows(listings: readonly ServiceListing[], tallies: ServiceTallies, now: number): ServiceRow[] {
  return listings.map(({ name, protocol, host, port, status }) => {
    const t = tallies[name];
    const down = status !== 'connected' && t?.downSince != null ? Math.max(0, now - t.downSince) : null;
    return { name, protocol, host, port, status, delivered: t?.delivered ?? 0, expired: t?.expired ?? 0, downForMs: down };
  });
}
