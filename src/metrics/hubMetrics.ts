import { Counter, Histogram, Registry } from 'prom-client';
import { tallyCounter, tallyHistogram } from './tallyMetrics';
import { Subscription, type SchedulerLike } from 'rxjs';
import type { TriggerEvent } from '../../streams/contracts';
import { processMetrics } from './processMetrics';
import { registerStateGauges } from './stateGauges';
import type { WatchedHub } from './watchedHub';

export type { WatchedHub } from './watchedHub';

/** Seconds from dispatch to settle: a write takes a turn or two; an expiry takes the max age (2 s by default). */
const DELIVERY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds from append to stored: one turn in memory, a write(2) (and an fsync with `always`) on disk. */
const WRITE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/** One hub's metrics in its own registry (several hubs in one process never share a series). */
export interface HubMetrics {
  readonly registry: Registry;
  readonly contentType: string;
  /** The event log's append, timed: one observation per batch, from its first append to stored. */
  timeAppend(append: (event: TriggerEvent) => Promise<void>): (event: TriggerEvent) => Promise<void>;
  /** Counts what the hub does from now on; unsubscribe to stop. */
  watch(hub: WatchedHub): Subscription;
  /** The hub's metrics, then the process's, in Prometheus' text format. */
  text(): Promise<string>;
}

/**
 * Builds the metrics of one hub. Counters and histograms move in the subscribers of the hub's hot
 * streams (a plain count per answer and per settled delivery, one prom-client `observe` per log
 * batch); everything that is a state (seq, mailboxes, clients, sockets) is read only when scraped.
 */
export function createHubMetrics({
  scheduler,
  processRegistry = processMetrics(),
}: {
  /** Its `now()` times the log's writes. */
  readonly scheduler: SchedulerLike;
  /** Default: the process's one registry ({@link processMetrics}). */
  readonly processRegistry?: Registry;
}): HubMetrics {
  const registry = new Registry();
  const registers = [registry];
  // The two that move on every answer and every delivery are plain numbers until scraped.
  const inputOf = tallyCounter({
    name: 'haven_inputs_total',
    help: 'Inputs answered, by source and outcome (accepted, or the reason of the rejection).',
    labelNames: ['source', 'outcome'],
    registry,
  });
  const deliveryOf = tallyHistogram({
    name: 'haven_service_delivery_seconds',
    help: 'Time from dispatch to settle of each delivery, by service and result (written, expired, failed, overflow, unsupported).',
    labelNames: ['service', 'result'],
    buckets: DELIVERY_BUCKETS,
    registry,
  });
  const reconnects = new Counter({
    name: 'haven_service_reconnects_total',
    help: 'Connections to a service after its first.',
    labelNames: ['service'],
    registers,
  });
  const writes = new Histogram({
    name: 'haven_eventlog_write_seconds',
    help: 'Time from the first append of a batch to the batch stored.',
    buckets: WRITE_BUCKETS,
    registers,
  });

  let hub: WatchedHub | undefined;
  const beginScrape = registerStateGauges(registry, () => hub);

  return {
    registry,
    contentType: registry.contentType,
    timeAppend(append) {
      let batch: Promise<void> | undefined;
      return (event) => {
        const stored = append(event);
        // Every record of a batch gets the batch's one promise: only its first append starts a timer.
        if (stored !== batch) {
          batch = stored;
          const from = scheduler.now();
          stored.then(
            () => writes.observe((scheduler.now() - from) / 1000),
            () => undefined,
          );
        }
        return stored;
      };
    },
    watch(watched) {
      hub = watched;
      const connected = new Set<string>();
      const subscription = new Subscription();
      subscription.add(watched.answers$.subscribe((d) => inputOf(d.input.source, d.accepted ? 'accepted' : d.reason).n++));
      subscription.add(watched.refused$.subscribe((r) => inputOf(r.source, r.reason).n++));
      subscription.add(watched.settled$.subscribe((s) => deliveryOf(s.service, s.result).observe(s.waitedMs / 1000)));
      subscription.add(
        watched.serviceStatus$.subscribe(({ service, status }) => {
          if (status !== 'connected') return;
          if (connected.has(service)) reconnects.labels(service).inc();
          else {
            connected.add(service);
            reconnects.labels(service).inc(0);
          }
        }),
      );
      return subscription;
    },
    async text() {
      beginScrape();
      const own = await registry.metrics();
      return `${own}${own.endsWith('\n') ? '' : '\n'}${await processRegistry.metrics()}`;
    },
  };
}
