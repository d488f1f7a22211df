import type { PowerState, RunningInstance, SocketLedger } from './powerContracts';

/** A socket nobody holds, known to be off. */
export const OFF_LEDGER: SocketLedger = { power: 'off', running: [], fault: null };

/**
 * The ledger of a socket restored from the store: its instances still hold it, but the relay's
 * state is `unknown` until the device has been read.
 */
export function restoredLedger(running: readonly RunningInstance[]): SocketLedger {
  return { power: 'unknown', running, fault: null };
}

/** Whether the instance holds the socket. */
export function isRunning(ledger: SocketLedger, instanceId: string): boolean {
  return ledger.running.some((r) => r.instanceId === instanceId);
}

/** The holders' ids, in start order. */
export function runningIds(ledger: SocketLedger): string[] {
  return ledger.running.map((r) => r.instanceId);
}

/** One more holder; the relay is on and the device answered. */
export function withStarted(ledger: SocketLedger, instance: RunningInstance): SocketLedger {
  return { power: 'on', running: [...ledger.running, instance], fault: null };
}

/**
 * One holder fewer. The last one leaves only once the relay is off (`powerOff`), so the ledger never
 * shows a socket on with nobody holding it.
 */
export function withStopped(ledger: SocketLedger, instanceId: string, powerOff: boolean): SocketLedger {
  const running = ledger.running.filter((r) => r.instanceId !== instanceId);
  return { power: powerOff ? 'off' : ledger.power, running, fault: powerOff ? null : ledger.fault };
}

/** A device problem: the holders stay, the relay state becomes what we can still claim. */
export function withFault(ledger: SocketLedger, fault: string, power: PowerState = ledger.power): SocketLedger {
  return { ...ledger, power, fault };
}

/** A successful device call with the relay in `power`: the fault, if any, is over. */
export function withPower(ledger: SocketLedger, power: PowerState): SocketLedger {
  return { ...ledger, power, fault: null };
}
