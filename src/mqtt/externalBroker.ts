import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { Socket } from 'node:net';
import { firstValueFrom, from, map, race, timer, type SchedulerLike } from 'rxjs';
import type { Logger } from '../log';
import type { LinkEvents, LinkPublish, MqttLink } from './mqttLink';

export interface ExternalBrokerDeps {
  readonly url: string;
  readonly clientId: string;
  readonly username: string | null;
  readonly password: string | undefined;
  readonly sessionExpirySeconds: number;
  readonly reconnectMs: number;
  readonly connectTimeoutMs: number;
  /** Topic filters Haven subscribes to (QoS 1): its input prefixes and the mapped topics. */
  readonly subscriptions: readonly string[];
  readonly graceMs: number;
  /** The hub's timers (the grace). */
  readonly scheduler: SchedulerLike;
  readonly log: Logger;
}

/** A URL without its password, for logs and `/readyz`. */
const shown = (url: string) => url.replace(/\/\/[^@/]*@/, '//');

/**
 * Haven as a client of an existing broker (Mosquitto, EMQX, Home Assistant's), over MQTT 5 with a
 * session that outlives a restart (clean start off, `session_expiry_s`): triggers published while
 * Haven is away wait at the broker. A trigger is acknowledged (PUBACK) only after the hub decided
 * it: mqtt.js sends the PUBACK when `handleMessage` calls back, and handles the next publish only
 * then, so the broker sees acknowledgements in the order it delivered, as MQTT requires. One the
 * hub could not store (`not_stored`, `overflow`) gets no PUBACK, and Haven reconnects so that the
 * broker delivers it again.
 */
