import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { BenchContext } from './context';
import { spawnProgram, type BenchProcess } from './proc';

/**
 * Where Debian installs the broker, else whatever is on PATH; null when there is none.
 * `HAVEN_BENCH_MOSQUITTO` names another binary, or `none` to run as if it were not installed.
 */
export function mosquittoBinary(): string | null {
  const chosen = process.env.HAVEN_BENCH_MOSQUITTO;
  if (chosen === 'none') return null;
  for (const candidate of chosen ? [chosen] : ['/usr/sbin/mosquitto', 'mosquitto']) {
    if (!spawnSync(candidate, ['-h'], { stdio: 'ignore' }).error) return candidate;
  }
  return null;
}

/** A port on 127.0.0.1 where nothing listens (bound, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts Debian's Mosquitto on the server core, on a free loopback port, with a temporary config:
 * anonymous, no persistence, no logging (so the broker does no disk work the hub does not do
 * either). Null when mosquitto is not installed.
 */
export async function startMosquitto(ctx: BenchContext, name: string, fds?: number): Promise<{ port: number; proc: BenchProcess } | null> {
  const binary = mosquittoBinary();
  if (!binary) return null;
  const port = await freePort();
  const conf = join(ctx.tmp, `${name}.conf`);
  writeFileSync(
    conf,
    [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'log_dest none', 'max_queued_messages 100000', ''].join('\n'),
  );
  const proc = spawnProgram([binary, '-c', conf], { core: ctx.pinning.serverCore, pinning: ctx.pinning, stderr: false, fds });
  await waitForPort(port, 5000);
  return { port, proc };
}
