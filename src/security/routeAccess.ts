/**
 * What a REST request is, for the access guard: `management` (registrations, power instances,
 * areas, clients, pairing codes, status), `ingestion` (a device's trigger input, with its source),
 * `stream` (SSE, which checks its own viewer keys) or `open` (health, metrics, the dashboard page,
 * the cache, `/api/wait`, pairing completion).
 */
export type RouteAccess =
  { readonly kind: 'management' } | { readonly kind: 'ingestion'; readonly source: 'HTTP' | 'WEB' } | { readonly kind: 'stream' } | { readonly kind: 'open' };

/**
 * Management prefixes: a path that starts with one of them, in any case, is management whatever
 * the method (a prefix over-matches on purpose: what it catches is guarded, never let through).
 */
const MANAGEMENT = [
  '/api/register',
  '/api/registration',
  '/api/instance',
  '/api/emergency-stop',
  '/api/download',
  '/api/areas',
  '/api/clients',
  '/api/pairing',
  '/api/status',
  '/api/websocket',
];

/** A panel exchanges a pairing code for its token: no credential exists yet (the code is rate limited per IP). */
const PAIRING_COMPLETE = '/api/pairing/complete';

const INGESTION: Readonly<Record<string, 'HTTP' | 'WEB'>> = {
  '/api/trigger-event': 'HTTP',
  '/api/trigger-status': 'HTTP',
  '/api/web/trigger-event': 'WEB',
  '/api/web/trigger-status': 'WEB',
};

/**
 * The path as the router may read it: decoded, lower case (the router matches case-insensitively),
 * repeated and trailing slashes dropped. A path that cannot be decoded is taken as written.
 */
export function normalizePath(path: string): string {
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // Not percent-encoded text: the router will not match it either.
  }
  return decoded
    .toLowerCase()
    .replace(/\/{2,}/g, '/')
    .replace(/(.)\/+$/, '$1');
}

/** The access class of one request. */
export function routeAccess(method: string, rawPath: string): RouteAccess {
  const path = normalizePath(rawPath);
  if (path === PAIRING_COMPLETE) return { kind: 'open' };
  if (MANAGEMENT.some((prefix) => path.startsWith(prefix))) return { kind: 'management' };
  if (path.startsWith('/api/events/stream')) return { kind: 'stream' };
  const source = INGESTION[path];
  if (source && method.toUpperCase() === 'POST') return { kind: 'ingestion', source };
  return { kind: 'open' };
}

/**
 * The access class of a Koa request, worked out once per request: the input counter and the
 * access guard both read it (the path is decoded and normalized only here).
 */
export function accessOf(ctx: { readonly method: string; readonly path: string; readonly state: { access?: RouteAccess } }): RouteAccess {
  return (ctx.state.access ??= routeAccess(ctx.method, ctx.path));
}
