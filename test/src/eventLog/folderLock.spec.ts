import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockFolder, LogLockedError } from '../../../src/eventLog/folderLock';

describe('eventLog/folderLock (one writer per log)', () => {
  let dir: string;
  let other: ChildProcess | undefined;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'haven-lock-'))));
  afterEach(() => {
    other?.kill('SIGKILL');
    other = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a folder another live process holds, naming it', () => {
    other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    writeFileSync(join(dir, 'lock'), String(other.pid));
    expect(() => lockFolder(dir)).to.throw(LogLockedError, `in use by process ${other.pid}`);
  });

  it('takes over the lock of a process that died without releasing it, and releases its own', async () => {
    const dead = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    await new Promise((resolve) => dead.once('exit', resolve));
    writeFileSync(join(dir, 'lock'), String(dead.pid));
    const release = lockFolder(dir);
    expect(readFileSync(join(dir, 'lock'), 'utf8')).to.equal(String(process.pid));
    release();
    expect(existsSync(join(dir, 'lock'))).to.equal(false);
  });
});