export function createExternalBroker(deps: ExternalBrokerDeps): MqttLink {
  const { url, graceMs, scheduler, log } = deps;
  let client: MqttClient | undefined;
  let connected = false;
  let stopping = false;
  let lastError: string | undefined;
  let retainedSeen = 0;
  /** Input topics the broker would not let Haven subscribe to (its ACL). */
  let refusedTopics: readonly string[] = [];
  let owed: Promise<void> = Promise.resolve();
  /** The connection Haven dropped so that the broker delivers again what Haven could not store. */
  let redelivering: unknown;
  /** Connections dropped for that since an input was last taken (the first is worth a warning). */
  let drops = 0;
  /** The hub takes no more inputs: one not taken waits at the broker for the next start, without a reconnect. */
  let hubStopping = false;

  /**
   * A QoS 1 delivery was not taken (nothing stored), so not acknowledged. An MQTT 5 server sends
   * an unacknowledged publish again only when the session reconnects: drop the connection, once
   * however many deliveries fail on it; mqtt.js reconnects after `reconnect_ms`.
   */
  const redeliver = (c: MqttClient, err: Error) => {
    if (hubStopping || stopping || !c.connected || redelivering === c.stream) return;
    redelivering = c.stream;
    const line = 'dropping the connection to the MQTT broker so that it delivers again a trigger Haven could not store; reconnecting';
    if (drops++ === 0) log.warn(line, { url: shown(url), error: err.message });
    else log.debug(line, { url: shown(url), error: err.message });
    // Once this turn's writes left: the refusal on the error topic (mqtt-packet corks the socket until the next tick).
    const stream = c.stream;
    setImmediate(() => stream.destroy());
  };

  return {
    address: () => null,
    detail: () =>
      connected
        ? `connected to ${shown(url)}${refusedTopics.length > 0 ? `; the broker refused the subscription to ${refusedTopics.join(', ')}` : ''}`
        : `reaching ${shown(url)}${lastError ? `: ${lastError}` : ''}`,
    healthy: () => connected && refusedTopics.length === 0,

    async start(events: LinkEvents) {
      const options: IClientOptions = {
        protocolVersion: 5,
        clientId: deps.clientId,
        clean: false,
        properties: { sessionExpiryInterval: deps.sessionExpirySeconds },
        reconnectPeriod: deps.reconnectMs,
        connectTimeout: deps.connectTimeoutMs,
        // Haven drops what it cannot send rather than growing a queue while the broker is away.
        queueQoSZero: false,
        ...(deps.username === null ? {} : { username: deps.username }),
        ...(deps.password === undefined ? {} : { password: deps.password }),
      };
      const c = connect(url, options);
      client = c;
      c.handleMessage = (packet, callback) => {
        // A retained message is what someone published once, long ago: old state, not a trigger.
        // Fired on every (re)subscription, it would dispatch the same event hours late each time.
        if (packet.retain) {
          if (retainedSeen++ === 0) log.info('ignored a retained message on an input topic (publish triggers without retain)', { topic: packet.topic });
          return callback();
        }
        // Delivered on the connection being dropped: left unacknowledged, the broker sends it again on the next.
        if (packet.qos > 0 && redelivering === c.stream) return callback(new Error('the connection is being dropped'));
        const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
        const remote = (c.stream as Socket | undefined)?.remoteAddress ?? 'unknown';
        const decided = events.input(packet.topic, payload, remote);
        owed = decided;
        decided.then(
          () => {
            drops = 0;
            callback();
          },
          (err: Error) => {
            // An error sends no PUBACK (mqtt.js goes on with the next delivery).
            callback(err);
            if (packet.qos > 0) redeliver(c, err);
          },
        );
      };
      c.on('connect', (connack) => {
        connected = true;
        lastError = undefined;
        log.info('connected to the MQTT broker', { url: shown(url), sessionPresent: connack.sessionPresent });
        // None when trigger.sources.MQTT is off: Haven then only publishes.
        // rh 2: the broker sends no retained messages for these subscriptions (see handleMessage).
        if (deps.subscriptions.length > 0)
          c.subscribe([...deps.subscriptions], { qos: 1, rh: 2 }, (err, granted) => {
            const denied = (granted ?? []).filter((g) => g.qos >= 0x80).map((g) => g.topic);
            refusedTopics = err ? [...deps.subscriptions] : denied;
            if (refusedTopics.length > 0)
              log.error('the MQTT broker refused a subscription; those triggers are not read', { topics: refusedTopics, error: err?.message });
          });
        events.connected();
      });
      c.on('error', (err) => {
        lastError = err.message;
        log.debug('MQTT link error', { error: err.message });
      });
      c.on('close', () => {
        if (!connected) return;
        connected = false;
        // A deliberate stop is not a lost broker.
        if (stopping) return;
        if (redelivering === c.stream) return events.disconnected('dropped for the broker to deliver again what Haven could not store');
        log.warn('lost the MQTT broker; reconnecting', { url: shown(url), error: lastError });
        events.disconnected(lastError ?? 'connection closed');
      });
      // Serving means trying: the hub starts whether or not the broker is up yet.
      await new Promise<void>((resolve) => {
        const timer = scheduler.schedule(() => resolve(), deps.connectTimeoutMs);
        c.once('connect', () => {
          timer.unsubscribe();
          resolve();
        });
      });
    },

    publish(message: LinkPublish, done: () => void) {
      if (!client) return done();
      client.publish(
        message.topic,
        message.payload,
        {
          qos: message.qos,
          retain: message.retain,
          ...(message.expirySeconds === undefined ? {} : { properties: { messageExpiryInterval: message.expirySeconds } }),
        },
        () => done(),
      );
    },

    stopping() {
      hubStopping = true;
    },

    async stop() {
      const c = client;
      if (!c) return;
      await firstValueFrom(race(from(owed.catch(() => undefined)), timer(graceMs, scheduler)));
      // mqtt.js ends only once the broker acknowledged every publish in flight, and an ending client
      // no longer reconnects: with the broker away (or silent) that wait never ends. A deliberate
      // stop does not wait on the broker past the grace; unreachable, there is nothing to wait for.
      stopping = true;
      const ended = await firstValueFrom(race(from(c.endAsync(!c.connected)).pipe(map(() => true)), timer(graceMs, scheduler).pipe(map(() => false))));
      if (!ended) c.stream.destroy();
    },
  };
}
