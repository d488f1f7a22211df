const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const RELATIVE = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * A point in time from the command line, in ms since the epoch: ISO 8601
 * (`2026-12-02T10:00:00Z`, `2026-12-02T11:00+01:00`; without a zone it is local time, a date alone
 * local midnight), `now`, or a time ago (`90s`, `10m`, `2h`, `7d`) counted back from `nowMs`.
 * Undefined when it is none of these.
 */
export function parseTimeArg(text: string, nowMs: number): number | undefined {
  if (text === 'now') return nowMs;
  const ago = RELATIVE.exec(text);
  if (ago) return nowMs - Number(ago[1]) * UNIT_MS[ago[2]];
  if (!ISO_8601.test(text)) return undefined;
  // Date.parse reads a date alone as UTC but a date and time without a zone as local: an operator's
  // `--since 2026-12-02` means that day here, as `--since 2026-12-02T00:00` does.
  const ms = Date.parse(DATE_ONLY.test(text) ? `${text}T00:00` : text);
  return Number.isNaN(ms) ? undefined : ms;
}
