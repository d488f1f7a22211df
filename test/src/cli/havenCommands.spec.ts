import { expect } from 'chai';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../helpers/lineServer';
import { waitFor } from '../../helpers/waitFor';

const ROOT = join(__dirname, '..', '..', '..');
const BUILT = join(ROOT, 'dist', 'src', 'cli', 'cli.js');

/** One `haven` process: what it printed so far, and how it ended. */
interface Haven {
  readonly child: ChildProcess;
  out(): string;
  err(): string;
  readonly exited: Promise<number | null>;
}

/**
 * The built `haven` (dist/, as `npm run build` leaves it) run as its own process, the way an
 * operator runs it; every one is killed in `after`.
 */
describe('haven (the built CLI as a subprocess)', function () {
  this.timeout(60_000);
  const running = new Set<Haven>();
  let dir: string;
  let dataDir: string;
  let configFile: string;
  let hub: Haven;
  let url: string;
  let env: NodeJS.ProcessEnv;

  function haven(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Haven {
    const child = spawn(process.execPath, [BUILT, ...args], { cwd: ROOT, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const h: Haven = { child, out: () => out, err: () => err, exited };
    running.add(h);
    void exited.then(() => running.delete(h));
    return h;
  }

  /** A command that ends by itself. */
  async function run(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
    const h = haven(args);
    const code = await h.exited;
    return { code, out: h.out(), err: h.err() };
  }

  before(async function () {
    this.timeout(180_000);
    // Once for the whole file: the tests run what `npm run build` makes.
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.json')], {
      cwd: ROOT,
      stdio: 'inherit',
    });
    dir = mkdtempSync(join(tmpdir(), 'haven-cli-'));
    dataDir = join(dir, 'data');
    configFile = join(dir, 'haven.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        comm: { http: { host: '127.0.0.1', port: 5999 }, tcp: { host: '127.0.0.1', port: 0 }, modbus: { host: '127.0.0.1', port: 0 } },
        storage: { data_dir: join(dir, 'not-used') },
        shutdown: { reconnect_after_ms: 100, grace_ms: 300 },
      }),
    );
    const { HAVEN_CONFIG: _c, HAVEN_DATA_DIR: _d, HAVEN_URL: _u, HAVEN_TOKEN: _t, HAVEN_KEY: _k, HAVEN_HTTP_PORT: _p, ...rest } = process.env;
    // Client commands that read the store (tokens, keys) find the hub's data dir through the env.
    env = { ...rest, HAVEN_LOG_LEVEL: 'info', HAVEN_DATA_DIR: dataDir };
    // --data and --port override the file's data_dir and port 5999.
    hub = haven(['start', '--config', configFile, '--data', dataDir, '--port', '0']);
    await waitFor(() => /HTTP API listening on http:\/\/[\d.]+:\d+/.test(hub.err()) || hub.child.exitCode !== null, 'the hub to listen', 20_000);
    url = /HTTP API listening on (http:\/\/[\d.]+:\d+)/.exec(hub.err())?.[1] ?? '';
    expect(url, hub.err()).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(url).not.to.match(/:5999$/);
  });

  after(async () => {
    for (const h of running) h.child.kill('SIGKILL');
    await Promise.all([...running].map((h) => h.exited));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('--help at every level is exit 0; an unknown command or a missing argument is exit 2 with the help', async () => {
    const top = await run('--help');
    expect(top.code).to.equal(0);
    for (const c of ['start', 'send', 'listen', 'tail', 'status', 'keys', 'tokens', 'journal', 'config']) expect(top.out).to.contain(`  ${c}`);
    expect((await run('send', '--help')).out)
      .to.contain('--status')
      .and.contain('--id <n>');
    expect((await run('keys', 'create', '--help')).code).to.equal(0);
    const unknown = await run('frobnicate');
    expect(unknown.code).to.equal(2);
    expect(unknown.err)
      .to.match(/^Unknown command 'frobnicate'/)
      .and.contain('Commands:');
    expect((await run('send')).code).to.equal(2);
    expect((await run('send', 'X', '--id', 'seven')).err).to.match(/^Option '--id <n>' argument 'seven' is invalid\. needs a whole number/);
  });

  it('send: an accepted event prints its seq; a rejected one is exit 1 with the reason; --status stores a status', async () => {
    const sent = await run('send', 'Stage.Mode', 'intro', '--id', '1', '--url', url);
    expect(sent.code, sent.err).to.equal(0);
    expect(sent.out).to.match(/^accepted: seq \d+, dispatched to 0 service\(s\)$/m);

    const unknown = await run('send', 'No.Such', 'On', '--url', url);
    expect(unknown.code).to.equal(1);
    expect(unknown.err).to.match(/^rejected: 404 .*No\.Such/);
    const invalid = await run('send', 'Stage.Mode', 'bogus', '--url', url);
    expect(invalid.code).to.equal(1);
    expect(invalid.err).to.match(/^rejected: 400 .*\(invalid_value\)$/m);

    const status = await run('send', 'RedTelephone.Handset', 'Off', '--status', '--id', '5', '--url', url);
    expect(status.code, status.err).to.equal(0);
    expect(status.out).to.match(/^status stored: seq \d+$/m);
  });

  it('send to a hub that is not there says where it looked and what to do (exit 1)', async () => {
    // A port that was free a moment ago: nothing listens there.
    const port = await freePort();
    const r = await run('send', 'Stage.Mode', 'intro', '--url', `http://127.0.0.1:${port}`);
    expect(r.code).to.equal(1);
    expect(r.err).to.equal(
      `haven send: cannot reach the hub at http://127.0.0.1:${port} (connection refused): is it running? start it with \`haven start\` or pass --url\n`,
    );
  });

  it('status: with an admin token from `haven tokens`, the triggers, services, sources, clients and journal', async () => {
    const admin = await run('tokens', 'create-admin', '--name', 'ops', '--json');
    expect(admin.code, admin.err).to.equal(0);
    const { token } = JSON.parse(admin.out);
    await run('send', 'Flame.Intensity', '42', '--id', '2', '--url', url);

    const json = await run('status', '--url', url, '--token', token, '--json');
    expect(json.code, json.err).to.equal(0);
    const s = JSON.parse(json.out);
    expect(s.seq).to.be.greaterThan(0);
    expect(s.triggers.find((t: { name: string }) => t.name === 'Flame.Intensity')).to.deep.include({ type: 'Continuous', category: 'flame', value: 42, id: 2 });
    expect(s.triggers.find((t: { name: string }) => t.name === 'Flame.Intensity').age_ms).to.be.a('number');
    expect(s.sources.map((h: { name: string }) => h.name)).to.include.members(['WEB', 'TCP', 'MODBUS']);
    expect(s.clients).to.have.keys('websocket', 'sse');
    expect(s.journal.newestSeq).to.equal(s.seq);

    const text = await run('status', '--url', url, '--token', token);
    expect(text.code).to.equal(0);
    expect(text.out)
      .to.match(/^TRIGGER\s+TYPE\s+CATEGORY\s+VALUE\s+ID\s+SEQ\s+AGE$/m)
      .and.match(/^Flame\.Intensity\s+Continuous\s+flame\s+42\s+2\s/m);

    expect((await run('status', '--url', url)).code).to.equal(2);
    const refused = await run('status', '--url', url, '--token', 'not-a-token');
    expect(refused.code).to.equal(1);
    expect(refused.err).to.contain('401');
  });

  it('listen: listens, registers, prints an event sent to it, and on SIGINT unregisters and exits 0', async () => {
    // An admin exists on this hub (the status test made one), so registering needs an admin token.
    const { token } = JSON.parse((await run('tokens', 'create-admin', '--name', 'listener', '--json')).out);
    const auth = { headers: { authorization: `Bearer ${token}` } };
    const listener = haven(['listen', '--port', '0', '--name', 'cli-listener', '--url', url, '--token', token]);
    await waitFor(() => /registered as cli-listener/.test(listener.err()), `the listener to register (${listener.err()})`);
    const listed = (await (await fetch(`${url}/api/registrations`, auth)).json()) as { services: { name: string }[] };
    expect(listed.services.map((r) => r.name)).to.include('cli-listener');

    const sent = await run('send', 'Dial.Number', '5', '--id', '3', '--url', url);
    expect(sent.out).to.contain('dispatched to 1 service(s)');
    await waitFor(() => /^Dial\.Number {2}5 {2}id=3 {2}\S+$/m.test(listener.out()), `the event on the listener's stdout (${listener.out()})`);

    // A connection per event, with the seq the hub adds on request.
    const perEvent = haven(['listen', '--port', '0', '--name', 'cli-connect', '--protocol', 'tcp_connect', '--fields', 'seq', '--url', url, '--token', token]);
    await waitFor(() => /registered as cli-connect \(TCP_CONNECT\)/.test(perEvent.err()), `the second listener to register (${perEvent.err()})`);
    await run('send', 'Dial.Number', '6', '--id', '4', '--url', url);
    await waitFor(() => /^Dial\.Number {2}6 {2}id=4 {2}\S+ {2}seq=\d+$/m.test(perEvent.out()), `the event with its seq (${perEvent.out()})`);

    listener.child.kill('SIGINT');
    perEvent.child.kill('SIGINT');
    expect(await perEvent.exited, perEvent.err()).to.equal(0);
    expect(await listener.exited, listener.err()).to.equal(0);
    expect(listener.err()).to.contain('unregistered cli-listener');
    const after = (await (await fetch(`${url}/api/registrations`, auth)).json()) as { services: { name: string }[] };
    expect(after.services.map((r) => r.name)).not.to.include.members(['cli-listener', 'cli-connect']);
  });

  it('tail: prints an event accepted after it started, leaves out what its filter excludes, and ends on SIGINT with 0', async () => {
    const key = JSON.parse((await run('keys', 'create', '--org', 'default', '--json')).out).key;
    const tail = haven(['tail', '--url', url, '--key', key, '--category', 'show']);
    await waitFor(() => /connected to/.test(tail.err()), `tail to connect (${tail.err()})`);
    await run('send', 'Dial.Number', '7', '--id', '10', '--url', url);
    await run('send', 'Stage.Mode', 'finale', '--id', '11', '--url', url);
    await waitFor(() => /Stage\.Mode {2}finale {2}id=11/.test(tail.out()), `Stage.Mode on tail's stdout (${tail.out()})`);
    expect(tail.out()).not.to.contain('Dial.Number');

    const named = haven(['tail', '--url', url, '--key', key, '--name', 'Dial.*', '--kind', 'status']);
    await waitFor(() => /connected to/.test(named.err()), 'the second tail to connect');
    await run('send', 'Dial.Number', '8', '--id', '12', '--url', url);
    await run('send', 'Dial.Number', '9', '--id', '13', '--status', '--url', url);
    await waitFor(() => /Dial\.Number {2}9 {2}id=13/.test(named.out()), `the status on the second tail (${named.out()})`);
    expect(named.out()).not.to.contain('id=12');

    tail.child.kill('SIGINT');
    named.child.kill('SIGINT');
    expect(await tail.exited, tail.err()).to.equal(0);
    expect(await named.exited).to.equal(0);
    expect((await run('tail', '--url', url)).code).to.equal(2);
  });

  it('tail: follows the hub through a restart, resuming where it stopped: every event printed once, in order', async function () {
    this.timeout(90_000);
    const port = await freePort();
    const data = join(dir, 'restarted');
    const start = async () => {
      const h = haven(['start', '--config', configFile, '--data', data, '--port', String(port)]);
      await waitFor(() => /HTTP API listening/.test(h.err()) || h.child.exitCode !== null, 'the hub to listen', 20_000);
      expect(h.child.exitCode, h.err()).to.equal(null);
      return h;
    };
    let second = await start();
    const at = `http://127.0.0.1:${port}`;
    const made = haven(['keys', 'create', '--org', 'default', '--json'], { HAVEN_DATA_DIR: data });
    expect(await made.exited, made.err()).to.equal(0);
    const key = JSON.parse(made.out()).key;
    const send = async (value: string, id: number) => {
      const r = await run('send', 'Stage.Mode', value, '--id', String(id), '--url', at);
      expect(r.code, r.err).to.equal(0);
    };
    const tail = haven(['tail', '--url', at, '--key', key]);
    await waitFor(() => /connected to/.test(tail.err()), `tail to connect (${tail.err()})`);
    await send('intro', 20);
    await waitFor(() => /id=20/.test(tail.out()), `the first event on tail (${tail.out()})`);

    second.child.kill('SIGTERM');
    expect(await second.exited, second.err()).to.equal(0);
    await waitFor(() => /reconnecting in/.test(tail.err()), `tail to say it reconnects (${tail.err()})`);
    expect(tail.child.exitCode, 'tail keeps running while the hub is away').to.equal(null);
    second = await start();
    // Accepted before tail is back, most likely: only the resume brings it.
    await send('idle', 21);
    await waitFor(() => /reconnected to/.test(tail.err()), `tail to reconnect (${tail.err()})`);
    await send('finale', 22);
    await waitFor(() => /id=22/.test(tail.out()), `the last event on tail (${tail.out()})`);
    const ids = [...tail.out().matchAll(/id=(\d+)/g)].map((m) => Number(m[1]));
    expect(ids).to.deep.equal([20, 21, 22]);
    expect(tail.err()).to.contain('resuming after seq 1');

    tail.child.kill('SIGINT');
    expect(await tail.exited, tail.err()).to.equal(0);
    second.child.kill('SIGTERM');
    expect(await second.exited).to.equal(0);

    // --no-reconnect: the old contract, exit 1 when the stream ends.
    const unreachableTail = await run('tail', '--url', at, '--key', key, '--no-reconnect');
    expect(unreachableTail.code).to.equal(1);
  });

  it('config check: a valid file is exit 0; an invalid one is exit 1 naming the file and the field', async () => {
    const ok = await run('config', 'check', configFile);
    expect(ok.code, ok.err).to.equal(0);
    expect(ok.out).to.contain(`${configFile}: ok`);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ comm: { http: { port: 'fivethousand' } } }));
    const checked = await run('config', 'check', bad);
    expect(checked.code).to.equal(1);
    expect(checked.err).to.contain(`${bad}: /comm/http/port must be integer`);
  });

  it('config check: a Modbus map or a power binding the start would refuse is exit 1, as the start is', async () => {
    const unusableMap = join(dir, 'modbus.json');
    writeFileSync(unusableMap, JSON.stringify({ sources: { modbus: { triggers: [{ name: 'No.Such' }] } } }));
    const map = await run('config', 'check', unusableMap);
    expect(map.code, map.out).to.equal(1);
    expect(map.err).to.contain(`${unusableMap}: /sources/modbus is not a usable address map`).and.contain('No.Such');
    const binding = join(dir, 'power.json');
    writeFileSync(binding, JSON.stringify({ power: { enabled: true, bindings: [{ trigger: 'No.Such', emergency_stop_timeout_ms: 60000 }] } }));
    const bound = await run('config', 'check', binding);
    expect(bound.code, bound.out).to.equal(1);
    expect(bound.err).to.contain(`${binding}: /power/bindings/0/trigger names unknown trigger 'No.Such'`);
  });

  it('the hub stops cleanly on SIGTERM (exit 0)', async () => {
    hub.child.kill('SIGTERM');
    expect(await hub.exited, hub.err()).to.equal(0);
    expect(hub.err()).to.match(/SIGTERM received, shutting down/);
  });

  it('the package bin (src/cli/haven.cjs, what `npx haven` runs) works before any build decision: --help exit 0', () => {
    const out = execFileSync(process.execPath, [join(ROOT, 'src', 'cli', 'haven.cjs'), '--help'], { cwd: ROOT, env, encoding: 'utf8' });
    expect(out).to.match(/^Usage: haven /);
  });
});
