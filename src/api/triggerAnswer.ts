import type { TriggerKind } from '../../streams/contracts';
import type { Report } from '../hub';
import { rejectionResponse } from './decisionResponse';

/** What the trigger routes need of the services: the outcomes of one event's dispatch, bounded in time. */
export interface DeliveryOutcomes {
  delivery(seq: number, boundMs: number): Promise<ReadonlyArray<{ readonly result: string }>>;
}

export interface TriggerRoutesDeps {
  /** The gateway's door. */
  readonly report: Report;
  readonly services: DeliveryOutcomes;
  /** How long an event's answer waits for the services' outcomes. */
  readonly responseBoundMs: number;
  /** The source name these routes report as (`HTTP`; the WEB source mounts the same handler as `WEB`). */
  readonly source?: string;
}

/** A trigger input body once it passed `triggerInput.schema.json`. */
export interface TriggerInput {
  readonly name: string;
  readonly value?: string | number | boolean | null;
  readonly id?: number | null;
}

/** An HTTP answer, independent of the framework that writes it. */
export interface TriggerAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers?: Record<string, string>;
}

/**
 * Reports one valid trigger input to the gateway and turns its decision into the answer: the
 * seed's bodies on acceptance, {@link rejectionResponse} otherwise. Events wait (at most
 * `responseBoundMs`) for the services' outcomes to count `dispatched_to`. Shared by the Koa
 * route and the node:http fast path, so both answer alike.
 */
export function createTriggerAnswer(kind: TriggerKind, { report, services, responseBoundMs, source = 'HTTP' }: TriggerRoutesDeps) {
  return async (body: TriggerInput, remote: string | undefined): Promise<TriggerAnswer> => {
    const decision = await report({ source, kind, name: body.name, value: body.value, id: body.id ?? null, remote });
    if (!decision.accepted) return rejectionResponse(decision);
    const { event } = decision;
    if (kind === 'status') {
      return { status: 200, body: { message: 'Trigger status updated', trigger: event.name, value: event.value, id: event.id, trigger_seq: event.seq } };
    }
    const outcomes = await services.delivery(event.seq, responseBoundMs);
    let written = 0;
    for (const o of outcomes) if (o.result === 'written') written++;
    return {
      status: 200,
      body: {
        message: 'Trigger event received and dispatched',
        event: { name: event.name, value: event.value, id: event.id, timestamp: event.timestamp },
        dispatched_to: written,
        trigger_seq: event.seq,
      },
    };
  };
}
