import { Subject, share, type Observable, type SchedulerLike } from 'rxjs';
import type { Decision, RawTrigger, Rejected } from '../../streams/contracts';
import type { TriggerReport } from '../hub';

/** The gateway as a function of its input stream. */
export type GatewayOperator = (input$: Observable<RawTrigger>) => Observable<Decision>;

export interface IngressDeps {
  readonly gateway: GatewayOperator;
  readonly scheduler: SchedulerLike;
  /** Inputs awaiting their decision beyond this are rejected at once as `overflow`. */
  readonly maxPending: number;
  /** Sources switched off in config; their inputs are rejected as `source_disabled`. */
  readonly isSourceEnabled: (source: string) => boolean;
}

/** The one door into the gateway: every source reports here and awaits its decision. */
export interface Ingress {
  report(input: TriggerReport): Promise<Decision>;
  /** Every decision, in the order the gateway made them. Hot. */
  readonly decisions$: Observable<Decision>;
  /** Inputs still waiting for their decision (a throttled Continuous value waits for its window). */
  pending(): number;
  /** Stops the gateway; inputs still waiting are answered `overflow` so no caller hangs. */
  close(): void;
}

/**
 * Pushes each report into the gateway with a ticket and resolves the caller's promise with the
 * decision carrying that ticket. The queue in front of the gateway is bounded: past `maxPending`
 * the input is rejected as `overflow` (the seed's overflow signal) and nothing else changes.
 */
export function createIngress({ gateway, scheduler, maxPending, isSourceEnabled }: IngressDeps): Ingress {
  const input$ = new Subject<RawTrigger>();
  const waiting = new Map<number, { input: RawTrigger; resolve: (d: Decision) => void }>();
  let nextTicket = 1;
  const decisions$ = gateway(input$).pipe(share());
  // The ingress itself is a subscriber, so decisions flow (and callers resolve) even with no other reader.
  const subscription = decisions$.subscribe((decision) => {
    const entry = waiting.get(decision.input.ticket);
    if (entry) {
      waiting.delete(decision.input.ticket);
      entry.resolve(decision);
    }
  });
  const reject = (input: RawTrigger, reason: Rejected['reason'], message: string): Promise<Decision> =>
    Promise.resolve({ accepted: false, input, reason, message });

  return {
    report(report) {
      // Field by field, not `{ ...report, ticket, receivedAt }`: V8 (Node 20) takes a slow path of
      // about 1 µs per property added after a spread, which was a third of the gateway's cost.
      const { source, kind, name, value, id, remote } = report;
      const input: RawTrigger = { source, kind, name, value, id, remote, ticket: nextTicket++, receivedAt: scheduler.now() };
      if (!isSourceEnabled(input.source)) return reject(input, 'source_disabled', `Source ${input.source} is disabled in config`);
      if (waiting.size >= maxPending) return reject(input, 'overflow', `Gateway queue is full (${maxPending} inputs waiting); try again shortly`);
      return new Promise<Decision>((resolve) => {
        waiting.set(input.ticket, { input, resolve });
        input$.next(input);
      });
    },
    decisions$,
    pending: () => waiting.size,
    close() {
      input$.complete();
      subscription.unsubscribe();
      for (const { input, resolve } of waiting.values()) {
        resolve({ accepted: false, input, reason: 'overflow', message: 'Hub is shutting down' });
      }
      waiting.clear();
    },
  };
}
