import { expect } from 'chai';
import { createCoalescingOutbox, drainOutbox, offerOutbox } from '../../../streams/websocket/coalescingOutbox';

describe('coalescing outbox', () => {
  it('keeps messages without a key in order and refuses one beyond its bound', () => {
    const outbox = createCoalescingOutbox<string>(2);
    expect(offerOutbox(outbox, 'a')).to.equal('queued');
    expect(offerOutbox(outbox, 'b')).to.equal('queued');
    expect(offerOutbox(outbox, 'c')).to.equal('overflow');
    expect(drainOutbox(outbox)).to.deep.equal(['a', 'b']);
  });

  it('coalesces the newest state per key and moves it to the end, so seqs stay increasing', () => {
    const outbox = createCoalescingOutbox<string>(10);
    offerOutbox(outbox, 'A1', 'A');
    offerOutbox(outbox, 'B2', 'B');
    expect(offerOutbox(outbox, 'A3', 'A')).to.equal('coalesced');
    expect(drainOutbox(outbox)).to.deep.equal(['B2', 'A3']);
  });

  it('accepts a newer state for a held key even when full, since the size does not grow', () => {
    const outbox = createCoalescingOutbox<string>(2);
    offerOutbox(outbox, 'A1', 'A');
    offerOutbox(outbox, 'x');
    expect(offerOutbox(outbox, 'y')).to.equal('overflow');
    expect(offerOutbox(outbox, 'A2', 'A')).to.equal('coalesced');
    expect(offerOutbox(outbox, 'B1', 'B')).to.equal('overflow');
    expect(drainOutbox(outbox)).to.deep.equal(['x', 'A2']);
  });

  it('never coalesces keyless messages with each other or with keyed ones', () => {
    const outbox = createCoalescingOutbox<string>(10);
    offerOutbox(outbox, 'burst1');
    offerOutbox(outbox, 'A1', 'A');
    offerOutbox(outbox, 'burst2');
    expect(drainOutbox(outbox)).to.deep.equal(['burst1', 'A1', 'burst2']);
  });

  it('is empty after a drain and can fill up again', () => {
    const outbox = createCoalescingOutbox<string>(1);
    offerOutbox(outbox, 'a');
    drainOutbox(outbox);
    expect(outbox.entries.size).to.equal(0);
    expect(offerOutbox(outbox, 'b')).to.equal('queued');
    expect(drainOutbox(outbox)).to.deep.equal(['b']);
  });

  it('rejects a bound that makes no sense', () => {
    expect(() => createCoalescingOutbox(0)).to.throw(RangeError);
  });
});
