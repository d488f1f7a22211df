import type { ServiceProtocol } from './registration';

/**
 * What happened to one event at one service:
 * - `written`: handed to the kernel (the socket's write callback fired without error);
 * - `expired`: waited longer than the registration's max age, never written;
 * - `failed`: could not be written (`detail` says why);
 * - `overflow`: dropped as the oldest of a full mailbox;
 * - `unsupported`: the protocol does not deliver yet (OPC);
 * - `queued`: still waiting when the caller stopped waiting (only in {@link DeliveryOutcome}s
 *   returned at a bound, never settled by an actor).
 */
export type DeliveryResult = 'written' | 'expired' | 'failed' | 'overflow' | 'unsupported' | 'queued';

/** One event's outcome at one service. */
export interface DeliveryOutcome {
  readonly service: string;
  readonly protocol: ServiceProtocol;
  readonly result: DeliveryResult;
  readonly detail?: string;
}

/** A final result an actor settles a delivery with (everything but `queued`). */
export type SettledResult = Exclude<DeliveryResult, 'queued'>;

/**
 * One line on its way to one service. The dispatcher creates it; the service's actor owns it
 * until it calls `settle` exactly once.
 */
export interface Delivery {
  /** The encoded wire line (shared between services asking for the same fields: never mutate). */
  readonly line: Buffer;
  /** Scheduler time at which the event was handed to the services (once for all of them); max age counts from here. */
  readonly enqueuedAt: number;
  /** True once settled; a settled delivery still sitting in a queue is skipped. */
  settled: boolean;
  settle(result: SettledResult, detail?: string): void;
}

/** Builds a delivery, handed out at scheduler time `enqueuedAt`, that calls `onSettle` once, on the first settle. */
export function createDelivery(line: Buffer, enqueuedAt: number, onSettle: (result: SettledResult, detail?: string) => void): Delivery {
  const delivery: Delivery = {
    line,
    enqueuedAt,
    settled: false,
    settle(result, detail) {
      if (delivery.settled) return;
      delivery.settled = true;
      onSettle(result, detail);
    },
  };
  return delivery;
}
