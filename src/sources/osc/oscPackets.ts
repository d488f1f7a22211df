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

/**
 * One OSC packet from `remote`, read and reported: every message of a bundle in the order it was
 * sent, each reported at once (so the gateway decides them, and gives them seqs, in that order).
 * Resolves with the replies, in the same order, once every decision is back; which of them are
 * sent is the caller's (`sources.osc.reply`).
 */
export async function handleOscPacket(bytes: Buffer, remote: string, session: OscSession, deps: OscPacketDeps): Promise<Array<{ ok: boolean; reply: Buffer }>> {
  let packet: OscInputPacket;
  try {
    packet = decodePacket(bytes);
  } catch (err) {
    deps.refused?.('malformed_packet');
    return [{ ok: false, reply: errorReply('malformed_packet', `Not an OSC packet: ${(err as Error).message}`) }];
  }
  const pending: Array<Promise<{ ok: boolean; reply: Buffer }> | { ok: boolean; reply: Buffer }> = [];
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
  return Promise.all(pending);
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
