import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hubProcesses } from '../../helpers/hubProcess';
import { startLineServer, type LineServer } from '../../helpers/lineServer';

describe('the hub process', function () {
  this.timeout(30_000);
  let dir: string;
  const hubs = hubProcesses();
  let service: LineServer | undefined;

  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'haven-main-'))));
  afterEach(async () => {
    await hubs.killAll();
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
    const hub = hubs.start(configFile, join(dir, 'data'));
    const { url } = await hub.ready;
    const reg = await fetch(`${url}/api/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Flame', port: service.port, host: '127.0.0.1' }),
    });
    expect(reg.status).to.equal(200);
    await service.waitForConnection();

    const { code, log } = await hub.kill('SIGTERM');
    expect(code, log).to.equal(0);
    expect(log).to.match(/SIGTERM received, shutting down/);
    expect(log).to.match(/\[Haven\] stopped/);
    // On a pipe, not a terminal: one JSON object a line, the component a field.
    const records = hub
      .rawLog()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    expect(records.find((r) => r.msg === 'stopped')).to.include({ level: 'info', component: 'Haven' });
    expect(records.every((r) => typeof r.time === 'string' && typeof r.level === 'string')).to.equal(true);
  });

  it('refuses to start on a bad config, naming the file and the field, with exit code 2', async () => {
    const configFile = join(dir, 'haven.json');
    writeFileSync(configFile, JSON.stringify({ comm: { http: { port: 'fivethousand' } } }));
    const { code, log } = await hubs.start(configFile, join(dir, 'data')).exited;
    expect(code).to.equal(2);
    expect(log).to.contain(`Invalid configuration: ${configFile}: /comm/http/port must be integer`);
  });
});
