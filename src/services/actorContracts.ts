import * as net from 'node:net';
import type { SchedulerLike } from 'rxjs';
import type { Logger } from '../log';
import { datagramFactory, type DatagramFactory } from './datagramSocket';
import type { Delivery } from './delivery';
import type { Registration } from './registration';
import type { ServiceConfig } from './serviceConfig';
import type { ServiceStatus, StatusChange } from './serviceStatus';
import type { EndOfTurn } from '../runtime/turnStages';

/** Opens a TCP connection (default `net.connect`); tests inject their own. */
export type SocketFactory = (options: { host: string; port: number }) => net.Socket;

/** `net.connect`. */
export const defaultSocketFactory: SocketFactory = (options) => net.connect(options);

/** A connected UDP socket to the first address a host resolves to. */
export const defaultDatagramFactory: DatagramFactory = datagramFactory();

/** What every actor is built with, from the dispatcher. */
export interface ActorDeps {
  readonly scheduler: SchedulerLike;
  /** Already prefixed `Service <name>`. */
  readonly log: Logger;
  readonly connect: SocketFactory;
  /** Opens OSC_UDP's connected datagram socket (default: no allowed-hosts check). */
  readonly openDatagram?: DatagramFactory;
  readonly config: ServiceConfig;
  readonly onStatus: (change: StatusChange) => void;
  /** Runs `fn` at the end of the current turn of the event loop (default `setImmediate`). */
  readonly defer?: EndOfTurn;
}

/**
 * One registered service: owns its connection, its waiting deliveries and its status. Every
 * method only posts a message to the actor's mailbox; nothing here ever blocks the caller.
 */
export interface ServiceActor {
  readonly registration: Registration;
  /** Current status and the reason for it, if any. */
  status(): ServiceStatus;
  detail(): string | undefined;
  /** Deliveries waiting in its outbox (not yet handed to a socket), read at a metrics scrape. */
  mailboxDepth(): number;
  /**
   * Brings the actor up. Resolves true once it can deliver (TCP_SOCKET: connected), false when
   * the first connect failed; the actor then keeps retrying with backoff until stopped.
   */
  start(): Promise<boolean>;
  /** Takes one delivery; the actor settles it exactly once, unless stopped first (`failed`). */
  deliver(delivery: Delivery): void;
  /** Closes cleanly; settles whatever waits as `failed`. Re-entrant. */
  stop(): Promise<void>;
}
