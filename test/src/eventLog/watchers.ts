import WebSocket from 'ws';
import type { TriggerEvent } from '../../../streams/contracts';
import { waitFor } from '../../helpers/waitFor';
import { openStream, type TestStream } from '../sse/sseClient';
import { TestClient } from '../websocket/wsHarness';

/** An event as a client saw it, in the fields the log's record must match. */
export interface Seen {
  readonly seq: number;
  readonly name: string;
  readonly value: unknown;
  readonly id: number | null;
  readonly timestamp: string;
}

export const seenOf = (e: TriggerEvent | Seen): Seen => ({ seq: e.seq, name: e.name, value: e.value, id: e.id, timestamp: e.timestamp });

/** A WebSocket or SSE client that records every trigger event of its one connection. */
export interface Watcher {
  readonly kind: 'WebSocket' | 'SSE';
  /** Trigger events received, in order. */
  events(): Seen[];
  /** The seq a reconnect resumes from: the last event received, else where this connection started. */
  lastSeq(): number;
  /** What the hub said at the start: the seq it was at, and for a resume, how many it replays (WebSocket only). */
  readonly opening: { readonly seq: number; readonly replayed?: number };
  /** Resolves once `seq` has arrived; fails after `ms`. */
  waitForSeq(seq: number, ms?: number): Promise<void>;
  close(): void;
}

/**
 * Connects to `/ws` with `token` (Authorization header at the upgrade, or the browsers' `auth`
 * message), resuming after `lastSeq` when given; resolves after `connected`.
 */
export async function watchWebSocket(url: string, token: string, lastSeq?: number, via: 'header' | 'auth' = 'header'): Promise<Watcher> {
  const wsUrl = `${url.replace('http', 'ws')}/ws${via === 'header' && lastSeq !== undefined ? `?lastSeq=${lastSeq}` : ''}`;
  const client = new TestClient(new WebSocket(wsUrl, via === 'header' ? { headers: { authorization: `Bearer ${token}` } } : {}));
  await new Promise<void>((resolve, reject) => {
    client.ws.once('open', resolve);
    client.ws.once('error', reject);
  });
  if (via === 'auth') client.send({ type: 'auth', token, ...(lastSeq !== undefined && { lastSeq }) });
  const connected = await client.waitFor((m) => m.type === 'connected', 'connected');
  const events = (): Seen[] => client.messages.filter((m) => m.type === 'trigger').map((m) => seenOf(m.data));
  const resume = connected.data.resume;
  if (resume?.resync) throw new Error(`WebSocket resumed after ${lastSeq} with a resync (${resume.resync}), not a replay`);
  // The last event received, else where this connection started (for a resume, the seq it resumed after).
  const lastSeqNow = (): number => {
    for (let i = client.messages.length - 1; i >= 0; i--) if (client.messages[i].type === 'trigger') return client.messages[i].seq!;
    return lastSeq ?? connected.data.seq;
  };
  return {
    kind: 'WebSocket',
    events,
    lastSeq: lastSeqNow,
    opening: { seq: connected.data.seq, ...(resume && { replayed: resume.replayed }) },
    waitForSeq: (seq, ms = 10_000) => waitFor(() => lastSeqNow() >= seq, `seq ${seq} on the WebSocket (at ${lastSeqNow()})`, ms),
    close: () => client.ws.terminate(),
  };
}

/** Opens `/api/events/stream` with `apiKey`, resuming after `lastEventId` (the `Last-Event-ID` header) when given. */
export async function watchSse(url: string, apiKey: string, lastEventId?: number): Promise<Watcher> {
  const stream: TestStream = await openStream(`${url}/api/events/stream`, {
    apiKey,
    headers: lastEventId === undefined ? {} : { 'Last-Event-ID': String(lastEventId) },
  });
  const connection = await stream.waitFor((m) => m.event === 'connection');
  const resync = stream.received.find((m) => m.event === 'system' && m.data.code === 'resync');
  if (resync) throw new Error(`SSE resumed after ${lastEventId} with a resync, not a replay: ${resync.data.message}`);
  const events = (): Seen[] =>
    stream.events().map((m) => {
      if (m.id !== String(m.data.seq)) throw new Error(`SSE event id ${m.id} is not its seq ${m.data.seq}`);
      return { seq: m.data.seq, name: m.data.triggerName, value: m.data.value, id: m.data.id, timestamp: m.data.timestamp };
    });
  // As EventSource does: the last `id:` received, else where this stream started.
  const lastSeqNow = (): number => {
    for (let i = stream.received.length - 1; i >= 0; i--) if (stream.received[i].id !== undefined) return Number(stream.received[i].id);
    return lastEventId ?? connection.data.latestSeq;
  };
  return {
    kind: 'SSE',
    events,
    lastSeq: lastSeqNow,
    opening: { seq: connection.data.latestSeq },
    waitForSeq: (seq, ms = 10_000) => waitFor(() => lastSeqNow() >= seq, `seq ${seq} on the SSE stream (at ${lastSeqNow()})`, ms),
    close: () => stream.close(),
  };
}

/**
 * Where two event lists first differ, for a failure message that names one event instead of
 * printing thousands: undefined when they are equal.
 */
export function firstDifference(actual: readonly Seen[], expected: readonly Seen[]): string | undefined {
  const n = Math.max(actual.length, expected.length);
  for (let i = 0; i < n; i++) {
    const a = actual[i] === undefined ? undefined : JSON.stringify(seenOf(actual[i]));
    const e = expected[i] === undefined ? undefined : JSON.stringify(seenOf(expected[i]));
    if (a !== e) return `at index ${i} of ${actual.length} (expected ${expected.length}): got ${a ?? 'nothing'}, expected ${e ?? 'nothing'}`;
  }
  return undefined;
}
