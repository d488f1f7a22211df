import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BehaviorSubject, NEVER, Subject, type Observable } from 'rxjs';
import type { TriggerEvent } from '../../../streams/contracts';
import type { EventEnvelope } from '../../../streams/sse/envelope';
import type { Bus, BusMessage } from '../../../src/bus/bus';
import { createLocalBus } from '../../../src/bus/localBus';
import { createSqliteStore } from '../../../src/storage/sqliteStore';
import { createEnvelopeFeed } from '../../../src/sse/envelopeFeed';
import type { TestHub } from '../../helpers/hub';
import { triggerEvent } from '../../streams/sse/sseFixtures';
import { openStream, type TestStream } from './sseClient';
import { createKey, fire, startSseHub } from './sseFixtures';

const triggers = new Map([
  ['Phone.Button', { name: 'Phone.Button', type: 'On/Off' as const, category: 'buttons', organization: 'acme', device: 'Red Telephone' }],
]);
const utcNow = () => '2026-01-11T18:40:00.000Z';

describe('envelopeFeed', () => {
  it('gives a live event (as the log committed it) and its replay the same envelope, areas included', () => {
    const bus = createLocalBus();
    const committed$ = new Subject<TriggerEvent>();
    const journal: TriggerEvent[] = [];
    const feed = createEnvelopeFeed({ committed$, bus, triggers, utcNow, replay: (after) => ({ events: journal.filter((e) => e.seq > after) }) }, (name) =>
      name === 'Phone.Button' ? ['Lobby'] : [],
    );
    const relay = feed.start();
    const live: EventEnvelope[] = [];
    const s = feed.live$.subscribe((e) => live.push(e));
    const e = triggerEvent(1);
    journal.push(e);
    committed$.next(e);
    const replayed = feed.replay(0);
    expect('events' in replayed && replayed.events).to.deep.equal(live);
    expect(live[0]).to.deep.include({ areaNames: ['Lobby'], deviceName: 'Red Telephone' });
    expect(live[0]).not.to.have.property('relayedFrom');
    s.unsubscribe();
    relay.unsubscribe();
  });

  it("streams this process's events from its log and other processes' from the bus, marked relayed with the uuid their origin gives them", () => {
    const events$ = new Subject<BusMessage<unknown>>();
    const bus: Bus = {
      origin: 'hub-a',
      publish: () => undefined,
      messages$: () => NEVER,
      messagesWithOrigin$: <T>(topic: string) => (topic === 'events' ? events$ : NEVER) as Observable<BusMessage<T>>,
      state$: new BehaviorSubject('up' as const),
      close: async () => undefined,
    };
    const other: Bus = { ...bus, origin: 'hub-b' };
    const committedAtA = new Subject<TriggerEvent>();
    const atA = createEnvelopeFeed({ committed$: committedAtA, bus, triggers, utcNow, replay: () => ({ events: [] }) });
    const atB = createEnvelopeFeed({ committed$: NEVER, bus: other, triggers, utcNow, replay: () => ({ events: [] }) });
    const relays = [atA.start(), atB.start()];
    const a: EventEnvelope[] = [];
    const b: EventEnvelope[] = [];
    atA.live$.subscribe((e) => a.push(e));
    atB.live$.subscribe((e) => b.push(e));
    committedAtA.next(triggerEvent(5));
    events$.next({ topic: 'events', origin: 'hub-a', payload: triggerEvent(5) });
    expect(a, "hub-a's own copy on the bus is not shown again").to.have.length(1);
    expect(a[0]).not.to.have.property('relayedFrom');
    expect(b).to.have.length(1);
    expect(b[0]).to.deep.include({ relayedFrom: 'hub-a', eventUuid: a[0].eventUuid });
    for (const relay of relays) relay.unsubscribe();
  });

  it('shows a trigger event before the power event it caused, whenever the stream subscribed (the feed reads the log from its start)', () => {
    const bus = createLocalBus();
    const committed$ = new Subject<TriggerEvent>();
    const feed = createEnvelopeFeed({ committed$, bus, triggers, utcNow, replay: () => ({ events: [] }) });
    const relay = feed.start();
    // A power binding starts after the transport and answers a trigger with a power event at once (a socket already on).
    committed$.subscribe(() => bus.publish('power', { type: 'power_on', socket: 'Fog', timestamp: 't', organization: 'acme' }));
    const seen: string[] = [];
    const s = feed.live$.subscribe((e) => seen.push(e.event.category));
    committed$.next(triggerEvent(1));
    expect(seen).to.deep.equal(['buttons', 'power']);
    s.unsubscribe();
    relay.unsubscribe();
  });

  describe('in a running hub', () => {
    let hub: TestHub | undefined;
    let s: TestStream | undefined;
    afterEach(async () => {
      s?.close();
      await hub?.stop();
    });

    it('names the WebSocket areas that contain the trigger', async () => {
      // An area as the WebSocket admin API stores it, present before the hub starts.
      const dataDir = mkdtempSync(join(tmpdir(), 'haven-sse-areas-'));
      const store = createSqliteStore(dataDir);
      const now = utcNow();
      store.collection('ws_areas').put('a1', { id: 'a1', name: 'Lobby', entityIds: ['Phone.Button'], isEnabled: true, createdAt: now, updatedAt: now });
      store.close();
      hub = await startSseHub({ websocket: { enabled: true } }, { dataDir });
      s = await openStream(`${hub.url}/api/events/stream`, { apiKey: createKey(hub, 'acme').key });
      await fire(hub, 'Dial.Number', 1);
      await fire(hub, 'Phone.Button', 'On');
      await s.waitFor((m) => m.data.triggerName === 'Phone.Button');
      expect(s.events().map((m) => [m.data.triggerName, m.data.areaNames])).to.deep.equal([
        ['Dial.Number', []],
        ['Phone.Button', ['Lobby']],
      ]);
    });
  });
});
