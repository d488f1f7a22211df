import type { EventEnvelope } from './envelope';

/** The SSE `event:` names of the seed: a client listens with `addEventListener(name, …)`. */
export type SseEventName = 'connection' | 'event' | 'heartbeat' | 'system';

/** Why a `system` message was sent; `message` says it in words. */
export type SystemCode = 'bus_down' | 'bus_up' | 'shutdown' | 'resync' | 'key_revoked';

/** The `data` of a `system` message. */
export interface SystemNotice {
  readonly type: 'system';
  readonly code: SystemCode;
  readonly message: string;
  readonly timestamp: string;
  /** Shutdown: when to come back (also the SSE `retry:` field). */
  readonly reconnectAfterMs?: number;
  /** Resync: the `Last-Event-ID` the client sent and the newest seq there is. */
  readonly lastEventId?: number;
  readonly latestSeq?: number;
}

/** The `data` of the `connection` message that opens every stream. */
export interface ConnectionNotice {
  readonly type: 'connection';
  readonly message: string;
  readonly connectionId: string;
  readonly organizationId: string;
  readonly filters: { readonly eventCategories: readonly string[] | null; readonly eventTypes: readonly string[] | null };
  /** `up` / `down`: whether events from other hub processes flow (always `up` without Redis). */
  readonly bus: 'up' | 'down';
  readonly heartbeatMs: number;
  /** The `Last-Event-ID` the stream resumes after, or null for a fresh stream. */
  readonly resumeAfter: number | null;
  readonly latestSeq: number;
  readonly timestamp: string;
}

/** The `data` of a `heartbeat` message. */
export interface HeartbeatNotice {
  readonly type: 'heartbeat';
  readonly timestamp: string;
}

/** One message of a stream, before it is written as text. */
export type SseMessage =
  | { readonly event: 'connection'; readonly data: ConnectionNotice; readonly retry?: number }
  | { readonly event: 'event'; readonly data: EventEnvelope; readonly id?: number }
  | { readonly event: 'heartbeat'; readonly data: HeartbeatNotice }
  | { readonly event: 'system'; readonly data: SystemNotice; readonly retry?: number };

/**
 * An `event` message. A local trigger event carries its seq as the SSE `id:` (what the browser
 * sends back as `Last-Event-ID`); an event relayed from another process, or without a seq, carries
 * none, which leaves the client's last id as it was.
 */
export function eventMessage(envelope: EventEnvelope): SseMessage {
  return envelope.seq !== null && envelope.relayedFrom === undefined
    ? { event: 'event', data: envelope, id: envelope.seq }
    : { event: 'event', data: envelope };
}

/** A `system` message; `retry` also sets the client's reconnection delay. */
export function systemMessage(notice: Omit<SystemNotice, 'type'>, retry?: number): SseMessage {
  return retry === undefined ? { event: 'system', data: { type: 'system', ...notice } } : { event: 'system', data: { type: 'system', ...notice }, retry };
}
