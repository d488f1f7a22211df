import { randomUUID } from 'node:crypto';
import { filter, map, merge, share, type Observable, type Subscription } from 'rxjs';
import { createBroadcast } from '../../streams/broadcast';
import type { TriggerDef, TriggerEvent } from '../../streams/contracts';
import type { EventEnvelope } from '../../streams/sse/envelope';
import { powerEnvelope, type PowerChange } from '../../streams/sse/powerEnvelope';
import { serviceEnvelope, type ServiceChange } from '../../streams/sse/serviceEnvelope';
import { triggerEnvelope } from '../../streams/sse/triggerEnvelope';
import type { Replay } from '../../streams/sse/resumeThenLive';
import type { Bus, BusMessage, BusTopic } from '../bus/bus';
import type { Replay as JournalReplay } from '../eventLog/eventLog';
import { nameUuid } from './eventUuid';

/** Names of the areas that contain a trigger; the WebSocket component owns areas. */
export type AreasOfTrigger = (triggerName: string) => readonly string[];

/** Every event a stream may show, as envelopes, and the journal as envelopes. */
export interface EnvelopeFeed {
  /** Hot, shared by every stream: one envelope per event, whatever the number of clients. */
  readonly live$: Observable<EventEnvelope>;
  readonly replay: Replay;
  /**
   * Subscribes to the log's committed records, when the transport starts (before the power
   * bindings, which also act on them): a stream then shows a trigger event before the power event
   * it caused, whenever its first client came. Unsubscribe at stop.
   */
  start(): Subscription;
}

/** `messagesWithOrigin$` when the bus has it; otherwise every message counts as this process's. */
function withOrigin$<T>(bus: Bus, topic: BusTopic, own: string): Observable<BusMessage<T>> {
  return bus.messagesWithOrigin$ ? bus.messagesWithOrigin$<T>(topic) : bus.messages$<T>(topic).pipe(map((payload) => ({ topic, origin: own, payload })));
}

/** What the feed reads: the log's committed records, the bus, the catalog (for envelope fields), the journal, the wall clock. */
export interface EnvelopeFeedDeps {
  /** Every record this process's log committed, as written (the log's tail). */
  readonly committed$: Observable<TriggerEvent>;
  /** Other processes' events (through Redis), and every process's service and power changes. */
  readonly bus: Bus;
  readonly triggers: ReadonlyMap<string, TriggerDef>;
  readonly replay: JournalReplay;
  readonly utcNow: () => string;
}

/**
 * Builds envelopes once per event for all streams. This process's trigger events come from what
 * its log committed, as every other consumer's do: the log emits a record as it writes it, so a
 * journal read and a subscription made in one synchronous step never miss or repeat one. Events of
 * other processes come from the bus topic `events` (Redis) and are marked `relayedFrom`; the
 * bus's copies of this process's own are left to the log. Services and power events come from
 * their topics. (A log that holds every process's records, as one on Redis Streams would, makes
 * the `events` topic redundant here: its records would then come twice.)
 */
export function createEnvelopeFeed(deps: EnvelopeFeedDeps, areasOfTrigger: AreasOfTrigger = () => []): EnvelopeFeed {
  const origin = deps.bus.origin ?? randomUUID();
  const toEnvelope = (e: TriggerEvent, from: string): EventEnvelope =>
    triggerEnvelope(e, {
      eventUuid: nameUuid(`${from}:${e.seq}`),
      trigger: deps.triggers.get(e.name),
      areaNames: areasOfTrigger(e.name),
      ...(from !== origin && { relayedFrom: from }),
    });
  // Service and power events are not journaled, so a random uuid is as good as any.
  const busContext = (from: string) => ({ eventUuid: randomUUID(), now: deps.utcNow(), ...(from !== origin && { relayedFrom: from }) });
  // Relayed from start on, but an envelope is only built while some stream reads.
  const own = createBroadcast<TriggerEvent>();
  const live$ = merge(
    own.stream$.pipe(map((e) => toEnvelope(e, origin))),
    withOrigin$<TriggerEvent>(deps.bus, 'events', origin).pipe(
      filter((m) => m.origin !== origin),
      map((m) => toEnvelope(m.payload, m.origin)),
    ),
    withOrigin$<ServiceChange>(deps.bus, 'services', origin).pipe(map((m) => serviceEnvelope(m.payload, busContext(m.origin)))),
    withOrigin$<PowerChange>(deps.bus, 'power', origin).pipe(map((m) => powerEnvelope(m.payload, busContext(m.origin)))),
  ).pipe(share());
  const replay: Replay = (after) => {
    const held = deps.replay(after);
    return 'tooOld' in held ? held : { events: held.events.map((e) => toEnvelope(e, origin)) };
  };
  const start = (): Subscription =>
    deps.committed$.subscribe((e) => {
      if (own.observed) own.next(e);
    });
  return { live$, replay, start };
}
