import type { IncomingMessage } from 'node:http';
import coBody from 'co-body';
import type { Options as BodyParserOptions } from 'koa-bodyparser';

/** Largest JSON body the API accepts, in bytes (Koa's body parser and the fast path alike). */
export const JSON_LIMIT_BYTES = 64 * 1024;

/** The 400 answer's text for a body that is not JSON (Koa route and fast path alike). */
const INVALID_JSON_MESSAGE = 'Invalid JSON body';

/** The 415 answer's text for a compression co-body cannot undo (inflation knows these). */
const UNSUPPORTED_ENCODING_MESSAGE = 'Unsupported Content-Encoding (send the JSON uncompressed, or as gzip, deflate or br)';

/**
 * The media types koa-bodyparser parses as JSON (its default list, which {@link rules} keeps): a
 * body of any other type is never read, so a route would see `{}`. Matched with type-is, as it does.
 */
export const JSON_TYPES: readonly string[] = [
  'application/json',
  'application/json-patch+json',
  'application/vnd.api+json',
  'application/csp-report',
  'application/scim+json',
];

/** The 413 answer's text, the same on the fast path and through Koa. */
function tooLargeMessage(limitBytes: number): string {
  return `Request body too large (limit ${limitBytes} bytes)`;
}

/**
 * koa-bodyparser's options with `jsonLimit` as a number of bytes, which it hands co-body and
 * co-body hands raw-body as is (its types say only a string such as '64kb', which raw-body would
 * parse with the bytes package on every request, on both routes).
 */
type BodyRules = Omit<BodyParserOptions, 'jsonLimit'> & { readonly jsonLimit: number };

/** The API's body rules, in koa-bodyparser's terms: JSON only, at most {@link JSON_LIMIT_BYTES}, strict. */
function rules() {
  return { enableTypes: ['json'], jsonLimit: JSON_LIMIT_BYTES, strict: true } satisfies BodyRules;
}

// What koa-bodyparser hands co-body's JSON parser for those rules: every option it was given,
// `limit` taken from `jsonLimit`, and `returnRawBody` forced on (its `formatOptions(opts, 'json')`).
// Built once: co-body copies it per request and never writes to it.
const RULES = rules();
const CO_BODY_JSON: coBody.Options = { ...RULES, limit: RULES.jsonLimit, returnRawBody: true };

/** The status and `error` text of the answer to a body the parser refused. */
export interface BodyRefusal {
  readonly status: 400 | 413 | 415;
  readonly message: string;
}

/**
 * How a parser error becomes an answer, for both routes: raw-body's 413 says the limit;
 * inflation's 415 for an unknown `Content-Encoding` says what it can undo; every other refusal
 * (co-body's 400 for text that is not strict JSON or holds `__proto__`, an aborted or short body,
 * a corrupt compressed stream) is the one "Invalid JSON body" 400.
 */
export function bodyRefusal(err: unknown): BodyRefusal {
  const status = (err as { status?: unknown } | null)?.status;
  if (status === 413) return { status: 413, message: tooLargeMessage(JSON_LIMIT_BYTES) };
  if (status === 415) return { status: 415, message: UNSUPPORTED_ENCODING_MESSAGE };
  return { status: 400, message: INVALID_JSON_MESSAGE };
}

/**
 * koa-bodyparser's options for the API's Koa routes: {@link parseJsonBody}'s rules, refusals
 * answered by {@link bodyRefusal}. A fresh object per call, because koa-bodyparser writes into the
 * one it is given.
 */
export function bodyParserOptions(): BodyParserOptions {
  const options: BodyRules = {
    ...rules(),
    onerror: (err, ctx) => {
      const { status, message } = bodyRefusal(err);
      ctx.throw(status, message);
    },
  };
  // Its types declare the limit as a string only; at run time it passes the number through.
  return options as unknown as BodyParserOptions;
}

/**
 * Reads and parses a request body with the very call koa-bodyparser makes for
 * {@link bodyParserOptions} (co-body's JSON parser on raw-body, with the same options), so a route
 * outside Koa parses exactly as the Koa routes do: UTF-8 with the byte order mark dropped, an empty
 * body is `{}`, only an object or an array, no `__proto__` key. Resolves with co-body's own
 * `{ parsed }` answer, which the caller reads in its own callback (one promise fewer per request);
 * rejects with co-body's error: turn it into the answer with {@link bodyRefusal}.
 */
export function parseJsonBody(req: IncomingMessage): Promise<{ readonly parsed: unknown }> {
  return coBody.json(req, CO_BODY_JSON) as Promise<{ parsed: unknown }>;
}
