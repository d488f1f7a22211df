import type { AddressInfo } from 'node:net';
import type { Observable, Subscription } from 'rxjs';
import type { CacheState, TriggerEvent } from '../../streams/contracts';
import { isUnder, readMqttPublish, type MqttMapEntry } from '../../streams/sources/mqttInput';
import {
  INITIAL_MQTT_PUBLISHER,
  mqttPublisherTransition,
  type MqttPublisherMessage,
  type MqttPublisherOptions,
  type MqttPublisherState,
} from '../../streams/services/mqttPublisher';
import type { MqttConfig } from '../config/havenConfig';
import type { Component, ComponentHealth, Report } from '../hub';
import type { Logger } from '../log';
import { InputNotTaken, type LinkInput, type MqttLink } from './mqttLink';
import { errorPayload, eventPayload, statePayload } from './mqttPayloads';

/** The source name MQTT inputs carry, the component's name, and its key in `trigger.sources`. */
export const MQTT_SOURCE = 'MQTT';

export interface MqttComponentDeps {
  readonly config: MqttConfig;
  /** `trigger.sources.MQTT.enabled`: off, the broker still runs and Haven still publishes, but reads no triggers. */
  readonly sourceEnabled: boolean;
  /** The broker or the client of one, built for this config and reading only the input topics (see `wireMqtt`). */
  readonly link: MqttLink;
  /** The MQTT 5 expiry of a published event (the max-age rule), whole seconds. */
  readonly expirySeconds: number;
  /** Publishes the broker has not acknowledged yet, at most (`services.mailbox_size`). */
  readonly maxInFlight: number;
  readonly report: Report;
  readonly committed$: Observable<TriggerEvent>;
  readonly cache: () => CacheState;
  readonly log: Logger;
  /** Told of each input refused before the gateway, with its reason (ComponentDeps.refused). */
  readonly refused?: (source: string, reason: string) => void;
}

/** The MQTT component; `address()` is the embedded broker's (null when Haven is a client of another). */
export interface MqttComponent extends Component {
  address(): AddressInfo | null;
}

/** The topics Haven reads, given the config: its two prefixes and the mapped topics. */
export function inputTopicsOf(config: MqttConfig): { isInput: (topic: string) => boolean; filters: string[] } {
  const { trigger, status } = config.topics;
  const mapped = new Set(config.map.map((m) => m.topic));
  return {
    isInput: (topic) => mapped.has(topic) || isUnder(topic, trigger) || isUnder(topic, status),
    filters: [`${trigger}/#`, `${status}/#`, ...mapped],
  };
}

