import type { ServiceStatus } from '../../streams/services/serviceEffects';
import type { Logger } from '../log';

export type { ServiceStatus } from '../../streams/services/serviceEffects';

/** One status transition of one service (feeds the "service connected/disconnected" system events). */
export interface StatusChange {
  readonly service: string;
  readonly status: ServiceStatus;
  readonly previous: ServiceStatus;
  readonly detail?: string;
}

/** An actor's status and its reason; `set` is the actor's one `setStatus`. */
export interface StatusCell {
  get(): ServiceStatus;
  detail(): string | undefined;
  set(next: ServiceStatus, detail?: string): void;
}

/**
 * The one place an actor's status changes: logs every transition (`[Service X] connected`) and
 * tells the parent. A transition to the current status is no transition and says nothing.
 */
export function createStatusCell(service: string, initial: ServiceStatus, log: Logger, onStatus: (change: StatusChange) => void): StatusCell {
  let status = initial;
  let reason: string | undefined;
  return {
    get: () => status,
    detail: () => reason,
    set(next, detail) {
      reason = detail;
      if (next === status) return;
      const previous = status;
      status = next;
      const line = detail ? `${next} (${detail})` : next;
      if (next === 'backoff' || next === 'unsupported') log.warn(line);
      else log.info(line);
      onStatus({ service, status: next, previous, ...(detail !== undefined && { detail }) });
    },
  };
}

/** A short, printable reason for a socket error. */
export function describeError(error: unknown): string {
  if (error && typeof error === 'object') {
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (typeof code === 'string') return code;
    if (typeof message === 'string') return message;
  }
  return String(error);
}
