import type { Observable, SchedulerLike } from 'rxjs';
import type { CacheState, Decision, TriggerDef, TriggerEvent } from '../../streams/contracts';
import type { RegistrationView, ServiceStatusChangeOf, Settlement } from '../services/dispatcher';
import type { DeliveryOutcomes } from '../api/triggerAnswer';
import type { Bus } from '../bus/bus';
import type { HavenConfig } from '../config/havenConfig';
import type { Component, Report } from '../hub';
import type { Logger } from '../log';
import { createPowerComponent, type PowerComponent, type PowerComponentOptions } from '../power/powerComponent';
import { createSseComponent } from '../sse/sseComponent';
import { createApiKeys } from '../keys/apiKeys';
import { createModbusSource, MODBUS_SOURCE, type ModbusSource } from '../sources/modbus/modbusSource';
import { createOscSource, OSC_SOURCE, type OscSource } from '../sources/osc/oscSource';
import { lazyLink } from '../mqtt/lazyLink';
import { createMqttComponent, inputTopicsOf, MQTT_SOURCE, outputTopicsOf, type MqttComponent } from '../mqtt/mqttComponent';
import type { MqttLink } from '../mqtt/mqttLink';
import { createTcpSource, TCP_SOURCE, type TcpSource } from '../sources/tcp/tcpSource';
import { createWebSource, WEB_SOURCE } from '../sources/web/webSource';
import type { AdminStores } from '../websocket/adminStores';
import type { Store } from '../storage/store';
import { createWebSocketComponent, type WebSocketComponent, type WebSocketDeps } from '../websocket/websocketComponent';
import type { Clock } from './clock';
import type { Replay } from '../eventLog/eventLog';
import type { AuthFailureLimiter } from '../security/authFailureLimiter';
import { isDevice, type Credentials } from '../security/credentials';
import type { EndOfTurn } from './turnStages';

/**
 * What the runtime has built, for the wiring below to pick from: no component receives it whole,
 * each is handed the few parts it reads (as redux-observable hands an epic its `dependencies`).
 */
export interface ComponentDeps {
  /** Trigger catalog, by name. */
  readonly triggers: ReadonlyMap<string, TriggerDef>;
  /** The one door into the gateway. */
  readonly report: Report;
  /** What the services made of an accepted event (the WEB source's answers). */
  readonly delivery: DeliveryOutcomes['delivery'];
  /** Every stored input (events and statuses), in `seq` order, as the event log commits it. Hot; never errors. */
  readonly committed$: Observable<TriggerEvent>;
  /** Every answer a source got, accepted (once stored) or rejected with its reason. Hot. */
  readonly answers$: Observable<Decision>;
  /** Counts an input a source refused before the gateway (the metrics read it with the answers). */
  readonly refused: (source: string, reason: string) => void;
  /** Every delivery as its service settles it. Hot. */
  readonly settled$: Observable<Settlement>;
  /** The services' registrations as `GET /api/registrations` lists them. */
  readonly services: () => RegistrationView[];
  /** Every status transition of a registered service. Hot. */
  readonly serviceStatus$: Observable<ServiceStatusChangeOf>;
  /** The current cache, synchronously. */
  readonly cache: () => CacheState;
  /** Highest `seq` accepted so far (0 before the first). */
  readonly lastSeq: () => number;
  /** Stored events after a seq, from the event log, for clients that resume. */
  readonly replay: Replay;
  readonly bus: Bus;
  readonly store: Store;
  /** The admins, clients and their tokens (the WebSocket directory): one instance, shared by the access guard and the WebSocket transport. */
  readonly admins: AdminStores;
  /** Monotonic clock and timers for everything time-dependent. */
  readonly scheduler: SchedulerLike;
  readonly clock: Clock;
  readonly log: Logger;
  /** The turn's stage for the writes to WebSocket clients: after its answers (`HubTurn`, turnStages.ts). */
  readonly clientsStage: EndOfTurn;
  /** The hub's one count of failed authentications per address (REST, WebSocket, SSE). */
  readonly authFailures?: AuthFailureLimiter;
  /** API keys and tokens, for the TCP source's `AUTH` lines. */
  readonly credentials?: Credentials;
}

const enabled = (config: HavenConfig, source: string): boolean => config.trigger.sources[source]?.enabled !== false;

/** The components that are sources, for the dashboard and `GET /api/status`. */
export const SOURCES: readonly string[] = [WEB_SOURCE, TCP_SOURCE, MODBUS_SOURCE, OSC_SOURCE, MQTT_SOURCE];

