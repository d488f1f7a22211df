import { expect } from 'chai';
import type { Decision } from '../../../streams/contracts';
import { createHandshake$, INITIAL_HANDSHAKE, reduceHandshake, REJECT_CODES, type HandshakeState } from '../../../streams/sources/modbusHandshake';
import { createTestScheduler } from '../../helpers/marbles';
import { event, raw } from '../fixtures';

const accepted = (name: string, seq: number, source = 'MODBUS'): Decision => ({
  accepted: true,
  input: raw(name, { source }),
  event: event(name, { seq, source }),
});
const rejected = (reason: 'cooldown' | 'not_whitelisted', source = 'MODBUS'): Decision => ({
  accepted: false,
  input: raw('Phone.Button', { source }),
  reason,
  message: reason,
});
const state = (fields: Partial<HandshakeState>): HandshakeState => ({ ...INITIAL_HANDSHAKE, ...fields });

describe('createHandshake$', () => {
  it('counts its own decisions, flips the accepted trigger’s acknowledge, ignores other sources, and resets', () => {
    createTestScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const decisions = hot('--a--b--h----c--|', {
        a: accepted('Phone.Button', 1),
        b: rejected('cooldown'),
        h: accepted('Phone.Hook', 2, 'HTTP'),
        c: accepted('Phone.Button', 4),
      });
      const reset = hot('    ----------r-----|');
      const expected = '     i-A--B----R--C--|';
      expectObservable(createHandshake$(decisions, reset)).toBe(expected, {
        i: INITIAL_HANDSHAKE,
        A: state({ lastSeq: 1, accepted: 1, acks: { 'Phone.Button': true } }),
        B: state({ lastSeq: 1, accepted: 1, rejected: 1, lastReason: REJECT_CODES.cooldown, acks: { 'Phone.Button': true } }),
        R: INITIAL_HANDSHAKE,
        C: state({ lastSeq: 4, accepted: 1, acks: { 'Phone.Button': true } }),
      });
      expectSubscriptions(decisions.subscriptions).toBe('^---------------!');
      expectSubscriptions(reset.subscriptions).toBe('    ^---------------!');
    });
  });

  it('toggles an acknowledge back off on the next acceptance of the same trigger', () => {
    createTestScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const decisions = hot('-a-b-c', { a: accepted('Phone.Button', 1), b: accepted('Phone.Hook', 2), c: accepted('Phone.Button', 3) });
      const reset = hot('    ------');
      expectObservable(createHandshake$(decisions, reset)).toBe('ia-b-c', {
        i: INITIAL_HANDSHAKE,
        a: state({ lastSeq: 1, accepted: 1, acks: { 'Phone.Button': true } }),
        b: state({ lastSeq: 2, accepted: 2, acks: { 'Phone.Button': true, 'Phone.Hook': true } }),
        c: state({ lastSeq: 3, accepted: 3, acks: { 'Phone.Button': false, 'Phone.Hook': true } }),
      });
      expectSubscriptions(decisions.subscriptions).toBe('^-----');
      expectSubscriptions(reset.subscriptions).toBe('^-----');
    });
  });

  it('wraps its counters at 2^32 like a PLC double word', () => {
    const top = state({ accepted: 0xffffffff, rejected: 0xffffffff });
    expect(reduceHandshake(top, { reset: false, decision: accepted('Phone.Button', 9) })).to.deep.include({ accepted: 0, lastSeq: 9 });
    expect(reduceHandshake(top, { reset: false, decision: rejected('not_whitelisted') })).to.deep.include({
      rejected: 0,
      lastReason: REJECT_CODES.not_whitelisted,
    });
  });
});
