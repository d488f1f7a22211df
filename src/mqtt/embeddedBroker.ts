import { Aedes, type AuthenticateError, type Client, type PublishPacket } from 'aedes';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { firstValueFrom, from, race, timer, type SchedulerLike } from 'rxjs';
import type { ListenerConfig } from '../config/havenConfig';
import type { Logger } from '../log';
import type { LinkEvents, LinkPublish, MqttLink } from './mqttLink';
import type { DeviceKeyAuth } from '../security/deviceKeyAuth';
import { plainIp } from '../security/plainIp';
import { createPublishAnswers } from './publishAnswers';
import { createQos2Decisions } from './qos2Decisions';

export interface EmbeddedBrokerDeps {
  readonly listen: ListenerConfig;
  /** Topics Haven reads: their publishes are acknowledged once decided, unless nothing was stored. */
  readonly isInput: (topic: string) => boolean;
  /** Topics only Haven publishes to (its events, states, errors): a device publishing there is disconnected. */
  readonly isOutput: (topic: string) => boolean;
  readonly auth?: DeviceKeyAuth;
  /** Wall-clock ms, for message expiry. */
  readonly wallMs: () => number;
  /** How long PUBACKs still owed may take to go out when the hub stops (`shutdown.grace_ms`). */
  readonly graceMs: number;
  /** The hub's timers (the grace). */
  readonly scheduler: SchedulerLike;
  readonly log: Logger;
}

/** MQTT 3.1.1 CONNACK return codes aedes sends for a refused CONNECT. */
const BAD_USER_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

/** The part of aedes' persistence (untyped in aedes' own types) that says whether a QoS 2 publish awaits its PUBREL. */
interface IncomingStore {
  readonly persistence: { incomingGetPacket(client: Client, packet: { messageId: number }): Promise<unknown> };
}

/** Aedes keeps `messageExpiry` (absolute ms) on a packet through its queues; MQTT 3.1.1 has no expiry of its own. */
type ExpiringPacket = PublishPacket & { messageExpiry?: number };

const refusal = (message: string, code: number): AuthenticateError => Object.assign(new Error(message), { returnCode: code }) as AuthenticateError;

/** The publisher's address as the whitelist and the failure count read it. */
const remoteOf = (socket: Socket | undefined): string => plainIp(socket?.remoteAddress ?? 'unknown');

/**
 * An MQTT broker inside the hub (aedes, MQTT 3.1.1), for installations without one. A publish to
 * an input topic is acknowledged (PUBACK, PUBREC) only after the hub decided it: aedes sends the
 * acknowledgement once `authorizePublish` calls back, and it calls back when the decision (and,
 * for an accepted input, the event log's write) is done. A QoS 1 or 2 publish the hub did not
 * store (`not_stored`, `overflow`) is never acknowledged: its connection is dropped, and the
 * client sends it again once reconnected; QoS 0 has no acknowledgement, its publisher learns it
 * on the error topic only. The max-age rule rides on aedes' `messageExpiry`: a queued event past
 * it is never forwarded, and is cleared from the subscriber's session.
 */