/**
 * The WebSocket transport, wired; `seams` replaces what a test needs to (a limiter clock, the env).
 * `peers` are the other components, read when a dashboard asks (they are built after this one):
 * the sources' health and the power sockets.
 */
export function wireWebSocket(
  config: HavenConfig,
  deps: ComponentDeps,
  seams: Partial<WebSocketDeps> = {},
  peers: () => readonly Component[] = () => [],
): WebSocketComponent {
  const { committed$, bus, cache, lastSeq, replay, store, admins, scheduler, triggers, clock, log } = deps;
  const power = () => peers().find((p): p is PowerComponent => p.name === 'power' && 'service' in p);
  const dashboard: WebSocketDeps['dashboard'] = {
    answers$: deps.answers$,
    settled$: deps.settled$,
    serviceStatus$: deps.serviceStatus$,
    committed$,
    services: deps.services,
    sources: () =>
      peers()
        .filter((p) => SOURCES.includes(p.name))
        .map((p) => p.health()),
    power: () => Object.values(power()?.service.download().sockets ?? {}),
  };
  return createWebSocketComponent(config.websocket, {
    dashboard,
    accepted$: committed$,
    bus,
    cache,
    lastSeq,
    replay,
    store,
    directory: admins.directory,
    tokens: admins.tokens,
    scheduler,
    triggers,
    utcNow: clock.utcNow,
    wallMs: clock.wallMs,
    log,
    authFailures: deps.authFailures,
    endOfTurn: deps.clientsStage,
    ...seams,
  });
}

/** The SSE transport, wired; envelopes name the areas of a trigger, which `websocket` owns. */
function wireSse(config: HavenConfig, deps: ComponentDeps, websocket?: WebSocketComponent): Component {
  const { committed$, bus, lastSeq, replay, store, scheduler, triggers, clock, log } = deps;
  return createSseComponent(config.sse, {
    committed$,
    bus,
    lastSeq,
    replay,
    keys: createApiKeys({ store, utcNow: clock.utcNow }),
    scheduler,
    triggers,
    utcNow: clock.utcNow,
    log,
    areasOfTrigger: websocket?.areasOfTrigger,
  });
}

/** The power sockets, wired; `options` are test seams (ids, drivers). */
function wirePower(config: HavenConfig, deps: ComponentDeps, options: PowerComponentOptions = {}): PowerComponent {
  const { committed$, bus, store, scheduler, triggers, clock, log } = deps;
  return createPowerComponent({
    config: config.power,
    accepted$: committed$,
    publish: (e) => bus.publish('power', e),
    store,
    scheduler,
    triggers,
    utcNow: clock.utcNow,
    log,
    ...options,
  });
}

/** The WEB source, wired. */
export function wireWebSource(config: HavenConfig, { report, delivery, log }: ComponentDeps, websocket?: WebSocketComponent): Component {
  return createWebSource({
    enabled: enabled(config, WEB_SOURCE),
    report,
    services: { delivery },
    responseBoundMs: config.services.response_bound_ms,
    log,
    // The tokens are the WebSocket transport's: with it off, a token sent along is not checked.
    canFire: websocket ? (token, name) => websocket.canFire(token, name) : undefined,
  });
}

/** A device key from a source's own auth message or line: valid, and allowed to send triggers. */
function deviceKeyCheck(credentials: ComponentDeps['credentials']): (key: string) => boolean {
  return (key) => {
    const presented = credentials?.identify({ 'x-api-key': key });
    return presented?.ok === true && isDevice(presented.principal, false);
  };
}

/** The OSC source, wired. */
export function wireOscSource(config: HavenConfig, { report, refused, scheduler, log, credentials, authFailures }: ComponentDeps): OscSource {
  return createOscSource({
    enabled: enabled(config, OSC_SOURCE),
    listen: config.comm.osc,
    osc: config.sources.osc,
    graceMs: config.shutdown.grace_ms,
    scheduler,
    auth: { required: config.security.device_keys.includes(OSC_SOURCE), verify: deviceKeyCheck(credentials), failures: authFailures },
    report,
    refused,
    log,
  });
}

