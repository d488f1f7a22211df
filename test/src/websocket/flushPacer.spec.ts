import { expect } from 'chai';
import { createFlushPacer } from '../../../src/websocket/flushPacer';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('flush pacer (fan-out write coalescing)', () => {
  it('flushes at the end of the turn when the last flush is older than the interval', async () => {
    let clock = 1000;
    const pace = createFlushPacer(5, () => clock);
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
    const pace = createFlushPacer(40, () => clock);
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
});
