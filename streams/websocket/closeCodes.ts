/**
 * Close codes Haven uses, with the reason text sent along. 1xxx are the protocol's own; 4xxx are
 * ours, numbered after the HTTP status they resemble so a reader guesses them right
 * (4401 unauthorized, 4403 forbidden) and 4008 for "slow consumer" (1008's policy, app range).
 */
export const CLOSE = {
  /** The hub is shutting down; `shutdown` said when to come back. */
  goingAway: { code: 1001, reason: 'server shutting down' },
  /** Binary frames carry nothing Haven understands. */
  unsupportedData: { code: 1003, reason: 'binary messages are not supported' },
  /** Sent by `ws` itself, without a reason, for a message over `max_payload_bytes`. */
  tooBig: { code: 1009, reason: '' },
  /** The connection fell behind its bound (too many held messages, or backed up too long). */
  slowConsumer: { code: 4008, reason: 'slow consumer' },
  /** A malformed `auth` message or `lastSeq`. */
  badRequest: { code: 4400, reason: 'bad request' },
  /** No valid token: unknown, missing, or not sent before the deadline. */
  unauthorized: { code: 4401, reason: 'unauthorized' },
  /** Too many failed authentications from this address (HTTP's 429); the reason says when to retry. */
  tooManyFailures: { code: 4029, reason: 'too many failed authentications' },
  /** The token was revoked (or the client deleted) by an admin. */
  revoked: { code: 4403, reason: 'token revoked' },
} as const;

/** A close code and its reason. */
export interface CloseReason {
  readonly code: number;
  readonly reason: string;
}