/*
 * The brokers' modules are required only for a link that starts (see lazyLink): aedes and mqtt.js
 * are a fifth of start-up. `require`, not `import()`: the tests run the sources through tsx, whose
 * `import()` is Node's own and resolves no `.ts` file.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const embedded = () => require('../mqtt/embeddedBroker') as typeof import('../mqtt/embeddedBroker');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const external = () => require('../mqtt/externalBroker') as typeof import('../mqtt/externalBroker');

/** Haven's side of MQTT for this config: its own broker, or a client of the one at `mqtt.broker.url`. */
function mqttLinkFor(config: HavenConfig, { clock, scheduler, log, credentials, authFailures }: ComponentDeps, reading: boolean): MqttLink {
  const { broker } = config.mqtt;
  const { url } = broker;
  const inputs = inputTopicsOf(config.mqtt);
  const graceMs = config.shutdown.grace_ms;
  const mqttLog = log.child('MQTT');
  if (url === null)
    return lazyLink(async () =>
      embedded().createEmbeddedBroker({
        listen: broker.listen,
        isInput: reading ? inputs.isInput : () => false,
        isOutput: outputTopicsOf(config.mqtt),
        auth: { required: config.security.device_keys.includes(MQTT_SOURCE), verify: deviceKeyCheck(credentials), failures: authFailures },
        wallMs: clock.wallMs,
        graceMs,
        scheduler,
        log: mqttLog,
      }),
    );
  return lazyLink(async () =>
    external().createExternalBroker({
      url,
      clientId: broker.client_id,
      username: broker.username,
      password: process.env[broker.password_env],
      sessionExpirySeconds: broker.session_expiry_s,
      reconnectMs: broker.reconnect_ms,
      connectTimeoutMs: broker.connect_timeout_ms,
      subscriptions: reading ? inputs.filters : [],
      graceMs,
      scheduler,
      log: mqttLog,
    }),
  );
}

/** The MQTT component (broker or link, source and publisher), wired; `link` replaces the broker in a test. */
export function wireMqtt(config: HavenConfig, deps: ComponentDeps, link?: MqttLink): MqttComponent {
  const reading = enabled(config, MQTT_SOURCE);
  return createMqttComponent({
    config: config.mqtt,
    sourceEnabled: reading,
    link: link ?? mqttLinkFor(config, deps, reading),
    // MQTT 5 counts expiry in whole seconds; an event never expires before its max age.
    expirySeconds: Math.max(1, Math.ceil((config.mqtt.publish.max_age_ms ?? config.services.max_age_ms) / 1000)),
    maxInFlight: config.services.mailbox_size,
    report: deps.report,
    committed$: deps.committed$,
    cache: deps.cache,
    log: deps.log,
    refused: deps.refused,
  });
}

/** The TCP source, wired. */
export function wireTcpSource(config: HavenConfig, { report, refused, scheduler, log, credentials, authFailures }: ComponentDeps): TcpSource {
  return createTcpSource({
    auth: { required: config.security.device_keys.includes(TCP_SOURCE), verify: deviceKeyCheck(credentials), failures: authFailures },
    enabled: enabled(config, TCP_SOURCE),
    listen: config.comm.tcp,
    lines: config.sources.tcp,
    graceMs: config.shutdown.grace_ms,
    report,
    refused,
    scheduler,
    log,
  });
}

/** The Modbus source, wired. */
export function wireModbusSource(config: HavenConfig, { report, refused, triggers, log }: ComponentDeps): ModbusSource {
  return createModbusSource({
    enabled: enabled(config, MODBUS_SOURCE),
    listen: config.comm.modbus,
    modbus: config.sources.modbus,
    triggers,
    report,
    refused,
    log,
  });
}

/** What a test may replace in the components {@link createComponents} builds. */
export interface ComponentSeams {
  readonly websocket?: Partial<WebSocketDeps>;
}

/**
 * The components the hub runs besides the HTTP trigger API, in start order (stopped in reverse):
 * transports and services first, sources last, so nothing is accepted before its watchers exist.
 */
export function createComponents(config: HavenConfig, deps: ComponentDeps, seams: ComponentSeams = {}): Component[] {
  let parts: Component[] = [];
  const websocket = config.websocket.enabled ? wireWebSocket(config, deps, seams.websocket, () => parts) : undefined;
  parts = [
    ...(websocket ? [websocket] : []),
    ...(config.sse.enabled ? [wireSse(config, deps, websocket)] : []),
    // Power sockets before the sources, so a bound trigger never arrives before its socket exists.
    ...(config.power.enabled ? [wirePower(config, deps)] : []),
    // Sources last; each is listed even when disabled, so /readyz says it is off.
    wireWebSource(config, deps, websocket),
    wireTcpSource(config, deps),
    wireModbusSource(config, deps),
    wireOscSource(config, deps),
    wireMqtt(config, deps),
  ];
  return parts;
}
