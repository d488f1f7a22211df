import Ajv, { type AnySchema, type ErrorObject, type ValidateFunction } from 'ajv';
import type { Context, Next } from 'koa';

const ajv = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: false, strict: false });
const compiled = new WeakMap<object, ValidateFunction>();

/** One line per problem, `/field message`, as the 400 body shows them. */
export function describeErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const at = e.instancePath || '(body)';
    if (e.keyword === 'additionalProperties') return `${at} has unknown field '${(e.params as { additionalProperty: string }).additionalProperty}'`;
    if (e.keyword === 'enum')
      return `${at} must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    return `${at} ${e.message}`;
  });
}

/** The 400 answer's `error` text for a body that failed its schema (Koa route and fast path alike). */
export function invalidBodyMessage(details: readonly string[]): string {
  return `Invalid request body: ${details.join('; ')}`;
}

/** The compiled validator for `schema` (compiled once, on first use). */
export function validatorFor(schema: AnySchema): ValidateFunction {
  let v = compiled.get(schema as object);
  if (!v) {
    v = ajv.compile(schema);
    compiled.set(schema as object, v);
  }
  return v;
}

/**
 * Validates `ctx.request.body` against `schema` and fills its defaults; a bad body is a 400 with
 * every problem listed, before any handler runs.
 */
export function validateBody(schema: AnySchema) {
  const validate = validatorFor(schema);
  return async (ctx: Context, next: Next): Promise<void> => {
    const body = (ctx.request as { body?: unknown }).body;
    if (!validate(body)) {
      const details = describeErrors(validate.errors);
      ctx.throw(400, invalidBodyMessage(details), { details });
    }
    await next();
  };
}
