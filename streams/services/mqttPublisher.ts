import type { TriggerKind, TriggerType } from '../contracts';

/** Where Haven publishes (`mqtt.topics.event`, `.state`). */
export interface MqttOutputTopics {
  readonly event: string;
  readonly state: string;
}

/** `mqtt.publish` as the publisher reads it. */
export interface MqttPublisherOptions {
  readonly topics: MqttOutputTopics;
  readonly events: boolean;
  readonly state: boolean;
  /** MQTT 5 message expiry of an event, whole seconds (the max-age rule). */
  readonly expirySeconds: number;
  /** QoS 1 publishes not yet acknowledged by the broker, at most; past it events are dropped. */
  readonly maxInFlight: number;
}

/**
 * One publish: an accepted event (QoS 1, expiring) or a trigger's retained state (QoS 1, no
 * expiry: a device that connects a day later must still learn it). The shell fills in the payload:
 * an event's from the event, a state's from the cache as it is when the publish leaves.
 */
export type MqttPublish =
  | { readonly content: 'event'; readonly topic: string; readonly seq: number; readonly expirySeconds: number }
  | { readonly content: 'state'; readonly topic: string; readonly name: string };

/** What the publisher is told of. */
export type MqttPublisherMessage =
  /** An input the event log committed. */
  | { readonly type: 'committed'; readonly seq: number; readonly kind: TriggerKind; readonly name: string; readonly triggerType: TriggerType }
  /** The broker acknowledged a publish (or the link gave it up). */
  | { readonly type: 'settled' }
  /** The broker can be published to; `names` are the triggers with a state, whose retained values are sent again. */
  | { readonly type: 'connected'; readonly names: readonly string[] }
  | { readonly type: 'disconnected' };

export interface MqttPublisherState {
  readonly connected: boolean;
  readonly inFlight: number;
  /** Triggers whose retained state the broker may not have yet, oldest first. */
  readonly dirty: ReadonlySet<string>;
  /** Events not published, because the broker was away or too slow. */
  readonly dropped: number;
}

export const INITIAL_MQTT_PUBLISHER: MqttPublisherState = { connected: false, inFlight: 0, dirty: new Set(), dropped: 0 };

/** `<prefix>/Device/Control` for trigger `Device.Control`. */
export const topicOf = (prefix: string, name: string): string => `${prefix}/${name.split('.').join('/')}`;

/** Sends as many dirty states as the in-flight bound allows, oldest first. */
function flush(state: MqttPublisherState, options: MqttPublisherOptions, publishes: MqttPublish[]): MqttPublisherState {
  if (!state.connected || state.dirty.size === 0) return state;
  const room = options.maxInFlight - state.inFlight - publishes.length;
  if (room <= 0) return state;
  const names = [...state.dirty];
  for (const name of names.slice(0, room)) publishes.push({ content: 'state', topic: topicOf(options.topics.state, name), name });
  return { ...state, dirty: new Set(names.slice(room)) };
}

/**
 * The MQTT publisher as a pure transition: each committed event goes out on the event topic while
 * the broker keeps up, and each trigger's state on its retained topic. A state never has to wait
 * in a queue: when it cannot go out, the trigger is marked, and its newest state (read from the
 * cache) goes out once there is room, so a slow or absent broker costs events, never memory, and
 * the retained values converge on the cache. Events missed while the broker was away are dropped,
 * as they would have expired or fired late; the count is kept.
 */
export function mqttPublisherTransition(
  state: MqttPublisherState,
  message: MqttPublisherMessage,
  options: MqttPublisherOptions,
): { state: MqttPublisherState; publishes: MqttPublish[] } {
  const publishes: MqttPublish[] = [];
  let next = state;
  switch (message.type) {
    case 'committed': {
      const stateful = options.state && message.triggerType !== 'OneShot';
      const event = options.events && message.kind === 'event';
      const room = next.connected ? options.maxInFlight - next.inFlight : 0;
      if (event && room > 0)
        publishes.push({ content: 'event', topic: topicOf(options.topics.event, message.name), seq: message.seq, expirySeconds: options.expirySeconds });
      else if (event) next = { ...next, dropped: next.dropped + 1 };
      if (stateful) {
        // Marked and flushed in one step, so a trigger's state leaves after the event it follows;
        // a trigger already waiting keeps its place (its newest state is read when it leaves).
        if (!next.dirty.has(message.name)) next = { ...next, dirty: new Set(next.dirty).add(message.name) };
      }
      next = flush(next, options, publishes);
      break;
    }
    case 'settled':
      next = flush({ ...next, inFlight: Math.max(0, next.inFlight - 1) }, options, publishes);
      break;
    case 'connected': {
      const dirty = new Set(next.dirty);
      if (options.state) for (const name of message.names) dirty.add(name);
      next = flush({ ...next, connected: true, dirty }, options, publishes);
      break;
    }
    case 'disconnected':
      next = { ...next, connected: false };
      break;
  }
  return { state: publishes.length === 0 ? next : { ...next, inFlight: next.inFlight + publishes.length }, publishes };
}
