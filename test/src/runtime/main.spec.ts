import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLineServer, type LineServer } from '../../helpers/lineServer';

const ROOT = join(__dirname, '..', '..', '..');

/** Starts `src/main.ts` as its own process, the way `npm start` runs the built one. */
function startHubProcess(
  configFile: string,
  dataDir: string,
): { child: ChildProcess; url: Promise<string>; exited: Promise<{ code: number | null; log: string }> } {
  const child = spawn(process.execPath, ['-r', 'tsx/cjs', join(ROOT, 'src', 'main.ts'), '--config', configFile], {
    cwd: ROOT,
    env: { ...process.env, HAVEN_LOG_LEVEL: 'info', HAVEN_DATA_DIR: dataDir },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  const url = new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (chunk) => {
      log += chunk;
      const m = /HTTP API listening on (http:\/\/[\d.]+:\d+)/.exec(log);
      if (m) resolve(m[1]);
    });
    child.once('exit', () => reject(new Error(`hub exited before listening:\n${log}`)));
  });
  const exited = new Promise<{ code: number | null; log: string }>((resolve) => child.once('exit', (code) => resolve({ code, log })));
  return { child, url, exited };
}

describe('the hub process', function () {
  this.timeout(30_000);
  let dir: string;
  let service: LineServer | undefined;
  let child: ChildProcess | undefined;

  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'haven-main-'))));
  afterEach(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await service?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts from a config file, serves, and stops cleanly on SIGTERM', async () => {
    const configFile = join(dir, 'haven.json');
    writeFileSync(
      configFile,
      JSON.stringify({ comm: { http: { port: 0 }, tcp: { port: 0 }, modbus: { port: 0 } }, shutdown: { reconnect_after_ms: 100, grace_ms: 500 } }),
    );
    service = await startLineServer();
    const hub = startHubProcess(configFile, join(dir, 'data'));
    child = hub.child;
    const url = await hub.url;
    const reg = await fetch(`${url}/api/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Flame', port: service.port, host: '127.0.0.1' }),
    });
    expect(reg.status).to.equal(200);
    await service.waitForConnection();

    child.kill('SIGTERM');
    const { code, log } = await hub.exited;
    expect(code, log).to.equal(0);
    expect(log).to.match(/SIGTERM received, shutting down/);
    expect(log).to.match(/\[Haven\] stopped/);
  });

  it('refuses to start on a bad config, naming the file and the field, with exit code 2', async () => {
    const configFile = join(dir, 'haven.json');
    writeFileSync(configFile, JSON.stringify({ comm: { http: { port: 'fivethousand' } } }));
    const hub = startHubProcess(configFile, join(dir, 'data'));
    child = hub.child;
    hub.url.catch(() => undefined);
    const { code, log } = await hub.exited;
    expect(code).to.equal(2);
    expect(log).to.contain(`Invalid configuration: ${configFile}: /comm/http/port must be integer`);
  });
});
