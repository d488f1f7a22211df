import { expect } from 'chai';
import type { TriggerEvent } from '../../../streams/contracts';
import type { Ack } from './load';
import type { LogContents } from './logFiles';
import { firstDifference, seenOf, type Seen, type Watcher } from './watchers';

/** The first few problems of a list, for a message that stays readable. */
const some = (problems: readonly string[]): string => `${problems.length} problem(s), first: ${problems.slice(0, 5).join('; ')}`;
/** JSON with sorted keys, so two objects compare by content, not by key order. */
const canonical = (v: unknown): string => (v === undefined ? 'nothing' : JSON.stringify(v, Object.keys(v as object).sort()));

/** The log holds seqs 1..N, each once, in order: nothing accepted was lost between two records. */
export function expectGapless(log: LogContents, context: string): void {
  const wrong = log.events.findIndex((e, i) => e.seq !== i + 1);
  expect(wrong, `${context}: record ${wrong} has seq ${log.events[wrong]?.seq}`).to.equal(-1);
}

/** Every acknowledged input is in the log at its seq, with the name, id, value (and timestamp) it was answered with. */
export function expectAcksStored(acks: readonly Ack[], log: LogContents, context: string): void {
  const problems: string[] = [];
  for (const a of acks) {
    const e = log.bySeq.get(a.seq);
    if (!e) problems.push(`seq ${a.seq} (${a.name} ${a.id}) is not in the log`);
    else if (e.name !== a.name || e.id !== a.id || e.value !== a.value || (a.timestamp !== undefined && e.timestamp !== a.timestamp))
      problems.push(`seq ${a.seq}: acknowledged ${JSON.stringify(a)}, stored ${JSON.stringify(seenOf(e))}`);
  }
  expect(problems, `${context}: ${some(problems)}`).to.deep.equal([]);
}

/**
 * `GET /api/trigger-status` is the log's last record of each trigger (so the cache neither lost a
 * record nor holds one the log does not), and no trigger's id is below its last acknowledged one.
 */
export function expectCacheIsLog(cache: { triggers: Record<string, unknown> }, log: LogContents, acks: readonly Ack[], context: string): void {
  const last = new Map<string, TriggerEvent>();
  for (const e of log.events) if (e.type !== 'OneShot') last.set(e.name, e);
  const expected = Object.fromEntries([...last].map(([name, e]) => [name, { value: e.value, id: e.id, timestamp: e.timestamp, type: e.type }]));
  const problems: string[] = [];
  for (const name of new Set([...Object.keys(expected), ...Object.keys(cache.triggers)]))
    if (canonical(cache.triggers[name]) !== canonical(expected[name]))
      problems.push(`${name}: cache ${canonical(cache.triggers[name])}, log's last ${canonical(expected[name])}`);
  const lastAcked = new Map<string, number>();
  for (const a of acks) lastAcked.set(a.name, Math.max(a.id, lastAcked.get(a.name) ?? 0));
  for (const [name, id] of lastAcked) {
    const cached = (cache.triggers[name] as { id?: number } | undefined)?.id ?? -1;
    if (cached < id) problems.push(`${name}: cache id ${cached} below the last acknowledged ${id}`);
  }
  expect(problems, `${context}: ${some(problems)}`).to.deep.equal([]);
}

/** `watcher` received exactly `expected`, in order, none twice, none missing. */
export function expectExactly(watcher: Watcher, expected: readonly (TriggerEvent | Seen)[], context: string): void {
  const difference = firstDifference(watcher.events(), expected.map(seenOf));
  expect(difference, `${context}: the ${watcher.kind} client's events differ ${difference}`).to.equal(undefined);
}
