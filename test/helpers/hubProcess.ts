import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { renderLogLine } from './logLines';

const ROOT = join(__dirname, '..', '..');

/** How a hub process ended, and everything it logged. */
export interface HubExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly log: string;
}

/** Where a running hub process listens, read from its start-up log. */
export interface HubAddress {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** The TCP text source's port, when it listens. */
  readonly tcpPort: number | undefined;
}

/** `src/main.ts` running as its own process, the way `npm start` runs the built one. */
export interface HubProcess {
  readonly child: ChildProcess;
  /** Resolves once the HTTP API listens; rejects (with the log) if the process exits first or takes longer than the bound. */
  readonly ready: Promise<HubAddress>;
  readonly exited: Promise<HubExit>;
  /** What it logged so far (stderr, at info), each JSON line rendered as text ({@link renderLogLine}). */
  log(): string;
  /** The same, as written: JSON lines. */
  rawLog(): string;
  /** Sends `signal` (a crash: SIGKILL) and resolves once the process is gone. */
  kill(signal: NodeJS.Signals): Promise<HubExit>;
}

const HTTP_LISTENING = /HTTP API listening on (http:\/\/[\d.]+:\d+)/;
const TCP_LISTENING = /\[Source TCP\] starting → listening \{"address":"[\d.]+:(\d+)"\}/;

/** Starts a hub on `configFile` with its data in `dataDir`; pass it to a {@link HubProcesses} so it is killed after the test. */
export function spawnHub(configFile: string, dataDir: string, startMs = 15_000): HubProcess {
  const child = spawn(process.execPath, ['-r', 'tsx/cjs', join(ROOT, 'src', 'main.ts'), '--config', configFile], {
    cwd: ROOT,
    env: { ...process.env, HAVEN_LOG_LEVEL: 'info', HAVEN_DATA_DIR: dataDir },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let raw = '';
  let log = '';
  let partial = '';
  child.stderr!.setEncoding('utf8');
  const exited = new Promise<HubExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, log })));
  const ready = new Promise<HubAddress>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hub not listening after ${startMs} ms:\n${log}`)), startMs);
    child.stderr!.on('data', (chunk: string) => {
      raw += chunk;
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      for (const line of lines) if (line) log += `${renderLogLine(line)}\n`;
      const http = HTTP_LISTENING.exec(log);
      if (!http) return;
      clearTimeout(timer);
      const tcp = TCP_LISTENING.exec(log);
      resolve({ url: http[1], tcpPort: tcp ? Number(tcp[1]) : undefined });
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`hub exited before listening:\n${log}`));
    });
  });
  ready.catch(() => undefined);
  return {
    child,
    ready,
    exited,
    log: () => log,
    rawLog: () => raw,
    kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** The hub processes a test started: `killAll()` in `afterEach` ends every one still running, even after a failure. */
export interface HubProcesses {
  start(configFile: string, dataDir: string): HubProcess;
  killAll(): Promise<void>;
}

export function hubProcesses(): HubProcesses {
  const running = new Set<HubProcess>();
  return {
    start(configFile, dataDir) {
      const hub = spawnHub(configFile, dataDir);
      running.add(hub);
      void hub.exited.then(() => running.delete(hub));
      return hub;
    },
    async killAll() {
      await Promise.all([...running].map((hub) => hub.kill('SIGKILL')));
    },
  };
}
