import type { AddressInfo } from 'node:net';

/** One publish as the MQTT component hands it to its link. */
export interface LinkPublish {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: 0 | 1;
  readonly retain: boolean;
  /** The max-age rule: an event a subscriber has not received by then is never delivered. */
  readonly expirySeconds?: number;
}

/**
 * A publish arriving for Haven, with where it came from (for the whitelist). The returned promise
 * settles with the hub's decision, so after the event log stored an accepted input. It resolves
 * for a decision that stands (an acceptance, and a final refusal, which is answered on the error
 * topic); the link acknowledges the publish (PUBACK, PUBREC) only then. It rejects with
 * {@link InputNotTaken} when nothing was stored and a resend may be taken (`not_stored`,
 * `overflow`): the link must not acknowledge that publish, so that its publisher sends it again.
 */
export type LinkInput = (topic: string, payload: Buffer, remote: string) => Promise<void>;

/** The refusals after which nothing was stored and the same publish, sent again, may be taken. */
export type NotTakenReason = 'not_stored' | 'overflow';

/** Why {@link LinkInput} rejects: the hub stored nothing (the log could not write, or the gateway was full or stopping). */
export class InputNotTaken extends Error {
  constructor(
    readonly reason: NotTakenReason,
    message: string,
  ) {
    super(message);
    this.name = 'InputNotTaken';
  }
}

/** What the link tells the component about reaching the broker. */
export interface LinkEvents {
  readonly input: LinkInput;
  /** The broker can be published to (at start, and after each reconnect). */
  readonly connected: () => void;
  readonly disconnected: (reason: string) => void;
}

/**
 * Haven's side of MQTT: its own broker (aedes) or a client of an existing one (mqtt.js); the
 * component above does not know which.
 */
export interface MqttLink {
  /** Resolves once it serves (listening, or connected, or retrying in the background). */
  start(events: LinkEvents): Promise<void>;
  /** `done` is called once the broker took a QoS 1 publish (or the link gave it up). */
  publish(message: LinkPublish, done: () => void): void;
  /** Where devices connect, for an embedded broker. */
  address(): AddressInfo | null;
  /** One line for `/readyz`. */
  detail(): string;
  readonly healthy: () => boolean;
  /**
   * The hub is about to stop taking inputs (they are refused `overflow` until it stops): a publish
   * not taken from now on is only left unacknowledged, for the next start, without the dropped
   * connection or reconnect that would make its publisher send it again into the same refusal.
   */
  stopping(): void;
  stop(): Promise<void>;
}