/** The topics only Haven publishes to. */
export function outputTopicsOf(config: MqttConfig): (topic: string) => boolean {
  const prefixes = [config.topics.event, config.topics.state, config.topics.error];
  return (topic) => prefixes.some((p) => isUnder(topic, p));
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The most of an input topic that its error topic repeats (the payload has it whole). */
export const MAX_ECHOED_TOPIC = 1024;

/**
 * An input topic as its error topic repeats it: whole, or cut to {@link MAX_ECHOED_TOPIC} code
 * points. A topic is at most 65,535 bytes, so `haven/error/` plus a topic that long is none, and
 * an embedded broker writing it would drop every subscriber of `haven/error/#`.
 */
const echoed = (topic: string): string => (topic.length <= MAX_ECHOED_TOPIC ? topic : Array.from(topic).slice(0, MAX_ECHOED_TOPIC).join(''));

/**
 * MQTT in and out. In: a publish to `haven/trigger/<Device>/<Control>` (an event),
 * `haven/status/…` (a status) or a mapped topic is reported like any source's input, with the
 * publisher's address for the whitelist, and acknowledged only once decided, and not at all when
 * nothing was stored (`not_stored`, `overflow`: the publisher sends it again); a refusal is
 * published on `haven/error/<topic>`. Out: every committed event on `haven/event/…` (QoS 1,
 * expiring after the max age) and each trigger's state retained on `haven/state/…`, sent again
 * whenever the broker (re)connects, so a device that connects learns the current state.
 */
export function createMqttComponent(deps: MqttComponentDeps): MqttComponent {
  const { config, sourceEnabled, link, report, committed$, cache, log: hubLog, refused } = deps;
  const log = hubLog.child('MQTT');
  const map = new Map<string, MqttMapEntry>(config.map.map((m) => [m.topic, m]));
  const options: MqttPublisherOptions = {
    topics: config.topics,
    events: config.publish.events,
    state: config.publish.state,
    expirySeconds: deps.expirySeconds,
    maxInFlight: deps.maxInFlight,
  };
  const mode = config.publish.payload;
  let state: MqttPublisherState = INITIAL_MQTT_PUBLISHER;
  let subscription: Subscription | undefined;
  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;
  let phase: 'idle' | 'disabled' | 'starting' | 'running' | 'failed' | 'stopping' | 'stopped' = 'idle';
  let failure = '';
  let refusals = 0;

  // A mailbox: a link may settle a publish inside the call that made it.
  const mailbox: Array<{ message: MqttPublisherMessage; event?: TriggerEvent }> = [];
  let running = false;
  const post = (message: MqttPublisherMessage, event?: TriggerEvent) => {
    mailbox.push({ message, event });
    if (running) return;
    running = true;
    try {
      for (let next = mailbox.shift(); next; next = mailbox.shift()) step(next.message, next.event);
    } finally {
      running = false;
    }
  };
  const settled = () => post({ type: 'settled' });
  const step = (message: MqttPublisherMessage, event?: TriggerEvent) => {
    const out = mqttPublisherTransition(state, message, options);
    state = out.state;
    for (const p of out.publishes) {
      if (p.content === 'event') {
        link.publish({ topic: p.topic, payload: eventPayload(event!, mode), qos: 1, retain: false, expirySeconds: p.expirySeconds }, settled);
        continue;
      }
      const entry = cache()[p.name];
      if (entry === undefined) settled();
      else link.publish({ topic: p.topic, payload: statePayload(p.name, entry, mode), qos: 1, retain: true }, settled);
    }
  };

  const refuse = (topic: string, reason: string, message: string, name?: string) => {
    if (refusals++ === 0) log.info('refused an MQTT input', { topic: echoed(topic), reason });
    link.publish(
      { topic: `${config.topics.error}/${echoed(topic)}`, payload: errorPayload(topic, reason, message, name), qos: 0, retain: false },
      () => undefined,
    );
  };

  const input: LinkInput = async (topic, payload, remote) => {
    if (payload.length > config.max_payload_bytes) {
      refused?.(MQTT_SOURCE, 'payload_too_large');
      return refuse(topic, 'payload_too_large', `An MQTT trigger payload is at most ${config.max_payload_bytes} bytes`);
    }
    let text: string;
    try {
      text = utf8.decode(payload);
    } catch {
      refused?.(MQTT_SOURCE, 'bad_payload');
      return refuse(topic, 'bad_payload', 'The payload is not UTF-8 text');
    }
    const read = readMqttPublish(topic, text, config.topics, map);
    if (!read.ok) {
      refused?.(MQTT_SOURCE, read.reason);
      return refuse(topic, read.reason, read.message);
    }
    const { kind, name, value, id } = read;
    const decision = await report({ source: MQTT_SOURCE, kind, name, value, id, remote });
    if (decision.accepted) return;
    // The error topic is all a QoS 0 publisher learns; the link keeps the acknowledgement of the others back.
    refuse(topic, decision.reason, decision.message, name);
    if (decision.reason === 'not_stored' || decision.reason === 'overflow') throw new InputNotTaken(decision.reason, decision.message);
  };

  const health = (): ComponentHealth => {
    const named = (s: ComponentHealth['state'], detail: string): ComponentHealth => ({ name: MQTT_SOURCE, state: s, detail });
    switch (phase) {
      case 'idle':
        return named('stopped', 'not started');
      case 'disabled':
        return named('stopped', 'disabled in config (mqtt.enabled)');
      case 'starting':
        return named('starting', link.detail());
      case 'failed':
        return named('failed', failure);
      case 'stopping':
      case 'stopped':
        return named('stopped', phase);
      case 'running': {
        const dropped = state.dropped > 0 ? `, ${state.dropped} event(s) not published (broker away or slow)` : '';
        const reading = sourceEnabled ? '' : ', reading no triggers (trigger.sources.MQTT.enabled)';
        return named(link.healthy() ? 'ok' : 'degraded', `${link.detail()}${reading}${dropped}`);
      }
    }
  };

  return {
    name: MQTT_SOURCE,
    address: () => link.address(),
    health,

    async notifyShutdown() {
      link.stopping();
    },

    start() {
      starting ??= (async () => {
        if (!config.enabled) {
          phase = 'disabled';
          return;
        }
        phase = 'starting';
        subscription = committed$.subscribe((event) =>
          post({ type: 'committed', seq: event.seq, kind: event.kind, name: event.name, triggerType: event.type }, event),
        );
        try {
          await link.start({
            input,
            connected: () => post({ type: 'connected', names: Object.keys(cache()) }),
            disconnected: () => post({ type: 'disconnected' }),
          });
          // Stopped meanwhile: the stop, which waits for this start, takes the link down.
          if (phase !== 'starting') return;
          phase = 'running';
          log.info('running', { detail: link.detail() });
        } catch (err) {
          subscription.unsubscribe();
          await link.stop().catch(() => undefined);
          if (phase !== 'starting') return;
          failure = `cannot start MQTT: ${(err as Error).message}`;
          phase = 'failed';
          log.error('failed', { error: failure });
        }
      })();
      return starting;
    },

    stop() {
      stopping ??= (async () => {
        if (phase !== 'running' && phase !== 'starting') return;
        phase = 'stopping';
        subscription?.unsubscribe();
        // A start under way finishes first, so what it builds (a listening broker) is taken down too.
        await starting;
        await link.stop();
        phase = 'stopped';
      })();
      return stopping;
    },
  };
}
