/** Largest JSON body the API accepts, in bytes (Koa's body parser and the fast path alike). */
export const JSON_LIMIT_BYTES = 64 * 1024;

// What koa-bodyparser (co-body, strict) accepts before parsing: an object or an array.
const STRICT_JSON = /^[\x20\x09\x0a\x0d]*(\[|\{)/;
// A `"__proto__":` key, possibly escaped (the check @hapi/bourne runs for co-body).
const SUSPECT_PROTO = /"(?:_|\\u005[Ff])(?:_|\\u005[Ff])(?:p|\\u0070)(?:r|\\u0072)(?:o|\\u006[Ff])(?:t|\\u0074)(?:o|\\u006[Ff])(?:_|\\u005[Ff])(?:_|\\u005[Ff])"\s*:/;

/**
 * Parses a request body exactly as the API's Koa body parser does (koa-bodyparser, strict): the
 * UTF-8 byte order mark dropped, an empty body is `{}`, only an object or an array is JSON
 * here, and an own `__proto__` key anywhere is refused. Throws a SyntaxError otherwise.
 */
export function parseJsonBody(raw: Buffer): unknown {
  let text = raw.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.length === 0) return {};
  if (!STRICT_JSON.test(text)) throw new SyntaxError('invalid JSON, only supports object and array');
  const value: unknown = JSON.parse(text);
  if (SUSPECT_PROTO.test(text) && hasProtoKey(value)) throw new SyntaxError('Object contains forbidden prototype property');
  return value;
}

function hasProtoKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Object.prototype.hasOwnProperty.call(value, '__proto__')) return true;
  return Object.values(value).some(hasProtoKey);
}

/** The 413 answer's text, the same on the fast path and through Koa. */
export function tooLargeMessage(limitBytes: number): string {
  return `Request body too large (limit ${limitBytes} bytes)`;
}

/** The 400 answer's text for a body that is not JSON (Koa route and fast path alike). */
export const INVALID_JSON_MESSAGE = 'Invalid JSON body';
