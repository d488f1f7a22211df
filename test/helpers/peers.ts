import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The interpreter Debian's Python modules (python3-pymodbus, python3-websockets) install into, whatever python3 is first on PATH; the peer table checks them there. */
export const DEBIAN_PYTHON = '/usr/bin/python3';

/** The peer table `test/peers/ensure.sh` installs from: Debian package → a shell check. */
function peerChecks(): Map<string, string> {
  const table = readFileSync(join(__dirname, '..', 'peers', 'peers.txt'), 'utf8');
  const checks = new Map<string, string>();
  for (const line of table.split('\n')) {
    const row = line.trim();
    if (row === '' || row.startsWith('#')) continue;
    const [, pkg, check] = /^(\S+)\s+(.+)$/.exec(row)!;
    checks.set(pkg, check);
  }
  return checks;
}

/** The packages of `packages` whose check fails; a package not in the table is a mistake in the spec. */
function missingPeers(packages: readonly string[]): string[] {
  const checks = peerChecks();
  return packages.filter((pkg) => {
    const check = checks.get(pkg);
    if (check === undefined) throw new Error(`${pkg} is not in test/peers/peers.txt: add it there with its check`);
    return spawnSync('bash', ['-c', check], { stdio: 'ignore' }).status !== 0;
  });
}

/**
 * Fails the enclosing suite once, before its own hooks run, when a real peer it talks to is missing,
 * naming the command that installs it. Without it a missing program fails every test (or, spawned in
 * a hook, crashes mocha); `npm test` installs the peers first, so this bites only when mocha runs alone.
 * Call it first in the `describe`, so its hook precedes the suite's own.
 */
export function requirePeers(...packages: string[]): void {
  before(() => {
    const missing = missingPeers(packages);
    if (missing.length > 0) {
      throw new Error(`missing ${missing.join(', ')}: run \`sudo apt-get install -y ${missing.join(' ')}\` (or \`npm test\`, which installs the test peers)`);
    }
  });
}
