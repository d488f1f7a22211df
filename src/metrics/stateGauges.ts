import { Gauge, type Registry } from 'prom-client';
import type { ComponentLoad, SocketLoad } from '../hub';
import type { WatchedHub } from './watchedHub';

type Set = (labels: Record<string, string>, value: number) => void;

/**
 * The gauges of what the hub holds now (seq, services, mailboxes, clients and their backlogs,
 * power sockets), read from the hub only when scraped: nothing on an event's path. Each gauge is
 * reset before it is read, so the series of a service or socket that is gone disappears. Returns
 * the function that starts a scrape (the components' loads are read once per scrape).
 */
export function registerStateGauges(registry: Registry, hubNow: () => WatchedHub | undefined): () => void {
  const registers = [registry];
  let loads: Array<ComponentLoad & { readonly component: string }> | undefined;
  const loadsOf = (hub: WatchedHub) => (loads ??= hub.components().flatMap((c) => (c.load ? [{ component: c.name, ...c.load() }] : [])));
  const gauge = (name: string, help: string, labelNames: string[], read: (hub: WatchedHub, set: Set) => void) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        const hub = hubNow();
        if (hub) read(hub, (labels, value) => this.set(labels, value));
      },
    });
  const perComponent = (field: 'clients' | 'backlogBytes' | 'backlogMessages') => (hub: WatchedHub, set: Set) => {
    for (const load of loadsOf(hub)) if (load[field] !== undefined) set({ component: load.component }, load[field]);
  };
  const perSocket = (read: (s: SocketLoad) => number | null) => (hub: WatchedHub, set: Set) => {
    for (const load of loadsOf(hub))
      for (const s of load.sockets ?? []) {
        const value = read(s);
        if (value !== null) set({ socket: s.socket }, value);
      }
  };

  gauge('haven_seq', 'Highest seq stored.', [], (hub, set) => set({}, hub.lastSeq()));
  gauge('haven_service_connected', '1 while a registered service can be delivered to, else 0.', ['service', 'protocol'], (hub, set) => {
    for (const s of hub.services()) set({ service: s.name, protocol: s.protocol }, s.status === 'connected' ? 1 : 0);
  });
  gauge('haven_service_mailbox_depth', 'Deliveries waiting at a service, not yet written.', ['service'], (hub, set) => {
    for (const { service, depth } of hub.mailboxDepths()) set({ service }, depth);
  });
  gauge('haven_service_unsettled_events', 'Dispatched events some service has not settled yet (written, expired or failed).', [], (hub, set) =>
    set({}, hub.unsettledEvents()),
  );
  gauge('haven_clients', 'Connected clients by component (websocket connections, sse streams).', ['component'], perComponent('clients'));
  gauge('haven_client_backlog_bytes', 'Bytes written to clients that their sockets have not taken yet.', ['component'], perComponent('backlogBytes'));
  gauge('haven_client_backlog_messages', 'Messages held for backed-up clients (websocket).', ['component'], perComponent('backlogMessages'));
  gauge(
    'haven_power_socket_on',
    '1 while a power socket is switched on.',
    ['socket'],
    perSocket((s) => (s.on ? 1 : 0)),
  );
  gauge(
    'haven_power_socket_running_instances',
    'Instances holding a power socket on.',
    ['socket'],
    perSocket((s) => s.runningInstances),
  );
  gauge(
    'haven_power_socket_current_amperes',
    "The power monitor's last amperage of a socket.",
    ['socket'],
    perSocket((s) => s.currentA),
  );
  gauge(
    'haven_power_socket_power_watts',
    "The power monitor's last power of a socket.",
    ['socket'],
    perSocket((s) => s.powerW),
  );

  return () => {
    loads = undefined;
  };
}
