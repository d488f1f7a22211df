import type { ErrorObject } from 'ajv';
import type { Context, Next } from 'koa';
import type { Validator } from '../validation/validators';

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

/**
 * Validates `ctx.request.body` with `validate` and fills its defaults; a bad body is a 400 with
 * every problem listed, before any handler runs.
 */
export function validateBody(validate: Validator) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const body = (ctx.request as { body?: unknown }).body;
    if (!validate(body)) {
      const details = describeErrors(validate.errors);
      ctx.throw(400, invalidBodyMessage(details), { details });
    }
    await next();
  };
}
