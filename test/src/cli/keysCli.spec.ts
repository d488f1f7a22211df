import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../src/cli/cli';
import { createApiKeys } from '../../../src/keys/apiKeys';
import { createSqliteStore } from '../../../src/storage/sqliteStore';

const ROOT = join(__dirname, '..', '..', '..');

/** Runs the CLI in-process against `dataDir`; collects what it prints. */
async function cli(dataDir: string, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => (out += t + '\n'), err: (t) => (err += t + '\n'), env: { HAVEN_DATA_DIR: dataDir } });
  return { code, out, err };
}

describe('haven keys (CLI)', () => {
  let dataDir: string;
  beforeEach(() => (dataDir = mkdtempSync(join(tmpdir(), 'haven-keys-'))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('creates a key that the hub store verifies, prints it once, lists it without the secret', async () => {
    const created = await cli(dataDir, 'keys', 'create', '--org', 'acme', '--role', 'admin', '--name', 'Lobby display');
    expect(created.code).to.equal(0);
    const key = /hvn_[0-9a-f]{16}_[0-9a-f]{64}/.exec(created.out)?.[0];
    expect(key, created.out).to.be.a('string');
    expect(created.out).to.contain("for organization 'acme', role admin, name 'Lobby display'");

    const store = createSqliteStore(dataDir);
    try {
      expect(createApiKeys({ store }).verify(key!)).to.deep.include({ ok: true });
    } finally {
      store.close();
    }
    const listed = await cli(dataDir, 'keys', 'list');
    expect(listed.code).to.equal(0);
    expect(listed.out).to.match(/^ID\s+ORGANIZATION\s+ROLE\s+NAME\s+CREATED\s+REVOKED$/m);
    expect(listed.out).to.contain(key!.slice(4, 20)).and.to.contain('Lobby display').and.not.to.contain(key!.slice(21));
  });

  it('revokes by id; the key then fails verification; an unknown id is exit 1', async () => {
    const created = JSON.parse((await cli(dataDir, 'keys', 'create', '--org', 'acme', '--json')).out);
    const revoked = await cli(dataDir, 'keys', 'revoke', created.id);
    expect(revoked).to.deep.include({ code: 0, out: `Revoked API key ${created.id}\n` });
    const listed = JSON.parse((await cli(dataDir, 'keys', 'list', '--json')).out);
    expect(listed[0].revokedAt).to.be.a('string');
    const store = createSqliteStore(dataDir);
    try {
      expect(createApiKeys({ store }).verify(created.key)).to.deep.equal({ ok: false, problem: 'revoked' });
    } finally {
      store.close();
    }
    expect(await cli(dataDir, 'keys', 'revoke', 'feedfeedfeedfeed')).to.deep.include({ code: 1, err: "No API key with id 'feedfeedfeedfeed'\n" });
  });

  it('answers a wrong command line with usage and exit 2', async () => {
    expect((await cli(dataDir, 'keys', 'create')).code).to.equal(2);
    expect((await cli(dataDir, 'keys', 'create', '--org', 'a', '--no-org')).code).to.equal(2);
    expect((await cli(dataDir, 'keys', 'create', '--org', 'a', '--colour', 'red')).err).to.contain("Unknown option '--colour'");
    expect((await cli(dataDir, 'keys', 'fly')).err).to.match(/^Unknown keys command 'fly'/);
    expect((await cli(dataDir, 'frobnicate')).err).to.match(/^Unknown command 'frobnicate'[\s\S]*keys/);
    expect((await cli(dataDir, 'keys', 'create', '--org', 'bad org')).code).to.equal(1);
  });

  it('creates a key without organization only when asked with --no-org', async () => {
    const created = await cli(dataDir, 'keys', 'create', '--no-org', '--json');
    expect(JSON.parse(created.out)).to.deep.include({ organization: null, role: 'viewer' });
  });

  it("runs as a program: `cli.ts --config <file> keys create` uses the config's data dir", async function () {
    this.timeout(30000);
    const configFile = join(dataDir, 'haven.json');
    writeFileSync(configFile, JSON.stringify({ storage: { data_dir: dataDir } }));
    const { HAVEN_DATA_DIR: _ignored, HAVEN_CONFIG: _alsoIgnored, ...env } = process.env;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'src', 'cli', 'cli.ts'), '--config', configFile, 'keys', 'create', '--org', 'acme', '--json'],
      {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, out).to.equal(0);
    const { id } = JSON.parse(out);
    const listed = await cli(dataDir, 'keys', 'list', '--json');
    expect(JSON.parse(listed.out).map((k: { id: string }) => k.id)).to.deep.equal([id]);
  });
});
