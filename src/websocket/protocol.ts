import { isNonNegativeInteger, type CacheState, type TriggerEvent } from '../../streams/contracts';
import WebSocket from 'ws';

/**
 * The messages on a Haven WebSocket, both ways, as JSON text frames. Server messages are
 * `{"type", "data"}` (the seed's event name and payload), plus `seq` on trigger events and `id` on
 * answers to requests. See the README's WebSocket section for examples.
 */

/** The seed's client events and the rest of what the server sends. */
export type ServerMessageType =
  | 'connected'
  | 'area_added'
  | 'area_removed'
  | 'area_updated'
  | 'area_enabled'
  | 'area_disabled'
  | 'token_revoked'
  | 'pairing_completed'
  | 'trigger'
  | 'resync'
  | 'power'
  | 'service_status'
  | 'dashboard'
  | 'answer'
  | 'shutdown'
  | 'result'
  | 'error';

/** A request id, echoed in its `result` (Home Assistant style: the client numbers its requests). */
export type RequestId = number | string;

/** What a client may send. `auth` only first, and only when the upgrade carried no token. */
export type ClientMessage =
  | { readonly type: 'auth'; readonly id?: RequestId; readonly token: string; readonly lastSeq?: number }
  | {
      readonly type: 'subscribe' | 'unsubscribe';
      readonly id?: RequestId;
      readonly all: boolean;
      readonly triggers: readonly string[];
      readonly categories: readonly string[];
    }
  | { readonly type: 'ping' | 'get_state' | 'subscribe_dashboard'; readonly id?: RequestId };

/** A client message that cannot be acted on, with the request id when there was one. */
export interface ProtocolError {
  readonly code: 'invalid_json' | 'invalid_message' | 'unknown_type';
  readonly message: string;
  readonly id?: RequestId;
}

/** Serializes a server message (once per fan-out: callers share the string). */
export function encodeMessage(type: ServerMessageType, data: unknown, extra?: { seq?: number; id?: RequestId }): string {
  return JSON.stringify(extra ? { type, ...extra, data } : { type, data });
}

/** A trigger event as clients see it: the event without the hub's internal receive time. */
export function encodeTrigger(event: TriggerEvent): string {
  const { seq, kind, name, value, id, type, category, source, timestamp } = event;
  // What encodeMessage('trigger', data, { seq }) writes, without the spread and the outer object (the hottest encoder).
  return `{"type":"trigger","seq":${seq},"data":${JSON.stringify({ seq, kind, name, value, id, type, category, source, timestamp })}}`;
}

/** The part of `ws`'s Sender we use: RFC 6455 framing, which its types do not declare. */
interface FrameOptions {
  readonly fin: boolean;
  readonly opcode: number;
  readonly mask: boolean;
  readonly readOnly: boolean;
  readonly rsv1: boolean;
}
const { Sender } = WebSocket as unknown as { Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] } };
const TEXT: FrameOptions = { fin: true, opcode: 0x01, mask: false, readOnly: false, rsv1: false };

/**
 * One final WebSocket text frame holding `text`, header included, framed by `ws` itself, so the
 * fan-out builds the bytes once and writes the same Buffer to every socket (server frames are
 * never masked, which is what makes them shareable).
 */
export function textFrame(text: string): Buffer {
  const parts = textFrameParts(text);
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

/**
 * {@link textFrame}'s bytes as `ws` returns them (header, then payload), for a caller that joins
 * many frames into one write anyway and need not copy each of them into one Buffer first.
 */
export function textFrameParts(text: string): readonly Buffer[] {
  return Sender.frame(Buffer.from(text, 'utf8'), TEXT);
}

/** The current state of the triggers a client may see, for `resync` and `get_state`. */
export function visibleState(state: CacheState, canSee: (name: string) => boolean): CacheState {
  const out: Record<string, CacheState[string]> = {};
  for (const [name, entry] of Object.entries(state)) if (canSee(name)) out[name] = entry;
  return out;
}

const isId = (v: unknown): v is RequestId => (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.length <= 64);
const names = (v: unknown): v is string[] => Array.isArray(v) && v.length <= 1000 && v.every((s) => typeof s === 'string' && s.length > 0 && s.length <= 256);

/** Parses and checks one text frame from a client; never throws. */
export function parseClientMessage(text: string): { ok: true; message: ClientMessage } | { ok: false; error: ProtocolError } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, error: { code: 'invalid_json', message: 'Message is not valid JSON' } };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { ok: false, error: { code: 'invalid_message', message: 'Message must be a JSON object with a "type"' } };
  const m = raw as Record<string, unknown>;
  if (m.id !== undefined && !isId(m.id)) return { ok: false, error: { code: 'invalid_message', message: '"id" must be a number or a short string' } };
  const id = m.id as RequestId | undefined;
  const fail = (message: string, code: ProtocolError['code'] = 'invalid_message') => ({
    ok: false as const,
    error: { code, message, ...(id !== undefined ? { id } : {}) },
  });
  switch (m.type) {
    case 'auth':
      if (typeof m.token !== 'string' || m.token.length === 0) return fail('"auth" needs a "token" string');
      if (m.lastSeq !== undefined && !isNonNegativeInteger(m.lastSeq)) return fail('"lastSeq" must be a non-negative integer');
      return { ok: true, message: { type: 'auth', id, token: m.token, ...(m.lastSeq !== undefined ? { lastSeq: m.lastSeq } : {}) } };
    case 'subscribe':
    case 'unsubscribe': {
      const triggers = m.triggers ?? [];
      const categories = m.categories ?? [];
      if (!names(triggers)) return fail('"triggers" must be an array of trigger names');
      if (!names(categories)) return fail('"categories" must be an array of category names');
      if (m.all !== undefined && typeof m.all !== 'boolean') return fail('"all" must be a boolean');
      if (!m.all && triggers.length === 0 && categories.length === 0) return fail(`"${m.type}" needs "triggers", "categories" or "all": true`);
      return { ok: true, message: { type: m.type, id, all: m.all === true, triggers, categories } };
    }
    case 'ping':
    case 'get_state':
    case 'subscribe_dashboard':
      return { ok: true, message: { type: m.type, id } };
    default:
      return fail(
        typeof m.type === 'string' ? `Unknown message type '${m.type.slice(0, 64)}'` : 'Message needs a "type" string',
        typeof m.type === 'string' ? 'unknown_type' : 'invalid_message',
      );
  }
}
