/**
 * Payloads on the bus besides TriggerEvents. The types live in `streams/busMessages.ts` so the
 * pure envelope builders can name them too; transports import them from here.
 */
export type { PowerEvent, ServiceStatusChange } from '../../streams/busMessages';
