import type { Observable } from 'rxjs';
import type { Decision } from '../../streams/contracts';
import type { Component } from '../hub';
import type { Refusal } from '../runtime/ingress';
import type { RegistrationView, ServiceStatusChangeOf, Settlement } from '../services/dispatcher';

/** What the metrics watch once the hub runs; the functions are read only when scraped. */
export interface WatchedHub {
  /** Every answer a source got (ComponentDeps.answers$). */
  readonly answers$: Observable<Decision>;
  /** Every input a source refused before the gateway (not JSON, not a trigger line, no device key). */
  readonly refused$: Observable<Refusal>;
  /** Every delivery a service settled. */
  readonly settled$: Observable<Settlement>;
  readonly serviceStatus$: Observable<ServiceStatusChangeOf>;
  readonly lastSeq: () => number;
  readonly services: () => RegistrationView[];
  readonly mailboxDepths: () => ReadonlyArray<{ readonly service: string; readonly depth: number }>;
  /** Dispatched events some service has not settled yet. */
  readonly unsettledEvents: () => number;
  /** The running components; those with a `load` show their clients, backlogs and sockets. */
  readonly components: () => readonly Component[];
}
