import { expect } from 'chai';
import { createUtcNow } from '../../../src/runtime/utcNow';

describe('UTC clock', () => {
  it('gives the ISO 8601 time of the current millisecond, built once per millisecond', () => {
    let ms = Date.UTC(2026, 10, 23, 9, 35, 0, 123);
    const utcNow = createUtcNow(() => ms);
    const first = utcNow();
    expect(first).to.equal('2026-11-23T09:35:00.123Z');
    expect(utcNow()).to.equal(first);
    ms += 1;
    expect(utcNow()).to.equal('2026-11-23T09:35:00.124Z');
  });
});
