import pino, { type DestinationStream, type Logger as Pino } from 'pino';
import type { PrettyOptions } from 'pino-pretty';

/** Severity, lowest first; `silent` logs nothing. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

/** Structured fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/** A small structured logger: one JSON line per record, its `component` a field (`"component":"Service FlameServer"`). */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger whose lines carry `component: prefix` (for example `SSE`, `Service FlameServer`); it replaces the parent's. */
  child(prefix: string): Logger;
}

/**
 * The fields that hold secrets, by path (pino's `redact`): the secret's own field name where a
 * call logs one, and the secret paths of a config dump. Paths, not key patterns: a pattern such
 * as "ends in code" also hid `statusCode`. A new log call that carries a secret names it with one
 * of these paths or adds its own here. URLs keep everything but their password.
 */
export const REDACTED_PATHS: readonly string[] = [
  'token',
  'apiKey',
  'password',
  'authorization',
  'url',
  'config.bus.redis_url',
  'config.power.sockets[*].password',
];

const REDACTED = '[redacted]';

/** A URL with its password replaced (`redis://user:***@host:6379`); not a URL: the whole value hidden. */
export function urlForLog(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return REDACTED;
  }
}

const censor = (value: unknown, path: string[]): unknown => (path[path.length - 1].endsWith('url') && typeof value === 'string' ? urlForLog(value) : REDACTED);

/** pino-pretty's layout: `[time] LEVEL: [component] message {fields}`, one line, as the hub logged before pino. */
const PRETTY = (colorize: boolean): PrettyOptions => ({
  colorize,
  singleLine: true,
  messageFormat: '[{component}] {msg}',
  ignore: 'pid,hostname,component',
  translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
});

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

/** `value` if it names a level, else undefined (an unknown level in the env is ignored, not fatal). */
export function logLevelOf(value: string | undefined): LogLevel | undefined {
  return LEVELS.find((l) => l === value?.toLowerCase());
}

/** Where and how lines are written. */
export interface LogOptions {
  /** Default `Haven`. */
  readonly component?: string;
  /** Default `HAVEN_LOG_LEVEL`, else `info`. */
  readonly level?: LogLevel;
  /** One call per JSON line, without its newline (tests read them); default stderr. */
  readonly write?: (line: string) => void;
  /** Human-readable lines (pino-pretty) instead of JSON; default: when writing to stderr and it is a terminal. */
  readonly pretty?: boolean;
}

/**
 * The log on stderr (stdout stays for what a command prints: `haven tail`, `haven listen`). JSON
 * lines, or pino-pretty's lines when a person watches a terminal, formatted in-process (no worker
 * thread). Both are written synchronously (stderr is synchronous on a terminal, a file or a pipe
 * on Linux), so nothing is lost when the process exits.
 */
export function createLoggerWith({ component = 'Haven', level, write, pretty: human = !write && process.stderr.isTTY === true }: LogOptions = {}): Logger {
  const out = write ?? ((line: string) => process.stderr.write(`${line}\n`));
  let destination: DestinationStream;
  if (human) {
    // Required here: a hub logging JSON (a service, a pipe, CI) never loads pino-pretty (see the README's start-up figures).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { prettyFactory } = require('pino-pretty') as typeof import('pino-pretty');
    const prettify = prettyFactory(PRETTY(!write));
    destination = { write: (line: string) => out(prettify(line).replace(/\n$/, '')) };
  } else destination = write ? { write: (line: string) => write(line.replace(/\n$/, '')) } : pino.destination({ dest: 2, sync: true });
  const root = pino(
    {
      // Checked, not trusted: callers pass env values through (`as LogLevel`), and pino throws on an unknown level.
      level: logLevelOf(level) ?? logLevelOf(process.env.HAVEN_LOG_LEVEL) ?? 'info',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...REDACTED_PATHS], censor },
    },
    destination,
  );
  // Every child hangs off the root, so a child's prefix replaces its parent's rather than repeating the field.
  const wrap = (p: Pino): Logger => ({
    debug: (msg, fields) => (fields ? p.debug(fields, msg) : p.debug(msg)),
    info: (msg, fields) => (fields ? p.info(fields, msg) : p.info(msg)),
    warn: (msg, fields) => (fields ? p.warn(fields, msg) : p.warn(msg)),
    error: (msg, fields) => (fields ? p.error(fields, msg) : p.error(msg)),
    child: (prefix) => wrap(root.child({ component: prefix })),
  });
  return wrap(root.child({ component }));
}

/** {@link createLoggerWith} by position, as most call sites and tests build one. */
export function createLogger(prefix = 'Haven', level?: LogLevel, write?: (line: string) => void): Logger {
  return createLoggerWith({ component: prefix, level, write });
}

/** The `log` section of the haven config. */
export interface LogConfig {
  readonly level: LogLevel;
  /** Absent: pretty when stderr is a terminal. */
  readonly pretty?: boolean;
}

/** The hub's logger from its config; `HAVEN_LOG_LEVEL` in `env` wins over `log.level`. `write` as in {@link LogOptions}. */
export function createConfiguredLogger(
  config: LogConfig,
  { env = process.env, write }: { readonly env?: NodeJS.ProcessEnv; readonly write?: LogOptions['write'] } = {},
): Logger {
  return createLoggerWith({ level: logLevelOf(env.HAVEN_LOG_LEVEL) ?? config.level, pretty: config.pretty, write });
}
