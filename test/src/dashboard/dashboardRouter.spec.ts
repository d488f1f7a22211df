import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { createApp } from '../../../src/api/createApp';
import { createDashboardRouter } from '../../../src/dashboard/dashboardRouter';
import { createLogger } from '../../../src/log';

describe('dashboard router', () => {
  let dir: string;
  let server: Server;
  let url: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'haven-dashboard-dist-'));
    const app = createApp({ log: createLogger('test', 'silent'), routers: [createDashboardRouter(dir)] });
    server = createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the page at / and its bundle under /dashboard/, with their types', async () => {
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Haven</title>');
    writeFileSync(join(dir, 'app.js'), 'void 0;');
    const page = await fetch(`${url}/`);
    expect(page.status).to.equal(200);
    expect(page.headers.get('content-type')).to.equal('text/html; charset=utf-8');
    expect(await page.text()).to.contain('<title>Haven</title>');
    const js = await fetch(`${url}/dashboard/app.js`);
    expect(js.headers.get('content-type')).to.equal('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).to.equal('no-cache');
  });

  it('says how to build the dashboard when it is not built, and names nothing outside its folder', async () => {
    const page = await fetch(`${url}/`);
    expect(page.status).to.equal(503);
    expect(((await page.json()) as { error: string }).error).to.match(/npm run build/);
    expect((await fetch(`${url}/dashboard/missing.js`)).status).to.equal(404);
    expect((await fetch(`${url}/dashboard/..%2Fpackage.json`)).status).to.equal(404);
  });
});
