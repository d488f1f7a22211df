import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import type { RateLimiter } from '../../streams/websocket/rateLimiter';
import type { Logger } from '../log';
import { CLOSE } from '../../streams/websocket/closeCodes';
import type { ClientRecord } from './directory';
import { seqFromText } from '../../streams/contracts';
import { bearerToken } from './routes/adminAuth';
import { retryAfterSeconds } from '../api/errors';
import type { AuthFailureLimiter } from '../security/authFailureLimiter';
import { plainIp } from '../security/plainIp';

export interface UpgradeDeps {
  readonly path: string;
  readonly wss: WebSocketServer;
  readonly limiter: RateLimiter;
  readonly authenticate: (token: string) => ClientRecord | undefined;
  /** A new connection, `authenticating` until `admit`. */
  readonly open: (
    ws: WebSocket,
    socket: Duplex,
    ip: string,
  ) => { admit(client: ClientRecord, lastSeq?: number): void; closeNow(code: number, reason: string): void };
  /** True once the component is stopping: no new connections. */
  readonly stopping: () => boolean;
  /** True when no other listener takes upgrades for other paths (then they get a 404 here). */
  readonly aloneOnServer: () => boolean;
  readonly log: Logger;
  /** The hub's count of failed authentications per address; absent, nothing is counted. */
  readonly authFailures?: Pick<AuthFailureLimiter, 'blockedForMs' | 'fail'>;
}

/** The address a client connected from, IPv4-mapped IPv6 shown as IPv4 (one key per client for the limiter). */
export function remoteIp(req: IncomingMessage): string {
  return plainIp(req.socket.remoteAddress ?? 'unknown');
}

/** Answers an upgrade that will not happen with a plain HTTP error and the usual JSON body. */
function refuse(socket: Duplex, status: number, text: string, error: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ error });
  const lines = [
    `HTTP/1.1 ${status} ${text}`,
    'Connection: close',
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  if (socket.writable) socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
  else socket.destroy();
}

/** Shared by every socket: a reset during the handshake just ends it. */
function destroyOnError(this: Duplex): void {
  this.destroy();
}

/**
 * The server's `upgrade` listener for the WebSocket path: refuses what must not become a
 * connection with an HTTP status (wrong path 404, stopping 503, over the per-IP rate 429 with
 * Retry-After), and completes the rest. A token in `Authorization: Bearer` authenticates at once
 * (`?lastSeq=N` resumes); without one the client has `auth_timeout_ms` to send an `auth` message.
 * A bad token closes with 4401 after the upgrade, so browsers (which cannot read an HTTP status
 * of a failed handshake) see the same answer as everyone else.
 */
export function createUpgradeHandler(deps: UpgradeDeps): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://haven');
    if (url.pathname !== deps.path) {
      if (deps.aloneOnServer()) refuse(socket, 404, 'Not Found', `No WebSocket endpoint at ${url.pathname}; use ${deps.path}`);
      return;
    }
    socket.on('error', destroyOnError);
    if (deps.stopping()) return refuse(socket, 503, 'Service Unavailable', 'Server is shutting down');
    const ip = remoteIp(req);
    const blocked = deps.authFailures?.blockedForMs(ip) ?? null;
    if (blocked !== null) {
      const retry = retryAfterSeconds(blocked);
      return refuse(socket, 429, 'Too Many Requests', `Too many failed authentications from ${ip}; retry in ${retry} s`, { 'Retry-After': String(retry) });
    }
    const decision = deps.limiter.attempt(ip);
    if (!decision.allowed) {
      const retry = retryAfterSeconds(decision.retryAfterMs);
      deps.log.info('connection refused: rate limit', { ip, retryAfterS: retry });
      return refuse(socket, 429, 'Too Many Requests', `Too many connections from ${ip}; retry in ${retry} s`, { 'Retry-After': String(retry) });
    }
    const header = req.headers.authorization;
    const token = bearerToken(header);
    // Read as SSE reads Last-Event-ID: absent or blank is no resume, anything but a seq is refused.
    const lastSeqText = url.searchParams.get('lastSeq')?.trim() ?? '';
    const lastSeq = lastSeqText === '' ? undefined : (seqFromText(lastSeqText) ?? null);
    deps.wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = deps.open(ws, socket, ip);
      if (header === undefined) return;
      if (lastSeq === null) return conn.closeNow(CLOSE.badRequest.code, 'lastSeq must be a non-negative integer');
      const client = token ? deps.authenticate(token) : undefined;
      if (!client) {
        deps.authFailures?.fail(ip);
        return conn.closeNow(CLOSE.unauthorized.code, token ? 'invalid token' : 'malformed Authorization header (expected Bearer <token>)');
      }
      conn.admit(client, lastSeq);
    });
  };
}
