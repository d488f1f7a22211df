import type { Decision } from '../../../streams/contracts';
import { messagesOf, OSC_AUTH_ADDRESS, readOscMessage, type OscInputPacket, type OscMapEntry } from '../../../streams/sources/oscInput';
import type { Report } from '../../hub';
import { decodePacket, encodeMessage } from '../../osc/oscCodec';
import type { DeviceKeyAuth } from '../../security/deviceKeyAuth';

/** What reading packets needs: the gateway's door, the map, keys, and where refusals are counted. */
export interface OscPacketDeps {
  readonly source: string;
  readonly report: Report;
  readonly map: ReadonlyMap<string, OscMapEntry>;
  readonly auth?: DeviceKeyAuth;
  readonly refused?: (reason: string) => void;
}

/** Where a sender stands: a TCP connection stays authenticated; a UDP datagram stands alone. */
export interface OscSession {
  authenticated: boolean;
}

/** `/haven/ok <seq> <name>`: sent only once the event log stored the input. */
export const okReply = (seq: number, name: string): Buffer =>
  encodeMessage('/haven/ok', [
    { type: 'i', value: seq },
    { type: 's', value: name },
  ]);

/** `/haven/error <reason> <message> <address>`. */
export const errorReply = (reason: string, message: string, address = ''): Buffer =>
  encodeMessage('/haven/error', [
    { type: 's', value: reason },
    { type: 's', value: message },
    { type: 's', value: address },
  ]);

const retryAfterSeconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/** What one packet owes its sender: a reply per message (one for a packet that is not OSC). */
export interface OscPacketReplies {
  readonly count: number;
  readonly replies: Promise<Array<{ ok: boolean; reply: Buffer }>>;
}

/**
 * One OSC packet from `remote`, read and reported: every message of a bundle in the order it was
 * sent, each reported at once (so the gateway decides them, and gives them seqs, in that order).
 * `replies` resolves with their replies, in the same order, once every decision is back; which of
 * them are sent is the caller's (`sources.osc.reply`). `count` is how many there will be, known at
 * once, so a sender's bound counts the inputs it has in flight, not its packets.
 */
export function handleOscPacket(bytes: Buffer, remote: string, session: OscSession, deps: OscPacketDeps): OscPacketReplies {
  let packet: OscInputPacket;
  try {
    packet = decodePacket(bytes);
  } catch (err) {
    deps.refused?.('malformed_packet');
    return { count: 1, replies: Promise.resolve([{ ok: false, reply: errorReply('malformed_packet', `Not an OSC packet: ${(err as Error).message}`) }]) };
  }
  const pending: Array<Promise<{ ok: boolean; reply: Buffer }> | { ok: boolean; reply: Buffer }> = [];
  // Nothing here throws; if it did, the packet's replies reject (the caller logs it) rather than the socket's reader.
  try {
    for (const message of messagesOf(packet)) {
      if (message.address === OSC_AUTH_ADDRESS) {
        pending.push(authenticate(message.args[0]?.value, remote, session, deps.auth));
        continue;
      }
      if (deps.auth?.required && !session.authenticated) {
        deps.refused?.('unauthorized');
        pending.push({ ok: false, reply: errorReply('unauthorized', `Send ${OSC_AUTH_ADDRESS} <device key> first`, message.address) });
        continue;
      }
      const read = readOscMessage(message, deps.map);
      if (!read.ok) {
        deps.refused?.(read.reason);
        pending.push({ ok: false, reply: errorReply(read.reason, read.message, message.address) });
        continue;
      }
      const { kind, name, value, id } = read;
      pending.push(deps.report({ source: deps.source, kind, name, value, id, remote }).then((d) => answer(d, message.address)));
    }
  } catch (err) {
    return { count: pending.length, replies: Promise.reject(err) };
  }
  return { count: pending.length, replies: Promise.all(pending) };
}

function answer(decision: Decision, address: string): { ok: boolean; reply: Buffer } {
  if (decision.accepted) return { ok: true, reply: okReply(decision.event.seq, decision.event.name) };
  return { ok: false, reply: errorReply(decision.reason, decision.message, address) };
}

function authenticate(key: unknown, remote: string, session: OscSession, auth: DeviceKeyAuth | undefined): { ok: boolean; reply: Buffer } {
  const wait = auth?.failures?.blockedForMs(remote) ?? null;
  if (wait !== null)
    return { ok: false, reply: errorReply('too_many_failures', `Too many failed authentications; retry in ${retryAfterSeconds(wait)} s`, OSC_AUTH_ADDRESS) };
  if (typeof key === 'string' && auth?.verify(key)) {
    session.authenticated = true;
    return { ok: true, reply: encodeMessage('/haven/ok', [{ type: 's', value: 'auth' }]) };
  }
  auth?.failures?.fail(remote);
  return {
    ok: false,
    reply: errorReply('unauthorized', typeof key === 'string' ? 'Invalid device key' : `Usage: ${OSC_AUTH_ADDRESS} <device key>`, OSC_AUTH_ADDRESS),
  };
}
