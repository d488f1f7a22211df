import { Subject, type Subscription } from 'rxjs';
import type { Decision, TriggerDef } from '../../../streams/contracts';
import { createHandshake$, INITIAL_HANDSHAKE, type HandshakeState } from '../../../streams/sources/modbusHandshake';
import { createModbusMap, type ModbusBinding, type ModbusMap } from '../../../streams/sources/modbusMap';
import { ConfigError } from '../../config/loadConfig';
import type { HavenConfig, ListenerConfig } from '../../config/havenConfig';
import type { Component, Report } from '../../hub';
import type { Logger } from '../../log';
import { createSourceStatus } from '../sourceStatus';
import { listenModbus, type ModbusServer } from './modbusServer';
import { createModbusVector } from './modbusVector';

/** The Modbus source as a component; `address()` and `map()` are for tests and diagnostics. */
export interface ModbusSource extends Component {
  address(): { readonly address: string; readonly port: number } | null;
  /** The resolved address map (null before start). */
  map(): ModbusMap | null;
}

export const MODBUS_SOURCE = 'MODBUS';

/** What the Modbus source reads: its switch, where it listens, its map settings, the catalog, the gateway's door, the log. */
export interface ModbusSourceDeps {
  /** `trigger.sources.MODBUS.enabled`. */
  readonly enabled: boolean;
  /** `comm.modbus`. */
  readonly listen: ListenerConfig;
  /** `sources.modbus`. */
  readonly modbus: HavenConfig['sources']['modbus'];
  /** The trigger catalog the address map is derived from. */
  readonly triggers: ReadonlyMap<string, TriggerDef>;
  readonly report: Report;
  /** Told of each request answered with an exception (ComponentDeps.refused). */
  readonly refused?: (source: string, reason: string) => void;
  /** The hub's log; the source logs as a child of it. */
  readonly log: Logger;
}

/**
 * The address map of `modbus` for the catalog, as the source starts on it (and `haven config
 * check` checks it): a ConfigError listing every problem when it is not usable.
 */
export function modbusMapOf(triggers: ReadonlyMap<string, TriggerDef>, modbus: HavenConfig['sources']['modbus']): ModbusMap {
  const resolved = createModbusMap(triggers.values(), modbus);
  if (!resolved.ok) throw new ConfigError('(haven config)', '/sources/modbus', `is not a usable address map: ${resolved.errors.join('; ')}`);
  return resolved.map;
}

/**
 * A Modbus TCP server on `comm.modbus` that a PLC drives with the handshake of the seed: a rising
 * write on a trigger's coil (CMD_TRIG_TOGGLE) reports that trigger with the value of its holding
 * register; once the gateway accepts it, the trigger's acknowledge discrete input flips; the
 * status input registers count this source's accepted and rejected triggers; CMD_RESET clears
 * counters and latches. The Modbus reply does not wait for the decision: the PLC polls the
 * acknowledge, as PLC handshakes do. The address map comes from `sources.modbus`, derived from
 * the trigger catalog by default; a bad map stops the hub from starting.
 */
export function createModbusSource({ enabled, listen, modbus, triggers, report: reportInput, refused, log: hubLog }: ModbusSourceDeps): ModbusSource {
  const log = hubLog.child(`Source ${MODBUS_SOURCE}`);
  const status = createSourceStatus(MODBUS_SOURCE, log);
  let server: ModbusServer | undefined;
  let map: ModbusMap | null = null;
  let handshake: HandshakeState = INITIAL_HANDSHAKE;
  let subscription: Subscription | undefined;
  let stopping: Promise<void> | undefined;

  return {
    name: MODBUS_SOURCE,
    address: () => (server && status.get().state === 'listening' ? server.address() : null),
    map: () => map,
    health: () => status.health(server ? `${server.connections()} connection(s), ${map?.bindings.length ?? 0} trigger(s) mapped` : undefined),

    async start() {
      if (!enabled) return status.set({ state: 'disabled' });
      status.set({ state: 'starting' });
      try {
        map = modbusMapOf(triggers, modbus);
      } catch (error) {
        status.set({ state: 'failed', error: (error as Error).message });
        throw error;
      }

      // Fed by the decisions of this source's own reports: that also counts the ingress's
      // `overflow`, which never reaches the gateway's decisions.
      const decisions$ = new Subject<Decision>();
      const reset$ = new Subject<void>();
      subscription = createHandshake$(decisions$, reset$, MODBUS_SOURCE).subscribe((h) => (handshake = h));
      subscription.add(() => {
        decisions$.complete();
        reset$.complete();
      });

      const report = (binding: ModbusBinding, value: string | number | null): void => {
        const name = binding.def.name;
        void reportInput({ source: MODBUS_SOURCE, kind: 'event', name, value, id: null, remote: server?.currentRemote() }).then((decision) => {
          decisions$.next(decision);
          if (decision.accepted) log.debug('trigger accepted', { name, seq: decision.event.seq });
          else log.info('trigger rejected', { name, reason: decision.reason, message: decision.message });
        });
      };
      const vector = createModbusVector({
        map,
        handshake: () => handshake,
        ready: () => status.get().state === 'listening',
        onTrigger: report,
        onReset: () => {
          log.info('CMD_RESET: counters and latches cleared');
          reset$.next();
        },
      });
      const { host, port } = listen;
      try {
        server = await listenModbus(vector, { host, port, unitId: modbus.unit_id, log, refused: refused && ((reason) => refused(MODBUS_SOURCE, reason)) });
        const addr = server.address();
        status.set({ state: 'listening', address: `${addr.address}:${addr.port}` });
      } catch (err) {
        status.set({ state: 'failed', error: `cannot listen on ${host}:${port}: ${(err as Error).message}` });
      }
    },

    stop() {
      stopping ??= (async () => {
        if (status.get().state === 'listening') status.set({ state: 'stopping' });
        await server?.close();
        subscription?.unsubscribe();
        status.set({ state: 'stopped' });
      })();
      return stopping;
    },
  };
}
