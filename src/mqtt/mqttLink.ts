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
 * A publish arriving for Haven, with where it came from (for the whitelist). The link
 * acknowledges it (PUBACK) only once the returned promise settles: after the hub's decision,
 * and so after the event log stored an accepted input.
 */
export type LinkInput = (topic: string, payload: Buffer, remote: string) => Promise<void>;

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
  stop(): Promise<void>;
}
