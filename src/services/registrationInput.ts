import { oscTargetError } from './oscEncoder';
import { isOsc, SERVICE_PROTOCOLS, type ExtraField, type OscArgsField, type OscFraming, type Registration, type ServiceProtocol } from './registration';
import { EXTRA_FIELD_ORDER, orderedFields } from './wireLine';

/** What `POST /api/register` carries (the API validated it already; stored and legacy files may not be). */
export interface RegistrationInput {
  readonly name: string;
  readonly port: number;
  readonly host?: string;
  readonly protocol?: ServiceProtocol;
  readonly max_age_ms?: number;
  readonly fields?: readonly ExtraField[];
  readonly address?: string;
  readonly args?: OscArgsField;
  readonly framing?: OscFraming;
}

/** A usable registration, or why not. */
export type Normalized = { readonly ok: true; readonly registration: Registration } | { readonly ok: false; readonly error: string };

/**
 * A registration from anything that claims to be one (the API, the store, a seed-era
 * `service_registrations.json`): defaults filled in (host `localhost`, protocol `TCP_SOCKET`,
 * `registered_at` now unless it carries one), port accepted as a numeric string, protocol
 * case-insensitive, `fields` deduplicated in wire order; an OSC target's `address`, `args` and
 * `framing` checked as its encoder reads them. Returns a sentence when it is not one.
 */
export function normalizeRegistration(input: unknown, registeredAt: string): Normalized {
  if (!input || typeof input !== 'object') return fail('a registration must be an object');
  const raw = input as Record<string, unknown>;
  const name = raw.name;
  if (typeof name !== 'string' || name.trim() === '') return fail("'name' must be a non-empty string");
  const port = typeof raw.port === 'string' && /^\d+$/.test(raw.port) ? Number(raw.port) : raw.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    return fail(`'port' of ${name} must be an integer from 1 to 65535`);
  }
  const host = raw.host ?? 'localhost';
  if (typeof host !== 'string' || host.trim() === '') return fail(`'host' of ${name} must be a non-empty string`);
  const protocol = typeof raw.protocol === 'string' ? raw.protocol.toUpperCase() : (raw.protocol ?? 'TCP_SOCKET');
  if (!SERVICE_PROTOCOLS.includes(protocol as ServiceProtocol)) {
    return fail(`'protocol' of ${name} must be one of ${SERVICE_PROTOCOLS.join(', ')}`);
  }
  const maxAge = raw.max_age_ms;
  if (maxAge !== undefined && maxAge !== null && (typeof maxAge !== 'number' || !Number.isInteger(maxAge) || maxAge < 0)) {
    return fail(`'max_age_ms' of ${name} must be a non-negative integer`);
  }
  const fields = raw.fields;
  if (fields !== undefined && fields !== null && (!Array.isArray(fields) || fields.some((f) => !EXTRA_FIELD_ORDER.includes(f)))) {
    return fail(`'fields' of ${name} may only list ${EXTRA_FIELD_ORDER.join(', ')}`);
  }
  const osc = isOsc({ protocol: protocol as ServiceProtocol });
  const { address, args, framing } = raw;
  if (!osc && (address != null || args != null || framing != null)) {
    return fail(`'address', 'args' and 'framing' of ${name} apply to OSC_UDP and OSC_TCP only`);
  }
  if (osc && fields != null) return fail(`'fields' of ${name} shape the JSON line of TCP services; an OSC target lists its values in 'args'`);
  const oscError = osc
    ? oscTargetError(name, { address: address ?? undefined, args: args ?? undefined, framing: framing ?? undefined, protocol: protocol as string })
    : undefined;
  if (oscError) return fail(oscError);
  const wanted = orderedFields(Array.isArray(fields) ? fields : undefined);
  const registration: Registration = {
    name,
    port,
    host,
    protocol: protocol as ServiceProtocol,
    registered_at: typeof raw.registered_at === 'string' && raw.registered_at !== '' ? raw.registered_at : registeredAt,
    ...(typeof maxAge === 'number' && { max_age_ms: maxAge }),
    ...(wanted.length > 0 && { fields: wanted }),
    ...(osc && typeof address === 'string' && { address }),
    ...(osc && args !== undefined && args !== null && { args: args as OscArgsField }),
    ...(osc && typeof framing === 'string' && { framing: framing as OscFraming }),
  };
  return { ok: true, registration };
}

function fail(error: string): Normalized {
  return { ok: false, error };
}
