import type { Socket } from 'node:net';
import WebSocket from 'ws';
import type { RuntimeOptions } from '../../../src/runtime/runtime';
import type { WebSocketComponent } from '../../../src/websocket/websocketComponent';
import { startHub, type TestHub } from '../../helpers/hub';

/** A server message as tests read it. */
export type Msg = { type: string; seq?: number; id?: number | string; data?: any; success?: boolean; result?: any; error?: any };

const WAIT_MS = 3000;

/** Resolves when `check` returns something, polling on events; rejects after `ms` with `what`. */
function waitUntil<T>(subscribe: (wake: () => void) => () => void, check: () => T | undefined, what: string, ms = WAIT_MS): Promise<T> {
  return new Promise((resolve, reject) => {
    const first = check();
    if (first !== undefined) return resolve(first);
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    const unsubscribe = subscribe(() => {
      const v = check();
      if (v === undefined) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(v);
    });
  });
}

/** A real `ws` client that records every message and how it closed. */
export class TestClient {
  readonly messages: Msg[] = [];
  closeInfo: { code: number; reason: string } | undefined;
  private nextId = 1;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(data.toString()));
      ws.emit('recorded');
    });
    ws.on('close', (code, reason) => {
      this.closeInfo = { code, reason: reason.toString() };
      ws.emit('recorded');
    });
    ws.on('error', () => undefined);
  }

  private watch = (wake: () => void) => {
    this.ws.on('recorded', wake);
    return () => this.ws.off('recorded', wake);
  };

  /** The first recorded message (from `from` on) that matches. */
  waitFor(match: (m: Msg) => boolean, what = 'a message', from = 0, ms?: number): Promise<Msg> {
    return waitUntil(this.watch, () => this.messages.slice(from).find(match), what, ms);
  }

  ofType(type: string): Msg[] {
    return this.messages.filter((m) => m.type === type);
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Sends a request with a fresh id and resolves with its `result`. */
  async request(message: Record<string, unknown>): Promise<Msg> {
    const id = this.nextId++;
    const from = this.messages.length;
    this.send({ ...message, id });
    return this.waitFor((m) => m.type === 'result' && m.id === id, `result ${id}`, from);
  }

  /**
   * A barrier: the server answers requests in order after everything it queued for this
   * connection before, so once the pong is here, nothing sent earlier is still on its way.
   */
  async sync(): Promise<void> {
    await this.request({ type: 'ping' });
  }

  closed(ms?: number): Promise<{ code: number; reason: string }> {
    return waitUntil(this.watch, () => this.closeInfo, 'the connection to close', ms);
  }

  /** Messages of the types that carry events (not results), from index `from`. */
  eventsSince(from: number): Msg[] {
    return this.messages.slice(from).filter((m) => m.type !== 'result');
  }
}

export interface WsHub {
  readonly hub: TestHub;
  readonly ws: WebSocketComponent;
  /** `ws://127.0.0.1:<port>/ws` */
  readonly wsUrl: string;
  readonly adminToken: string;
  /** Opens a client; with `token` it authenticates at the upgrade. Resolves once open. */
  connect(opts?: { token?: string; lastSeq?: number; path?: string; headers?: Record<string, string> }): Promise<TestClient>;
  /** Opens and authenticates (header), resolving after `connected`. */
  login(token: string, lastSeq?: number): Promise<TestClient>;
  /** Calls the REST API; `token` defaults to the admin's. */
  api(method: string, path: string, body?: unknown, token?: string | null): Promise<{ status: number; body: any; headers: Headers }>;
  /** Reports one trigger through the hub's gateway (the real pipeline, no HTTP in between). */
  fire(name: string, value?: unknown, id?: number): Promise<void>;
  rawSockets: Socket[];
  stop(opts?: { keepData?: boolean }): Promise<void>;
}

/** Starts a hub with the WebSocket component and an admin; `stop()` closes every client it opened. */
export async function startWsHub(overrides: Record<string, unknown> = {}, options: Partial<RuntimeOptions> & { dataDir?: string } = {}): Promise<WsHub> {
  const hub = await startHub(overrides as never, options);
  const ws = hub.component<WebSocketComponent>('websocket');
  const created = ws.admin.createClient('test admin', 'admin', []);
  if (!created.ok) throw new Error('cannot create admin');
  const wsUrl = hub.url.replace('http', 'ws') + hub.config.websocket.path;
  const clients: TestClient[] = [];
  const rawSockets: Socket[] = [];
  const harness: WsHub = {
    hub,
    ws,
    wsUrl,
    adminToken: created.value.token,
    rawSockets,
    connect({ token, lastSeq, path, headers = {} } = {}) {
      const url = (path ? hub.url.replace('http', 'ws') + path : wsUrl) + (lastSeq !== undefined ? `?lastSeq=${lastSeq}` : '');
      const socket = new WebSocket(url, { headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) } });
      const client = new TestClient(socket);
      clients.push(client);
      return new Promise((resolve, reject) => {
        socket.once('open', () => resolve(client));
        socket.once('unexpected-response', (_req, res) =>
          reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, headers: res.headers })),
        );
        socket.once('error', reject);
      });
    },
    async login(token, lastSeq) {
      const client = await harness.connect({ token, lastSeq });
      await client.waitFor((m) => m.type === 'connected', 'connected');
      return client;
    },
    async api(method, path, body, token) {
      const headers: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token ?? created.value.token}` };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(hub.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
    },
    async fire(name, value, id) {
      const d = await hub.runtime.report({ source: 'HTTP', kind: 'event', name, value, id, remote: '127.0.0.1' });
      if (!d.accepted) throw new Error(`${name}=${String(value)} rejected: ${d.reason}`);
    },
    async stop(opts) {
      for (const c of clients) c.ws.terminate();
      for (const s of rawSockets) s.destroy();
      await hub.stop(opts);
    },
  };
  return harness;
}

export { stalledReader } from '../../helpers/stalledClients';
export { waitUntil };
