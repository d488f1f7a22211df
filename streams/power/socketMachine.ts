import { asyncScheduler, defer, Observable, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
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
 * time, so concurrent starts, stops and emergency stops never interleave their device calls and
 * the reference count never disagrees with the relay. Each command gives `busy` when its turn
 * comes and `done` with its reply, effects and the ledger after it. The device's answers are
 * values; the output never errors. Completes once the input has and the last command is done.
 *
 * ```
 * commands:  -s-t-------      s = start A (first: switches on), t = stop A (last: switches off)
 * device:     on:--o  read:--r   off:--o
 * output:    -b---(d b)-d    b = busy, d = done
 * ```
 *
 * This is `concatMap` written as a loop: `concatMap` starts the next queued command inside the
 * end of the one before, so a run of commands answered without a device call (a stop of an
 * instance that is not running, a conflict) nested one level each, and a burst of a few thousand
 * queued behind a slow start overflowed the stack and left the socket's actor dead.
 */
export function socketMachine<C extends SocketCommand>(
  { initial, device, deviceTimeoutMs = 5000 }: SocketMachineConfig,
  scheduler: SchedulerLike = asyncScheduler,
): OperatorFunction<C, SocketStep<C>> {
  const io = guardedDevice(device, deviceTimeoutMs, scheduler);
  return (commands$) =>
    new Observable<SocketStep<C>>((subscriber) => {
      let ledger = initial;
      const waiting: C[] = [];
      /** The command whose device calls are under way, if they did not end in the step that began them. */
      let running: Subscription | undefined;
      let looping = false;
      let inputDone = false;
      const loop = (): void => {
        if (looping) return;
        looping = true;
        try {
          while (running === undefined && !subscriber.closed) {
            const command = waiting.shift();
            if (command === undefined) {
              if (inputDone) subscriber.complete();
              return;
            }
            subscriber.next({ type: 'busy', command });
            /** The call is being made: an end now is in this step, and the loop goes on by itself. */
            let starting = true;
            let ended = false;
            const call = defer(() => run(ledger, command, io)).subscribe({
              next: (outcome) => {
                ledger = outcome.ledger;
                subscriber.next({ type: 'done', command, ...outcome });
              },
              error: (error) => subscriber.error(error),
              complete: () => {
                ended = true;
                if (starting) return;
                // Ended later, in a device answer's callback: the loop goes on from there.
                running = undefined;
                loop();
              },
            });
            starting = false;
            if (!ended) running = call;
          }
        } finally {
          looping = false;
        }
      };
      const input = commands$.subscribe({
        next: (command) => {
          waiting.push(command);
          loop();
        },
        error: (error) => subscriber.error(error),
        complete: () => {
          inputDone = true;
          loop();
        },
      });
      return () => {
        input.unsubscribe();
        running?.unsubscribe();
      };
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
