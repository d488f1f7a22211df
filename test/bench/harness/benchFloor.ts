import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext } from './context';
import { profileArgs } from './benchHub';
import { spawnScript, type BenchProcess } from './proc';

/** Benchmark 1a's floor server (`servers/bareHttpFanout`) with the surroundings a bench hub has. */
export interface BenchFloor {
  /** `http://127.0.0.1:<port>/api/trigger-event` */
  readonly url: string;
  /** What its TCP services and WebSocket clients received so far, and what it wrote to the clients. */
  counts(): Promise<FloorCounts>;
  /** Resolves once the floor's clients have been sent all it gave them (at most 10 s): a backlog must not run into the next load. */
  drained(): Promise<void>;
  stop(): Promise<void>;
}

export interface FloorCounts {
  readonly lines: number[];
  readonly wsClients: number;
  /** Frames the clients read. */
  readonly wsFrames: number;
  /** Frames the floor handed to the clients' sockets (one per event per client). */
  readonly framesWritten: number;
  /** The most bytes one client's socket held unsent after a flush. */
  readonly peakBacklog: number;
}

/**
 * Starts the floor on the server core, and on the load core as many TCP services and attached
 * WebSocket clients (lean, the same reader as a bench hub's) as 1a gives the hub.
 */
export async function startBenchFloor(ctx: BenchContext, { services, wsClients }: { services: number; wsClients: number }): Promise<BenchFloor> {
  const dir = join(ctx.tmp, 'floor');
  mkdirSync(dir, { recursive: true });
  const procs: BenchProcess[] = [];
  const stop = async () => {
    for (const p of procs) await p.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const floor = spawnScript('servers/bareHttpFanout', { core: ctx.pinning.serverCore, pinning: ctx.pinning, args: [dir], nodeArgs: profileArgs(ctx) });
    procs.push(floor);
    const { httpPort } = await floor.ready;
    const clients = spawnScript('loads/hubClients', { core: ctx.pinning.loadCore, pinning: ctx.pinning });
    procs.push(clients);
    await clients.ready;
    await floor.call('services', { ports: await clients.call<number[]>('services', { count: services }) });
    const sinks = spawnScript('loads/hubClients', { core: ctx.pinning.loadCore, pinning: ctx.pinning, nice: 19 });
    procs.push(sinks);
    await sinks.ready;
    // The floor checks no token: any will do.
    await sinks.call('ws', { port: httpPort, path: '/ws', token: 'floor', count: wsClients });
    return {
      url: `http://127.0.0.1:${httpPort}/api/trigger-event`,
      counts: async () => {
        const [{ lines }, { wsClients: attached, wsFrames }, { frames, peakBacklog }] = await Promise.all([
          clients.call<{ lines: number[] }>('counts'),
          sinks.call<{ wsClients: number; wsFrames: number }>('counts'),
          floor.call<{ frames: number; peakBacklog: number }>('written'),
        ]);
        return { lines, wsClients: attached, wsFrames, framesWritten: frames, peakBacklog };
      },
      drained: async () => void (await floor.call('drained', { timeoutMs: 10_000 }, 15_000)),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
