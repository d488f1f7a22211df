import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadHavenConfig } from '../../../src/config/loadConfig';
import { createLogger } from '../../../src/log';
import { openEventLog } from '../../../src/eventLog/openEventLog';
import type { Recovery } from '../../../src/eventLog/fileLog';
import { createRuntime, type RuntimeOptions } from '../../../src/runtime/runtime';
import { memory } from '../harness/memory';
import { runMain, serveRpc } from '../harness/rpc';

/**
 * The hub in its own process, exactly as `src/main.ts` starts it (`createRuntime` on a config
 * file), plus an RPC channel so the bench can read where it listens, what its event log's
 * start-up found (`recovery`), and force a GC before measuring memory.
 * `node servers/hub.js <config.json>` (run with --expose-gc for `memory`).
 */
runMain(async () => {
  const configFile = process.argv[2];
  const log = createLogger('Haven', (process.env.HAVEN_LOG_LEVEL as any) ?? 'warn');
  let recovery: Recovery | undefined;
  // The production log, opened as createRuntime opens it by default; the bench reads what start-up found in it.
  const eventLog: RuntimeOptions['eventLog'] = (config, deps) => {
    const opened = openEventLog(config, deps);
    recovery = opened.recovery;
    return opened;
  };
  const runtime = createRuntime({ config: loadHavenConfig({ configFile }), log, eventLog });
  await runtime.start();
  const portOf = (name: string) =>
    (runtime.components.find((c) => c.name === name) as { address?: () => AddressInfo | null } | undefined)?.address?.()?.port ?? null;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  serveRpc(
    {
      memory: () => memory(),
      /** Event-loop delay since the last call, in ms: how long the hub itself kept events waiting. */
      loopDelay: () => {
        const out = { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 };
        loop.reset();
        return out;
      },
      components: () => runtime.components.map((c) => c.health()),
    },
    {
      httpPort: runtime.address().port,
      tcpPort: portOf('TCP'),
      oscPort: portOf('OSC'),
      mqttPort: portOf('MQTT'),
      components: runtime.components.map((c) => c.name),
      lastSeq: runtime.lastSeq(),
      recovery,
    },
    () => runtime.stop(),
  );
});
