import { asyncScheduler, concat, concatMap, defer, map, of, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { guardedDevice } from './guardedDevice';
import type { SocketCommand, SocketDevice, SocketLedger, SocketStep } from './powerContracts';
import { runEmergency, runRead, runStart, runStop } from './socketCommands';

/** How a socket machine starts and talks to its device. */
export interface SocketMachineConfig {
  /** The ledger before the first command (restored from the store, or off). */
  readonly initial: SocketLedger;
  readonly device: SocketDevice;
  /** A device call without an answer by then fails and faults the socket. Default 5000 ms. */
  readonly deviceTimeoutMs?: number;
}

/**
 * One socket's actor as an operator: its mailbox is the input stream, processed one command at a
 * time (`concatMap`), so concurrent starts, stops and emergency stops never interleave their device
 * calls and the reference count never disagrees with the relay. Each command gives `busy` when its
 * turn comes and `done` with its reply, effects and the ledger after it. The device's answers are
 * values; the output never errors.
 *
 * ```
 * commands:  -s-t-------      s = start A (first: switches on), t = stop A (last: switches off)
 * device:     on:--o  read:--r   off:--o
 * output:    -b---(d b)-d    b = busy, d = done
 * ```
 */
export function socketMachine<C extends SocketCommand>(
  { initial, device, deviceTimeoutMs = 5000 }: SocketMachineConfig,
  scheduler: SchedulerLike = asyncScheduler,
): OperatorFunction<C, SocketStep<C>> {
  const io = guardedDevice(device, deviceTimeoutMs, scheduler);
  return (commands$) =>
    defer(() => {
      let ledger = initial;
      return commands$.pipe(
        concatMap((command) =>
          concat(
            of<SocketStep<C>>({ type: 'busy', command }),
            defer(() => run(ledger, command, io)).pipe(
              map((outcome): SocketStep<C> => {
                ledger = outcome.ledger;
                return { type: 'done', command, ...outcome };
              }),
            ),
          ),
        ),
      );
    });
}

function run(ledger: SocketLedger, command: SocketCommand, io: SocketDevice) {
  switch (command.type) {
    case 'start':
      return runStart(ledger, command.instanceId, command.deadlineAt, io);
    case 'stop':
      return runStop(ledger, command.instanceId, command.reason, io);
    case 'emergency':
      return runEmergency(ledger, command.instanceId, command.cause, io);
    case 'sample':
    case 'reconcile':
      return runRead(ledger, command.type, io);
  }
}
