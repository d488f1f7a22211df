import { expect } from 'chai';
import { createFlushPacer } from '../../../src/websocket/flushPacer';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('flush pacer (fan-out write coalescing)', () => {
  it('flushes at the end of the turn when the last flush is older than the interval', async () => {
    let clock = 1000;
    const pace = createFlushPacer({ minIntervalMs: 5, restFactor: 1 }, () => clock);
    const flushed: string[] = [];
    pace(() => flushed.push('first'));
    expect(flushed).to.deep.equal([]);
    await turn();
    expect(flushed).to.deep.equal(['first']);
    clock += 5;
    pace(() => flushed.push('second'));
    await turn();
    expect(flushed).to.deep.equal(['first', 'second']);
  });

  it('holds a flush asked for within the interval until the interval has passed', async () => {
    let clock = 1000;
    const pace = createFlushPacer({ minIntervalMs: 40, restFactor: 1 }, () => clock);
    const flushed: string[] = [];
    pace(() => flushed.push('first'));
    await turn();
    clock += 1;
    pace(() => flushed.push('second'));
    await turn();
    expect(flushed).to.deep.equal(['first']);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(flushed).to.deep.equal(['first', 'second']);
  });

  it('rests after a long flush for as long as the flush took (times the rest factor)', async () => {
    let clock = 1000;
    const pace = createFlushPacer({ minIntervalMs: 1, restFactor: 1 }, () => clock);
    const flushed: string[] = [];
    pace(() => {
      flushed.push('long');
      clock += 40; // this flush took 40 ms
    });
    await turn();
    pace(() => flushed.push('next'));
    await turn();
    expect(flushed).to.deep.equal(['long']);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(flushed).to.deep.equal(['long', 'next']);
  });
});
