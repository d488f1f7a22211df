import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runProgram, type Pinning } from './proc';

/** One closed-loop HTTP load: requests per second and how many answers were not 2xx. */
export interface HttpLoadResult {
  readonly tool: 'wrk' | 'autocannon';
  readonly rps: number;
  readonly requests: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly latencyP99Ms?: number;
}

export interface HttpLoad {
  readonly url: string;
  readonly body: string;
  readonly connections: number;
  readonly seconds: number;
}

/** `wrk` (C, one thread, pinned) where installed: it costs the load core far less than autocannon. */
export function httpLoadTool(): 'wrk' | 'autocannon' {
  return spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error ? 'autocannon' : 'wrk';
}

/** Runs one keep-alive POST load on the load core and parses the tool's summary. */
export async function runHttpLoad(load: HttpLoad, ctx: { pinning: Pinning; tmp: string }): Promise<HttpLoadResult> {
  const opts = { core: ctx.pinning.loadCore, pinning: ctx.pinning, timeoutMs: (load.seconds + 20) * 1000 };
  if (httpLoadTool() === 'wrk') {
    const script = join(ctx.tmp, 'post.lua');
    writeFileSync(script, `wrk.method = "POST"\nwrk.body = '${load.body}'\nwrk.headers["Content-Type"] = "application/json"\n`);
    const out = await runProgram(['wrk', '-t1', `-c${load.connections}`, `-d${load.seconds}s`, '--latency', '-s', script, load.url], opts);
    const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? 0);
    const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
    const p99 = /99%\s+([\d.]+)(us|ms|s)/.exec(out);
    return {
      tool: 'wrk',
      rps: num(/Requests\/sec:\s+([\d.]+)/),
      requests: num(/(\d+) requests in/),
      non2xx: num(/Non-2xx or 3xx responses: (\d+)/),
      errors: errors ? errors.slice(1).reduce((n, v) => n + Number(v), 0) : 0,
      latencyP99Ms: p99 ? Number(p99[1]) * (p99[2] === 'us' ? 0.001 : p99[2] === 's' ? 1000 : 1) : undefined,
    };
  }
  const cli = require.resolve('autocannon/autocannon.js');
  const out = await runProgram(
    [
      process.execPath,
      cli,
      '--json',
      '-c',
      String(load.connections),
      '-d',
      String(load.seconds),
      '-m',
      'POST',
      '-H',
      'content-type=application/json',
      '-b',
      load.body,
      load.url,
    ],
    opts,
  );
  const r = JSON.parse(out);
  return {
    tool: 'autocannon',
    rps: r.requests.average,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    latencyP99Ms: r.latency.p99,
  };
}
