import { expect } from 'chai';
import { fdatasync } from 'node:fs';
import { openEventLog } from '../../../src/eventLog/openEventLog';
import { startHub, type TestHub } from '../../helpers/hub';

/**
 * fsync `always` on a disk whose fdatasync fails after the write succeeded (an I/O error): the
 * record is in the log and was sent on, so the answer must not say "nothing was accepted, retry".
 */
describe('faults: fsync always, an fdatasync that fails after the write', () => {
  let hub: TestHub | undefined;
  afterEach(async () => {
    await hub?.stop();
    hub = undefined;
  });

  it('answers 500 not_durable (do not resend), says so on /readyz, and keeps the event: cache, seq and the retry as duplicate', async () => {
    let failing = false;
    const eio = () => Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    const flaky = (fd: number, done: (err: NodeJS.ErrnoException | null) => void) => (failing ? setImmediate(() => done(eio())) : fdatasync(fd, done));
    hub = await startHub({ journal: { fsync: 'always' } }, { eventLog: (config, deps) => openEventLog(config, { ...deps, fdatasync: flaky }) });
    const post = async (value: string, id: number) => {
      const res = await fetch(`${hub!.url}/api/trigger-event`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Stage.Mode', value, id }),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    expect((await post('intro', 1)).status).to.equal(200);

    failing = true;
    const unconfirmed = await post('finale', 2);
    expect(unconfirmed).to.deep.equal({
      status: 500,
      body: {
        reason: 'not_durable',
        error:
          'The disk did not confirm event 2 (EIO: i/o error, fdatasync): it is in the event log and was sent on, but a power cut may lose it; do not resend it',
      },
    });
    expect((await fetch(`${hub.url}/readyz`)).status, 'the disk is failing').to.equal(503);

    failing = false;
    const status = (await (await fetch(`${hub.url}/api/trigger-status`)).json()) as { triggers: Record<string, { value: string; id: number }> };
    expect(status.triggers['Stage.Mode']).to.include({ value: 'finale', id: 2 });
    const resent = await post('finale', 2);
    expect(resent).to.deep.include({ status: 200 });
    expect(resent.body).to.include({ reason: 'duplicate' });
    const next = await post('intro', 3);
    expect(next.body).to.include({ trigger_seq: 3 });
    expect((await fetch(`${hub.url}/readyz`)).status, 'once an fsync succeeded').to.equal(200);
  });
});
