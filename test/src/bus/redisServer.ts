import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../../helpers/lineServer';

/** A real `redis-server` on 127.0.0.1, nothing persisted; stop it in after()/afterEach(). */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Kills the server (SIGKILL: as abrupt as a crash) and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
}

async function launch(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let timer: NodeJS.Timeout | undefined;
  // A spawn failure (ENOENT) comes as 'error' and never as 'exit': unheard, it is an uncaught
  // exception, and the timeout later settles the hook a second time ("done() called multiple times").
  const started = new Promise<void>((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`redis-server did not start on ${port}:\n${out}`)), 10000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      if (out.includes('Ready to accept connections')) resolve();
    });
    child.on('error', (err) => reject(new Error(`cannot run redis-server: ${err.message}`)));
    child.on('exit', (code) => reject(new Error(`redis-server exited (${code}):\n${out}`)));
  });
  try {
    await started;
  } finally {
    clearTimeout(timer);
    child.removeAllListeners('exit');
    child.removeAllListeners('error');
  }
  return child;
}

function killChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** Starts `redis-server` on a free loopback port. */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined = await launch(port);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async kill() {
      await killChild(child);
      child = undefined;
    },
    async restart() {
      await killChild(child);
      child = await launch(port);
    },
  };
}
