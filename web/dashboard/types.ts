/** What the hub sends a dashboard (see src/websocket/dashboardFeed.ts and the README's WebSocket section). */

export type TriggerType = 'On/Off' | 'Discrete' | 'Continuous' | 'OneShot';

export interface TriggerState {
  readonly value: string | number | null;
  readonly id: number | null;
  readonly timestamp: string;
}

export interface TriggerRow {
  readonly name: string;
  readonly type: TriggerType;
  readonly category: string;
  readonly values?: readonly (string | number)[];
  readonly min?: number;
  readonly max?: number;
  readonly displayName?: string;
  readonly state: TriggerState | null;
}

export interface ServiceRow {
  readonly name: string;
  readonly protocol: string;
  readonly host: string;
  readonly port: number;
  readonly status: string;
  readonly delivered: number;
  readonly expired: number;
  readonly downForMs: number | null;
}

export interface SourceRow {
  readonly name: string;
  readonly state: string;
  readonly detail?: string;
}

export interface SocketRow {
  readonly socket: string;
  readonly driver?: string;
  readonly status?: string;
  readonly power?: string;
  readonly fault?: string | null;
  readonly runningInstances?: readonly string[];
}

/** The periodic `dashboard` message; the first one (the answer to `subscribe_dashboard`) also has `triggers`. */
export interface DashboardUpdate {
  readonly seq: number;
  readonly serverTime: string;
  readonly role?: 'admin' | 'client';
  readonly services?: readonly ServiceRow[];
  readonly sources: readonly SourceRow[];
  readonly power: readonly SocketRow[];
  readonly rate: { readonly periodMs: number; readonly counts: readonly number[] };
  readonly triggers?: readonly TriggerRow[];
}

export interface TriggerMessage {
  readonly seq: number;
  readonly kind: 'event' | 'status';
  readonly name: string;
  readonly value: string | number | null;
  readonly id: number | null;
  readonly type: TriggerType;
  readonly source: string;
  readonly timestamp: string;
}

export interface AnswerMessage {
  readonly accepted: false;
  readonly source: string;
  readonly kind: string;
  readonly name: string;
  readonly value?: unknown;
  readonly id?: number | null;
  readonly reason: string;
  readonly message: string;
  readonly timestamp: string;
}

export interface Welcome {
  readonly clientId: string;
  readonly name: string;
  readonly role: 'admin' | 'client';
  readonly areas: readonly { id: string; name: string }[];
}

/** One line of the event log. */
export interface LogEntry {
  readonly key: number;
  readonly at: string;
  readonly kind: 'accepted' | 'rejected' | 'service' | 'power' | 'info';
  readonly text: string;
  readonly reason?: string;
}
