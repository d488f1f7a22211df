import type { TriggerEvent } from '../../../streams/contracts';
import type { TriggerEnvelope } from '../../../streams/sse/envelope';
import { triggerEnvelope } from '../../../streams/sse/triggerEnvelope';

/** A TriggerEvent of `Phone.Button` (On/Off, category buttons, organization acme) with seq `seq`. */
export function triggerEvent(seq: number, fields: Partial<TriggerEvent> = {}): TriggerEvent {
  return {
    seq,
    kind: 'event',
    name: 'Phone.Button',
    value: 'On',
    id: seq,
    type: 'On/Off',
    category: 'buttons',
    organization: 'acme',
    source: 'HTTP',
    timestamp: `2026-01-11T18:35:${String(seq % 60).padStart(2, '0')}.000Z`,
    receivedAt: seq,
    ...fields,
  };
}

/** The envelope of `triggerEvent(seq, fields)`, uuid `u<seq>`. */
export function env(seq: number, fields: Partial<TriggerEvent> = {}, relayedFrom?: string): TriggerEnvelope {
  return triggerEnvelope(triggerEvent(seq, fields), { eventUuid: `u${seq}`, relayedFrom });
}

/** A fixed clock for people-facing timestamps. */
export const utcNow = (): string => '2026-01-11T18:40:00.000Z';

import type { SseMessage } from '../../../streams/sse/sseMessage';

const SYSTEM_LETTER = { bus_down: 'L', bus_up: 'R', shutdown: 'S', resync: 'Y', key_revoked: 'K' } as const;

/**
 * One message as one marble character: `c` connection, `h` heartbeat, the seq digit of a local
 * event, `r` a relayed event, `L`/`R` bus lost/restored, `S` shutdown, `Y` resync, `K` key revoked.
 */
export function letter(m: SseMessage): string {
  switch (m.event) {
    case 'connection':
      return 'c';
    case 'heartbeat':
      return 'h';
    case 'event':
      return m.data.relayedFrom !== undefined ? 'r' : String(m.data.seq);
    case 'system':
      return SYSTEM_LETTER[m.data.code];
  }
}
