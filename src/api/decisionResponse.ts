import type { Rejected } from '../../streams/contracts';

/** An HTTP answer for a rejected input: status, body, and headers where they help the device. */
export interface RejectionResponse {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers?: Record<string, string>;
}

/**
 * Maps a gateway rejection to HTTP. Gated inputs get a status the device can act on: 429 says
 * "later", 403 says "never from here", 409 says "you are behind", 200 says "already done".
 */
export function rejectionResponse(r: Rejected): RejectionResponse {
  const error = (status: number, headers?: Record<string, string>): RejectionResponse => ({ status, body: { error: r.message, reason: r.reason }, headers });
  switch (r.reason) {
    case 'unknown_trigger':
      // The seed's 404 body, word for word.
      return { status: 404, body: { error: r.message } };
    case 'invalid_value':
      return error(400);
    case 'not_whitelisted':
    case 'source_disabled':
      return error(403);
    case 'cooldown':
    case 'min_interval':
      return error(429);
    case 'stale':
      return error(409);
    case 'overflow':
    case 'not_stored':
      return error(503, { 'Retry-After': '1' });
    case 'not_durable':
      // Not "try again": the hub holds the event and sent it on; a resend would be a second one.
      return error(500);
    case 'duplicate':
      // A retry of what was already handled: the device should stop retrying, so it is a success.
      return { status: 200, body: { message: r.message, reason: r.reason, dispatched_to: 0 } };
    case 'superseded':
      // A newer value of the same Continuous trigger will be delivered at the window's end.
      return { status: 202, body: { message: r.message, reason: r.reason, dispatched_to: 0 } };
  }
}
