/** A valid `POST /api/instance` request. */
export interface StartInput {
  readonly emergencyStopTimeout: number;
  readonly socket?: string;
  readonly instanceId: string;
}

/** A parsed request, or why it is not one. */
export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** Instance ids a client may choose: url-safe, so they fit the routes unescaped. */
const INSTANCE_ID = /^[A-Za-z0-9._~:-]{1,128}$/;

const FIELDS = new Set(['emergencyStopTimeout', 'socket', 'instanceId']);

/** A number sent as JSON or as a query string, if it is one. */
function numeric(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

/**
 * Reads a start request from the JSON body or, as the seed's clients send it, the query string
 * (`?emergencyStopTimeout=60000&instanceId=run-1`). Every problem is a sentence for a 422.
 */
export function parseStartInput(body: unknown, query: Record<string, unknown>, maxTimeoutMs: number): Parsed<StartInput> {
  if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) return { ok: false, error: 'The body must be a JSON object' };
  const b = (body ?? {}) as Record<string, unknown>;
  const unknown = Object.keys(b).filter((k) => !FIELDS.has(k));
  if (unknown.length) return { ok: false, error: `Unknown field(s): ${unknown.join(', ')} (allowed: ${[...FIELDS].join(', ')})` };
  const pick = (name: string): unknown => b[name] ?? (typeof query[name] === 'string' ? query[name] : undefined);

  const rawTimeout = pick('emergencyStopTimeout');
  const timeout = numeric(rawTimeout);
  if (rawTimeout === undefined)
    return {
      ok: false,
      error: `emergencyStopTimeout is required: the milliseconds after which the instance is stopped if nobody stops it (1 to ${maxTimeoutMs})`,
    };
  if (timeout === undefined || !Number.isInteger(timeout) || timeout < 1 || timeout > maxTimeoutMs) {
    return { ok: false, error: `emergencyStopTimeout must be a whole number of milliseconds from 1 to ${maxTimeoutMs}, got ${JSON.stringify(rawTimeout)}` };
  }
  const socket = pick('socket');
  if (socket !== undefined && (typeof socket !== 'string' || socket === '')) return { ok: false, error: 'socket must be a socket name' };
  const instanceId = pick('instanceId');
  // The seed's contract: no id is a 422. A generated one would power a socket for an instance
  // nobody holds the id of, so nobody could stop it before its emergency deadline.
  if (instanceId === undefined || instanceId === '')
    return { ok: false, error: 'instanceId is required: the id you will stop the instance with (1 to 128 characters of letters, digits and . _ ~ : -)' };
  if (typeof instanceId !== 'string' || !INSTANCE_ID.test(instanceId)) {
    return { ok: false, error: 'instanceId must be 1 to 128 characters of letters, digits and . _ ~ : -' };
  }
  return {
    ok: true,
    value: { emergencyStopTimeout: timeout, ...(socket !== undefined ? { socket: socket as string } : {}), instanceId },
  };
}

/** `GET /api/wait?duration=` in seconds, from 0 to `maxS`. */
export function parseDuration(raw: unknown, maxS: number): Parsed<number> {
  const value = typeof raw === 'string' ? numeric(raw) : undefined;
  if (raw === undefined) return { ok: false, error: `duration is required: the seconds to wait (0 to ${maxS})` };
  if (value === undefined || value < 0 || value > maxS)
    return { ok: false, error: `duration must be a number of seconds from 0 to ${maxS}, got ${JSON.stringify(raw)}` };
  return { ok: true, value };
}
