import { interval, type SchedulerLike, type Subscription } from 'rxjs';
import type { RateLimiter } from '../../streams/websocket/rateLimiter';
import type { ClientConnection, ConnectionLetter } from './clientConnection';

export interface SweepDeps {
  readonly connections: ReadonlySet<ClientConnection>;
  readonly scheduler: SchedulerLike;
  readonly sweepMs: number;
  readonly heartbeatMs: number;
  /** Limiters whose forgotten IPs the sweep drops. */
  readonly limiters: readonly RateLimiter[];
}

/**
 * The one timer of the transport: every `sweepMs` each connection checks its deadlines (auth,
 * backed up, closing) and, once per `heartbeatMs`, pings or is reaped. 10 000 idle connections
 * cost one interval, not 10 000 timers. Runs on the hub's (monotonic) scheduler.
 */
export function startSweep({ connections, scheduler, sweepMs, heartbeatMs, limiters }: SweepDeps): Subscription {
  let lastHeartbeat = scheduler.now();
  return interval(sweepMs, scheduler).subscribe(() => {
    const now = scheduler.now();
    const heartbeat = now - lastHeartbeat >= heartbeatMs;
    if (heartbeat) lastHeartbeat = now;
    // One message object for everyone: mailbox messages are read-only.
    const sweep: ConnectionLetter = { type: 'sweep', heartbeat };
    for (const conn of connections) conn.send(sweep);
    for (const limiter of limiters) limiter.prune();
  });
}