export function createEmbeddedBroker(deps: EmbeddedBrokerDeps): MqttLink {
  const { listen, isInput, isOutput, auth, wallMs, graceMs, scheduler, log } = deps;
  let broker: Aedes | undefined;
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  /** Answers to publishes, in order per connection; a stop lets the PUBACKs still owed out first (else each is sent again). */
  const answers = createPublishAnswers<Client>((client, err, publishes) =>
    log.info('dropped an MQTT client without acknowledging what Haven could not store; it sends that again once reconnected', {
      client: client.id,
      publishes,
      error: err.message,
    }),
  );
  /** Per client id, the QoS 2 packet ids being decided: a resend of one is answered once it is, not decided beside it. */
  const qos2 = createQos2Decisions();

  return {
    address: () => (server?.listening ? (server.address() as AddressInfo) : null),
    detail: () =>
      `embedded broker on ${listen.host}:${server?.listening ? (server.address() as AddressInfo).port : listen.port}, ${broker?.connectedClients ?? 0} client(s)`,
    healthy: () => server?.listening === true,

    async start(events: LinkEvents) {
      const aedes = new Aedes({
        // A client that stops reading is dropped after 10 s rather than holding every delivery up.
        drainTimeout: 10_000,
        authenticate(client, _username, password, done) {
          if (!auth?.required) return done(null, true);
          const remote = remoteOf(client.conn as Socket);
          const wait = auth.failures?.blockedForMs(remote) ?? null;
          if (wait !== null) return done(refusal('too many failed authentications', NOT_AUTHORIZED), null);
          if (password !== undefined && auth.verify(password.toString('utf8'))) return done(null, true);
          auth.failures?.fail(remote);
          log.info('refused an MQTT client: no valid device key as its password', { remote, client: client.id });
          done(refusal('a device key is needed as the password', BAD_USER_OR_PASSWORD), null);
        },
        authorizePublish(client, packet, done) {
          // Wills aedes publishes for a client already gone.
          if (client === null) return done(null);
          if (packet.topic.startsWith('$SYS/') || isOutput(packet.topic)) {
            log.info('disconnected an MQTT client publishing to a topic only Haven publishes to', { client: client.id, topic: packet.topic });
            return done(new Error(`${packet.topic} is published by Haven only`));
          }
          if (!isInput(packet.topic)) return answers.answer(client, null, packet.qos, done);
          const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
          const decide = (): Promise<void> =>
            // A connection being dropped takes nothing more that its client would send again (its
            // will, published once it is closed, the client never sends again: that is decided).
            packet.qos > 0 && answers.dropping(client) && !client.closed
              ? Promise.reject(new Error('the connection is being dropped'))
              : events.input(packet.topic, payload, remoteOf(client.conn as Socket));
          // Decided at once (the gateway sees publishes in the order they came), answered in order:
          // a rejection (nothing stored) is no acknowledgement, and drops the connection, so the
          // client sends it again after reconnecting (aedes: an error from authorizePublish).
          const { messageId } = packet;
          // aedes keeps a QoS 2 publish it let through in its incoming store until the client's PUBREL.
          const heldByBroker = (id: number) => (): Promise<boolean> =>
            (aedes as unknown as IncomingStore).persistence.incomingGetPacket(client, { messageId: id }).then(
              (stored) => stored !== undefined && stored !== null,
              () => false,
            );
          const work = packet.qos === 2 && messageId !== undefined ? qos2.answer(client.id, messageId, heldByBroker(messageId), decide) : decide();
          answers.answer(client, work, packet.qos, done);
        },
        authorizeForward(_client, packet) {
          const expiry = (packet as ExpiringPacket).messageExpiry;
          return expiry !== undefined && expiry <= wallMs() ? null : packet;
        },
      });
      await aedes.listen();
      aedes.on('clientError', (client, err) => log.debug('MQTT client error', { client: client.id, error: err.message }));
      broker = aedes;
      const tcp = createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        aedes.handle(socket);
      });
      server = tcp;
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(listen.port, listen.host, () => resolve());
      });
      tcp.removeAllListeners('error');
      tcp.on('error', (err) => log.error('MQTT listener error', { error: err.message }));
      events.connected();
    },

    publish(message: LinkPublish, done: () => void) {
      if (!broker || broker.closed) return done();
      const packet: ExpiringPacket = {
        cmd: 'publish',
        topic: message.topic,
        payload: message.payload,
        qos: message.qos,
        retain: message.retain,
        dup: false,
        ...(message.expirySeconds === undefined ? {} : { messageExpiry: wallMs() + message.expirySeconds * 1000 }),
      };
      broker.publish(packet, () => done());
    },

    stopping: () => answers.hold(),

    async stop() {
      const tcp = server;
      const closed = new Promise<void>((resolve) => (tcp?.listening ? tcp.close(() => resolve()) : resolve()));
      await firstValueFrom(race(from(Promise.allSettled(answers.owed())), timer(graceMs, scheduler)));
      // Let the last PUBACKs leave the socket before it goes.
      await new Promise((r) => setImmediate(r));
      for (const socket of sockets) socket.destroy();
      await closed;
      const aedes = broker;
      if (aedes && !aedes.closed) await new Promise<void>((resolve) => aedes.close(() => resolve()));
    },
  };
}
