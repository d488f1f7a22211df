/** Severity, lowest first; `silent` logs nothing. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

/** Keys whose values are secrets: they are replaced before a line is written. */
const SECRET_KEY = /(token|secret|password|api[-_]?key|authorization|code)$/i;

/** Structured fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/** A small structured logger: one line per record, `[prefix]` first so logs grep like the seed's. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger whose lines carry `prefix` (for example `SSE`, `Service FlameServer`). */
  child(prefix: string): Logger;
}

/** Bounds a payload for logging: printable ASCII only, at most `max` characters. */
export function sanitizeForLog(payload: unknown, max = 200): string {
  const text = typeof payload === 'string' ? payload : safeJson(payload);
  const printable = text.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return printable.length > max ? `${printable.slice(0, max)}…(${printable.length} chars)` : printable;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function redact(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [k, v] of Object.entries(fields)) out[k] = SECRET_KEY.test(k) ? '[redacted]' : v;
  return out;
}

/** Writes to stderr at `level` and above (default from `HAVEN_LOG_LEVEL`, else `info`). */
export function createLogger(
  prefix = 'Haven',
  level: LogLevel = (process.env.HAVEN_LOG_LEVEL as LogLevel) ?? 'info',
  write: (line: string) => void = (line) => process.stderr.write(line + '\n'),
): Logger {
  const min = ORDER[level] ?? ORDER.info;
  const emit = (lvl: LogLevel, msg: string, fields?: LogFields): void => {
    if (ORDER[lvl] < min) return;
    const extra = fields && Object.keys(fields).length ? ' ' + sanitizeForLog(redact(fields), 1000) : '';
    write(`${new Date().toISOString()} ${lvl.toUpperCase().padEnd(5)} [${prefix}] ${msg}${extra}`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (p) => createLogger(p, level, write),
  };
}
