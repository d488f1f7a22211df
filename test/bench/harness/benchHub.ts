import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext } from './context';
import { createClientToken } from './hubApi';
import { hubEnv, writeHubConfig } from './hubConfig';
import { spawnScript, type BenchProcess } from './proc';

/** A hub in its own pinned process with its surroundings, as benchmarks 1 and 2 need it. */
export interface BenchHub {
  readonly hub: BenchProcess;
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  readonly httpPort: number;
  readonly tcpPort: number | null;
  /** The OSC source's UDP (and TCP) port and the embedded MQTT broker's, when the config enables them. */
  readonly oscPort: number | null;
  readonly mqttPort: number | null;
  readonly components: readonly string[];
  /** The load process holding the TCP services (and the paced sender of benchmark 2). */
  readonly clients: BenchProcess;
  /** The load process holding the attached WebSocket clients (null when the hub has no WebSocket transport). */
  readonly sinks: BenchProcess | null;
  /** Stops every process, then removes the hub's folder (config and data: its event log can be large). */
  stop(): Promise<void>;
}

export interface BenchHubOptions {
  /** TCP_SOCKET services to register. */
  readonly services: number;
  /** WebSocket clients to attach (skipped when the hub runs no `websocket` component). */
  readonly wsClients: number;
  /** Extra haven config sections. */
  readonly config?: Record<string, unknown>;
  /** Name of the run's folder under `ctx.tmp`. */
  readonly name: string;
  /** Node flags for the hub (e.g. `--cpu-prof`). */
  readonly nodeArgs?: readonly string[];
  /** File descriptors the hub will need (thousands of clients). */
  readonly fds?: number;
  /** Run the hub of this built checkout instead of this build's (the `--baseline` of an A/B run). */
  readonly root?: string;
}

/**
 * Starts a hub on the server core and its load processes on the load core, registers the TCP
 * services and attaches the WebSocket clients (a `client` token with an area holding the bench
 * triggers, issued through the admin REST as an installation would).
 */
export async function startBenchHub(ctx: BenchContext, options: BenchHubOptions): Promise<BenchHub> {
  const dir = join(ctx.tmp, options.name);
  const configFile = writeHubConfig(dir, options.config);
  const procs: BenchProcess[] = [];
  // The hub first: its services and clients going away first would only make it log reconnects.
  const stopAll = async () => {
    for (const p of procs) await p.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const hub = spawnScript('servers/hub', {
      core: ctx.pinning.serverCore,
      pinning: ctx.pinning,
      args: [configFile],
      env: hubEnv(),
      fds: options.fds,
      root: options.root,
      nodeArgs: [...(options.nodeArgs ?? []), ...profileArgs(ctx), '--expose-gc'],
    });
    procs.push(hub);
    const { httpPort, tcpPort, oscPort = null, mqttPort = null, components } = await hub.ready;
    const base = `http://127.0.0.1:${httpPort}`;
    const clients = spawnScript('loads/hubClients', { core: ctx.pinning.loadCore, pinning: ctx.pinning });
    procs.push(clients);
    await clients.ready;
    const ports = await clients.call<number[]>('services', { count: options.services });
    await clients.call('register', { base, ports });
    let sinks: BenchProcess | null = null;
    if (options.wsClients > 0 && components.includes('websocket')) {
      // Niced: on the load core it must not delay the process that timestamps lines and answers.
      sinks = spawnScript('loads/hubClients', { core: ctx.pinning.loadCore, pinning: ctx.pinning, nice: 19 });
      procs.push(sinks);
      await sinks.ready;
      const token = await createClientToken(base);
      await sinks.call('ws', { port: httpPort, path: '/ws', token, count: options.wsClients });
    }
    return { hub, base, httpPort, tcpPort, oscPort, mqttPort, components, clients, sinks, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** `--cpu-prof` into `ctx.profileDir` when the bench runs with `--profile`. */
export function profileArgs(ctx: BenchContext): string[] {
  return ctx.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${ctx.profileDir}`] : [];
}
