import type { AnswerMessage, DashboardUpdate, LogEntry, ServiceRow, SocketRow, SourceRow, TriggerMessage, TriggerRow, TriggerState, Welcome } from './types';

/** Where the browser keeps the signed-in token (the dashboard's WebSocket and its WEB buttons send it). */
export const TOKEN_KEY = 'haven.token';

/** Everything the page shows, kept by {@link HubClient}. */
export interface HubState {
  readonly status: 'connecting' | 'live' | 'reconnecting';
  readonly me?: Welcome;
  readonly triggers: ReadonlyMap<string, TriggerRow>;
  readonly services: readonly ServiceRow[];
  readonly sources: readonly SourceRow[];
  readonly power: readonly SocketRow[];
  readonly rate: DashboardUpdate['rate'];
  /** Amperage samples per socket: [unix seconds[], amperes[]]. */
  readonly amps: ReadonlyMap<string, [number[], number[]]>;
  readonly log: readonly LogEntry[];
  /** Hub clock minus this device's, so ages are the hub's. */
  readonly offsetMs: number;
}

const MAX_LOG = 300;
const MAX_SAMPLES = 600;
const RECONNECT_MS = 2000;

/** Why the hub closed: 4401 is a bad token (sign in again); anything else is worth a reconnect. */
const UNAUTHORIZED = 4401;
const REVOKED = 4403;

/**
 * The dashboard's one WebSocket: authenticates with the token, asks for the dashboard feed and
 * folds every message into one state object; reconnects after a drop (the hub's resync brings the
 * state back), gives up on a refused token.
 */
export class HubClient {
  state: HubState = {
    status: 'connecting',
    triggers: new Map(),
    services: [],
    sources: [],
    power: [],
    rate: { periodMs: 1000, counts: [] },
    amps: new Map(),
    log: [],
    offsetMs: 0,
  };
  private ws: WebSocket | undefined;
  private closed = false;
  private nextKey = 1;
  private timer: number | undefined;

  constructor(
    private readonly token: string,
    private readonly onChange: (s: HubState) => void,
    private readonly onRefused: (why: string) => void,
  ) {
    this.connect();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.ws?.close(1000, 'signed out');
  }

  private set(patch: Partial<HubState>): void {
    this.state = { ...this.state, ...patch };
    this.onChange(this.state);
  }

  private logLine(entry: Omit<LogEntry, 'key'>): void {
    this.set({ log: [{ ...entry, key: this.nextKey++ }, ...this.state.log].slice(0, MAX_LOG) });
  }

  private connect(): void {
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
    this.ws = ws;
    ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', token: this.token }));
    ws.onmessage = (e) => this.receive(JSON.parse(String(e.data)));
    ws.onclose = (e) => {
      if (this.closed) return;
      if (e.code === UNAUTHORIZED || e.code === REVOKED) return this.onRefused(e.reason || 'The hub refused this token');
      this.set({ status: 'reconnecting' });
      this.timer = window.setTimeout(() => this.connect(), RECONNECT_MS);
    };
  }

  private receive(m: { type: string; id?: number; data?: unknown; success?: boolean; result?: unknown }): void {
    switch (m.type) {
      case 'connected':
        this.set({ me: m.data as Welcome });
        this.ws?.send(JSON.stringify({ type: 'subscribe_dashboard', id: 'dashboard' }));
        return;
      case 'result':
        if ((m.id as unknown) === 'dashboard' && m.success) {
          this.update(m.result as DashboardUpdate);
          this.set({ status: 'live' });
        }
        return;
      case 'dashboard':
        return this.update(m.data as DashboardUpdate);
      case 'resync':
        return this.resync((m.data as { state: Record<string, TriggerState> }).state);
      case 'trigger':
        return this.trigger(m.data as TriggerMessage);
      case 'answer': {
        const a = m.data as AnswerMessage;
        return this.logLine({ at: a.timestamp, kind: 'rejected', reason: a.reason, text: `${a.name} = ${show(a.value)} from ${a.source}: ${a.message}` });
      }
      case 'service_status': {
        const s = m.data as { service: string; previous: string; status: string; detail?: string; timestamp: string };
        return this.logLine({ at: s.timestamp, kind: 'service', text: `${s.service}: ${s.previous} → ${s.status}${s.detail ? ` (${s.detail})` : ''}` });
      }
      case 'power':
        return this.power(m.data as { type: string; socket: string; instanceId?: string; timestamp: string; data?: { currentA?: number } });
      case 'shutdown':
        return this.logLine({ at: new Date().toISOString(), kind: 'info', text: 'The hub is shutting down; reconnecting when it is back' });
    }
  }

  private update(u: DashboardUpdate): void {
    const offsetMs = Date.parse(u.serverTime) - Date.now();
    this.set({
      sources: u.sources,
      power: u.power,
      rate: u.rate,
      offsetMs,
      services: u.services ?? [],
      ...(u.triggers ? { triggers: new Map(u.triggers.map((t) => [t.name, t])) } : {}),
    });
  }

  private resync(state: Record<string, TriggerState>): void {
    const triggers = new Map(this.state.triggers);
    for (const [name, s] of Object.entries(state)) {
      const row = triggers.get(name);
      if (row) triggers.set(name, { ...row, state: s });
    }
    this.set({ triggers });
  }

  private trigger(t: TriggerMessage): void {
    const triggers = new Map(this.state.triggers);
    const row = triggers.get(t.name);
    if (row) triggers.set(t.name, { ...row, state: { value: t.value, id: t.id, timestamp: t.timestamp } });
    this.set({ triggers });
    this.logLine({
      at: t.timestamp,
      kind: 'accepted',
      text: `${t.name} = ${show(t.value)}${t.id != null ? ` #${t.id}` : ''} from ${t.source}${t.kind === 'status' ? ' (status)' : ''}`,
    });
  }

  private power(p: { type: string; socket: string; instanceId?: string; timestamp: string; data?: { currentA?: number } }): void {
    if (p.type === 'sample') {
      if (typeof p.data?.currentA !== 'number') return;
      const amps = new Map(this.state.amps);
      const [xs, ys] = amps.get(p.socket) ?? [[], []];
      amps.set(p.socket, [[...xs, Date.parse(p.timestamp) / 1000].slice(-MAX_SAMPLES), [...ys, p.data.currentA].slice(-MAX_SAMPLES)]);
      return this.set({ amps });
    }
    this.logLine({ at: p.timestamp, kind: 'power', text: `${p.socket}: ${p.type.replace('_', ' ')}${p.instanceId ? ` ${p.instanceId}` : ''}` });
  }
}

/** A value as the log shows it. */
export function show(v: unknown): string {
  return v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v);
}
