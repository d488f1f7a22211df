/** A bench script's side of the IPC channel: named commands the orchestrator calls. */
export type Handlers = Record<string, (args: any) => unknown>;

/**
 * Answers the orchestrator's calls with `handlers`, announces `ready` with `payload`, and exits
 * when the orchestrator goes away (so a crashed bench leaves nothing behind) or on SIGTERM
 * after `onStop`.
 */
export function serveRpc(handlers: Handlers, payload: unknown, onStop: () => Promise<void> | void = () => undefined): void {
  const send = (msg: unknown) => process.send?.(msg);
  process.on('message', async (msg: { id: number; cmd: string; args: unknown }) => {
    const handler = handlers[msg.cmd];
    try {
      if (!handler) throw new Error(`unknown command ${msg.cmd}`);
      send({ id: msg.id, result: await handler(msg.args) });
    } catch (err) {
      send({ id: msg.id, error: (err as Error)?.stack ?? String(err) });
    }
  });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(0), 2000);
    force.unref();
    try {
      await onStop();
    } finally {
      process.exit(0);
    }
  };
  process.on('disconnect', () => void stop());
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  send({ type: 'ready', payload });
}

/** Runs `main`; a failure is printed and exits non-zero, so the orchestrator sees it. */
export function runMain(main: () => Promise<void>): void {
  main().catch((err) => {
    process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  });
}
