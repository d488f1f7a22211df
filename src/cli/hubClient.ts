import type { Command } from 'commander';
import type { CommandContext } from './subcommand';

/** A hub's answer: its HTTP status and its JSON body (or the text, when it is not JSON). */
export interface HubAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** The hub's base URL and credentials, as a client command resolved them. */
export interface HubTarget {
  readonly url: string;
  /** Admin (or client) token for `Authorization: Bearer`. */
  readonly token?: string;
  /** API key for `x-api-key` (event streams). */
  readonly key?: string;
}

/** A failure to talk to the hub at all, worded for the operator: what happened and what to try. */
export class HubUnreachable extends Error {}

/** Adds `--url` (and the credentials the command needs) to a client command. */
export function hubOptions(command: Command, credentials: { token?: boolean; key?: boolean } = {}): Command {
  command.option('--url <url>', "the hub's base URL (default: HAVEN_URL, else http://<comm.http.host>:<comm.http.port> of the config)");
  if (credentials.token) command.option('--token <token>', 'admin token (default: HAVEN_TOKEN); haven tokens create-admin makes one');
  if (credentials.key) command.option('--key <key>', 'API key with an organization (default: HAVEN_KEY); haven keys create --org <id> makes one');
  return command;
}

/** Where the hub is: `--url`, else HAVEN_URL, else the config's HTTP listener (0.0.0.0 reached on loopback). */
export function hubTarget(opts: { url?: string; token?: string; key?: string }, ctx: CommandContext): HubTarget {
  let url = opts.url ?? ctx.env.HAVEN_URL;
  if (!url) {
    const { host, port } = ctx.config().comm.http;
    const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
    url = `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
  }
  return { url: url.replace(/\/+$/, ''), token: opts.token ?? ctx.env.HAVEN_TOKEN, key: opts.key ?? ctx.env.HAVEN_KEY };
}

/** One request to the hub; throws {@link HubUnreachable} with a message that says what to fix. */
export async function callHub(target: HubTarget, method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<HubAnswer> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (target.token) headers.authorization = `Bearer ${target.token}`;
  if (target.key) headers['x-api-key'] = target.key;
  let res: Response;
  try {
    res = await fetch(target.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
  } catch (err) {
    throw unreachable(target.url, err);
  }
  return { status: res.status, body: jsonBody(await res.text()) };
}

/** An answer's body: its JSON object, or `{ error: text }` when it is not JSON. */
export function jsonBody(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // Not JSON: the text is the message.
  }
  return { error: text };
}

/** Why a connection failed, in the operator's words. */
export function unreachable(url: string, err: unknown): HubUnreachable {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const why =
    cause?.code === 'ECONNREFUSED'
      ? 'connection refused'
      : cause?.code === 'ENOTFOUND'
        ? 'unknown host'
        : (cause?.code ?? cause?.message ?? (err as Error).message);
  return new HubUnreachable(`cannot reach the hub at ${url} (${why}): is it running? start it with \`haven start\` or pass --url`);
}

/** What the hub said went wrong, for an error line: `401 Invalid or revoked token`. */
export function hubError(answer: HubAnswer): string {
  const { error = answer.body.message, reason } = answer.body;
  return `${answer.status} ${typeof error === 'string' ? error : JSON.stringify(answer.body)}${typeof reason === 'string' ? ` (${reason})` : ''}`;
}
