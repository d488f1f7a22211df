import type { Context } from 'koa';
import type { Outcome } from '../adminService';

const STATUS = { not_found: 404, invalid: 400, expired: 410 } as const;

/** Writes an admin action's outcome: the value (shaped by `view`) or its error as `{"error"}`. */
export function answer<T>(ctx: Context, outcome: Outcome<T>, view: (value: T) => unknown = (v) => v, status = 200): void {
  if (!outcome.ok) {
    ctx.status = STATUS[outcome.error.code];
    ctx.body = { error: outcome.error.message };
    return;
  }
  ctx.status = status;
  ctx.body = view(outcome.value);
}
