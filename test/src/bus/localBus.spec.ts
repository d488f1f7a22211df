import { expect } from 'chai';
import { createLocalBus } from '../../../src/bus/localBus';

describe('bus/localBus', () => {
  it('delivers each payload to the readers of its topic only, synchronously and in publish order', () => {
    const bus = createLocalBus();
    const seen: string[] = [];
    bus.messages$<number>('events').subscribe((n) => seen.push(`events ${n}`));
    bus.messages$<number>('events').subscribe((n) => seen.push(`events again ${n}`));
    bus.messages$<number>('services').subscribe((n) => seen.push(`services ${n}`));
    bus.publish('events', 1);
    bus.publish('services', 2);
    bus.publish('events', 3);
    expect(seen).to.deep.equal(['events 1', 'events again 1', 'services 2', 'events 3', 'events again 3']);
  });

  it('drops a payload nobody reads, and gives a later reader only what is published after it subscribed', () => {
    const bus = createLocalBus();
    bus.publish('events', 1);
    const seen: number[] = [];
    bus.messages$<number>('events').subscribe((n) => seen.push(n));
    bus.publish('events', 2);
    expect(seen).to.deep.equal([2]);
  });

  it('completes every topic at close, also one first read after it', async () => {
    const bus = createLocalBus();
    const done: string[] = [];
    bus.messages$('events').subscribe({ complete: () => done.push('events') });
    await bus.close();
    bus.messages$('services').subscribe({ complete: () => done.push('services') });
    bus.publish('events', 1);
    expect(done).to.deep.equal(['events', 'services']);
  });
});
