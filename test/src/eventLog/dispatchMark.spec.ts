import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NEVER } from 'rxjs';
import type { TriggerEvent } from '../../../streams/contracts';
import { createDispatchMark } from '../../../src/eventLog/dispatchMark';
import { handRepeats } from '../../helpers/handRepeats';
import type { EventLog } from '../../../src/eventLog/eventLog';
import type { Logger } from '../../../src/log';

const event = (seq: number, kind: TriggerEvent['kind'] = 'event'): TriggerEvent => ({
  seq,
  kind,
  name: 'Phone.Button',
  value: 'On',
  id: seq,
  type: 'On/Off',
  category: 'c',
  organization: 'default',
  source: 'HTTP',
  timestamp: '2026-12-02T00:00:00.000Z',
  receivedAt: 0,
});

/** A log holding events 1..last, statuses at the seqs in `statuses`. */
function logOf(last: number, statuses: number[] = []): EventLog {
  const all = Array.from({ length: last }, (_, i) => event(i + 1, statuses.includes(i + 1) ? 'status' : 'event'));
  return {
    append: () => Promise.resolve(),
    committed$: NEVER,
    lastSeq: () => last,
    after: (seq) => ({ events: all.filter((e) => e.seq > seq) }),
    range: () => [],
    stats: () => ({ segments: 1, bytes: 0, oldestSeq: 1, newestSeq: last, fsync: 'no' }),
    snapshot: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

function recordingLog(): { log: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const log: Logger = { debug: () => undefined, info: () => undefined, warn: (m) => void warnings.push(m), error: () => undefined, child: () => log };
  return { log, warnings };
}

describe('eventLog/dispatchMark (what a restart does not replay to services)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'haven-mark-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('counts the stored events after the mark that services may not have had, statuses aside, and logs it', () => {
    const first = createDispatchMark(dir, recordingLog().log);
    first.reportUnreplayed(logOf(0));
    first.start(() => 6);
    first.stop();
    expect(JSON.parse(readFileSync(join(dir, 'dispatched.json'), 'utf8'))).to.deep.equal({ seq: 6 });
    const { log, warnings } = recordingLog();
    // Events 7..10 were stored after the last mark; 9 is a status, which never goes to a service.
    expect(createDispatchMark(dir, log).reportUnreplayed(logOf(10, [9]))).to.equal(3);
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.match(/^3 stored events after seq 6 .* not replayed/);
  });

  it('never writes a mark below the seq the hub started at, and says nothing when services were caught up', () => {
    const mark = createDispatchMark(dir, recordingLog().log);
    mark.reportUnreplayed(logOf(10));
    // A fresh dispatcher knows nothing of what came before the restart.
    mark.start(() => 0);
    mark.stop();
    const { log, warnings } = recordingLog();
    expect(createDispatchMark(dir, log).reportUnreplayed(logOf(10))).to.equal(0);
    expect(warnings).to.deep.equal([]);
  });

  it('writes the mark once a second while the services move on (the repeat driven by hand), and stops repeating at stop', () => {
    const { every, repeats } = handRepeats();
    const markNow = () => (JSON.parse(readFileSync(join(dir, 'dispatched.json'), 'utf8')) as { seq: number }).seq;
    let settled = 2;
    const mark = createDispatchMark(dir, recordingLog().log, every);
    mark.reportUnreplayed(logOf(0));
    mark.start(() => settled);
    expect(markNow(), 'at start').to.equal(2);
    expect(repeats.map((r) => r.ms)).to.deep.equal([1000]);
    settled = 5;
    expect(markNow(), 'not before the repeat').to.equal(2);
    repeats[0].fn();
    expect(markNow()).to.equal(5);
    settled = 7;
    mark.stop();
    expect(markNow(), 'at stop').to.equal(7);
    expect(repeats[0].cancels).to.equal(1);
  });

  it('marks nothing for a hub that keeps nothing, and repeats nothing', () => {
    const mark = createDispatchMark(undefined, recordingLog().log, () => {
      throw new Error('no repeat for a hub that keeps nothing');
    });
    expect(mark.reportUnreplayed(logOf(5))).to.equal(0);
    mark.start(() => 5);
    mark.stop();
  });
});
