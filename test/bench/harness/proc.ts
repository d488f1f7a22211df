import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Cores of this machine the bench pins to: the server on one, the load on another (when there are two). */
export interface Pinning {
  /** `taskset` is installed and the machine has at least two cores. */
  readonly enabled: boolean;
  readonly serverCore: number;
  readonly loadCore: number;
}

/** Server on core 0, load on core 1, where `taskset` exists and there are two cores; otherwise unpinned. */
export function detectPinning(cores: number): Pinning {
  const taskset = spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
  return { enabled: taskset && cores >= 2, serverCore: 0, loadCore: cores >= 2 ? 1 : 0 };
}

/** The command line for `argv`, prefixed with `taskset -c <core>` when pinning is on. */
export function pinned(argv: readonly string[], core: number | undefined, pinning: Pinning): string[] {
  return pinning.enabled && core !== undefined ? ['taskset', '-c', String(core), ...argv] : [...argv];
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Whatever happens to the orchestrator, nothing it started outlives it. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      for (const child of live) child.kill('SIGKILL');
      process.exit(130);
    });
  }
}

/**
 * Stops every process the bench started that is still running (SIGTERM, then SIGKILL after
 * `graceMs`): the orchestrator's safety net after each suite, whatever the suite left behind.
 */
export async function stopAllProcesses(graceMs = 3000): Promise<number> {
  const left = [...live].filter((c) => c.exitCode === null && c.signalCode === null);
  await Promise.all(
    left.map(
      (child) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  return left.length;
}

/** A helper process the bench started: a bench script (with an RPC channel) or a foreign program. */
export interface BenchProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Calls `cmd` in a bench script (see `serveRpc`) and resolves with its result. */
  call<T = unknown>(cmd: string, args?: unknown, timeoutMs?: number): Promise<T>;
  /** Resolves with the script's `ready` payload. */
  readonly ready: Promise<any>;
  /** Resident set size from /proc, in bytes. */
  rss(): number;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once, as a crash would end it (nothing of its shutdown runs); resolves once it is gone. */
  kill(): Promise<void>;
}

export interface SpawnOptions {
  readonly core?: number;
  readonly pinning: Pinning;
  readonly args?: readonly string[];
  readonly nodeArgs?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** Show the process's stderr (default true: a crash must be visible). */
  readonly stderr?: boolean;
  /** Show the process's stdout (default false). */
  readonly stdout?: boolean;
  /** Run under `nice -n <value>` (a background load that must not delay a measuring process on its core). */
  readonly nice?: number;
  /** File descriptors the process needs; its soft limit is raised to the hard limit when lower (fails early when even that is too low). */
  readonly fds?: number;
  /** A built checkout whose copy of the script runs instead of this build's (`--baseline`). */
  readonly root?: string;
}

/** Descriptors a process needs besides one per client (listeners, pipes, files, the runtime's own). */
export const FD_MARGIN = 256;

/** This process's open-file limits (soft, hard); Infinity where unlimited or unknown. */
export function fdLimits(): { soft: number; hard: number } {
  try {
    const m = /Max open files\s+(\S+)\s+(\S+)/.exec(readFileSync('/proc/self/limits', 'utf8'));
    const n = (v: string | undefined) => (v === undefined || v === 'unlimited' ? Infinity : Number(v));
    return { soft: n(m?.[1]), hard: n(m?.[2]) };
  } catch {
    return { soft: Infinity, hard: Infinity };
  }
}

/** `prlimit` in front of `argv` when the process needs more descriptors than the soft limit gives. */
function withFds(argv: readonly string[], fds: number | undefined): readonly string[] {
  if (fds === undefined) return argv;
  const { soft, hard } = fdLimits();
  if (fds <= soft) return argv;
  if (fds > hard) throw new Error(`${argv.at(-1)} needs about ${fds} open files; the hard limit is ${hard} (raise it: ulimit -Hn)`);
  if (spawnSync('prlimit', ['--version'], { stdio: 'ignore' }).error)
    throw new Error(`${argv.at(-1)} needs about ${fds} open files; the soft limit is ${soft} and prlimit is missing (raise it: ulimit -n ${hard})`);
  return ['prlimit', `--nofile=${hard}:${hard}`, '--', ...argv];
}

/**
 * The compiled bench script `name` (e.g. `servers/bareHttp`), next to this file in dist, or in
 * the built checkout `root` (another build measured A/B against this one, `--baseline`).
 */
export function benchScript(name: string, root?: string): string {
  return root ? join(root, 'dist', 'test', 'bench', `${name}.js`) : join(__dirname, '..', `${name}.js`);
}

/** Starts a bench script under node, pinned, with an IPC channel for `call`. */
export function spawnScript(name: string, options: SpawnOptions): BenchProcess {
  const argv = [process.execPath, ...(options.nodeArgs ?? []), benchScript(name, options.root), ...(options.args ?? [])];
  return track(argv, options, true);
}

/** Starts a foreign program (mosquitto, wrk), pinned. */
export function spawnProgram(argv: readonly string[], options: SpawnOptions): BenchProcess {
  return track(argv, options, false);
}

function track(argv: readonly string[], options: SpawnOptions, ipc: boolean): BenchProcess {
  installExitHook();
  const raised = withFds(argv, options.fds);
  const niced = options.nice === undefined ? raised : ['nice', '-n', String(options.nice), ...raised];
  const [cmd, ...args] = pinned(niced, options.core, options.pinning);
  const child = spawn(cmd, args, {
    stdio: ['ignore', options.stdout ? 'inherit' : 'ignore', options.stderr === false ? 'ignore' : 'inherit', ...(ipc ? (['ipc'] as const) : [])],
    env: { ...process.env, ...options.env },
  });
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => live.delete(child));
  const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let readyResolve: (v: unknown) => void = () => undefined;
  let readyReject: (e: Error) => void = () => undefined;
  const ready = new Promise<any>((resolve, reject) => {
    readyResolve = resolve;
    readyReject = reject;
  });
  ready.catch(() => undefined);
  child.on('message', (msg: any) => {
    if (msg?.type === 'ready') return readyResolve(msg.payload);
    const waiter = pending.get(msg?.id);
    if (!waiter) return;
    pending.delete(msg.id);
    if (msg.error) waiter.reject(new Error(`${argv.at(-1)}: ${msg.error}`));
    else waiter.resolve(msg.result);
  });
  child.once('exit', (code, signal) => {
    const err = new Error(`${argv.join(' ')} exited (${signal ?? code})`);
    readyReject(err);
    for (const w of pending.values()) w.reject(err);
    pending.clear();
  });
  return {
    pid: child.pid ?? -1,
    child,
    ready,
    call<T>(cmd: string, args?: unknown, timeoutMs = 120_000): Promise<T> {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${cmd} timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (v) => (clearTimeout(timer), resolve(v)),
          reject: (e) => (clearTimeout(timer), reject(e)),
        });
        child.send({ id, cmd, args });
      });
    },
    rss: () => readRss(child.pid ?? -1),
    async stop(graceMs = 3000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** VmRSS of `pid` in bytes (0 when unknown). */
export function readRss(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Runs a program to completion (bounded by `timeoutMs`) and returns its stdout. */
export function runProgram(argv: readonly string[], options: SpawnOptions & { timeoutMs: number }): Promise<string> {
  const [cmd, ...args] = pinned(argv, options.core, options.pinning);
  installExitHook();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
    live.add(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      live.delete(child);
      if (code === 0) resolve(out);
      else reject(new Error(`${argv.join(' ')} failed (${code}): ${err.trim() || out.trim()}`));
    });
  });
}
