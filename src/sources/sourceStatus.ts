import type { ComponentHealth } from '../hub';
import type { Logger } from '../log';

/** Where a source is in its life; `failed` keeps the error for `/readyz` and the logs. */
export type SourceStatus =
  | { readonly state: 'idle' }
  | { readonly state: 'disabled' }
  | { readonly state: 'starting' }
  | { readonly state: 'listening'; readonly address: string }
  | { readonly state: 'failed'; readonly error: string }
  | { readonly state: 'stopping' }
  | { readonly state: 'stopped' };

/** A source's status, changed only through `set`, which logs every transition. */
export interface SourceStatusCell {
  get(): SourceStatus;
  set(next: SourceStatus): void;
  /** The status as `/readyz` shows it; `detail` is appended while listening (connection counts). */
  health(detail?: string): ComponentHealth;
}

/** The status cell of source `name` (`TCP`, `MODBUS`, `WEB`), starting `idle`; every transition logs through `log`. */
export function createSourceStatus(name: string, log: Logger): SourceStatusCell {
  let status: SourceStatus = { state: 'idle' };
  return {
    get: () => status,
    set(next) {
      const from = status.state;
      status = next;
      if (next.state === 'failed') log.error(`${from} → failed`, { error: next.error });
      else log.info(`${from} → ${next.state}`, next.state === 'listening' ? { address: next.address } : undefined);
    },
    health(detail) {
      const named = (state: ComponentHealth['state'], text?: string): ComponentHealth => (text === undefined ? { name, state } : { name, state, detail: text });
      switch (status.state) {
        case 'idle':
          return named('stopped', 'not started');
        case 'disabled':
          return named('stopped', `disabled in config (trigger.sources.${name}.enabled)`);
        case 'starting':
          return named('starting');
        case 'listening':
          return named('ok', detail === undefined ? `listening on ${status.address}` : `listening on ${status.address}, ${detail}`);
        case 'failed':
          return named('failed', status.error);
        case 'stopping':
          return named('stopped', 'stopping');
        case 'stopped':
          return named('stopped');
      }
    },
  };
}
