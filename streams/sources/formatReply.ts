import type { Decision } from '../contracts';

/** Longest message in an `ERR` line; the rest is cut with `…`. */
export const MAX_REPLY_MESSAGE = 300;

const CONTROL = /[\x00-\x1f\x7f]/g;

/**
 * The reply line for one decision: `OK <seq>\n` on acceptance, `ERR <reason> <message>\n`
 * otherwise. The message is one line of printable text, however the rejection was worded.
 *
 * ```
 * accepted seq 12        →  "OK 12\n"
 * rejected cooldown      →  "ERR cooldown Source TCP (priority 1) is cooling down …\n"
 * ```
 */
export function formatDecision(decision: Decision): string {
  return decision.accepted ? `OK ${decision.event.seq}\n` : formatError(decision.reason, decision.message);
}

/** An `ERR` line for a problem found before the gateway (`bad_line`, `line_too_long`). */
export function formatError(reason: string, message: string): string {
  const flat = message.replace(CONTROL, ' ');
  const bounded = flat.length > MAX_REPLY_MESSAGE ? `${flat.slice(0, MAX_REPLY_MESSAGE)}…` : flat;
  return `ERR ${reason} ${bounded}\n`;
}
