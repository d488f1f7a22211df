import { expect } from 'chai';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TriggerEvent } from '../../../streams/contracts';
import { EVENT_TYPES, eventTypeOf } from '../../../streams/sse/eventCatalog';
import type { TestHub } from '../../helpers/hub';
import { open, type JsonAnswer, type TestStream } from './sseClient';
import { createKey, startSseHub } from './sseFixtures';

/**
 * Organization isolation of the SSE stream as a property: random catalogs of several
 * organizations (names that differ only in case or by a suffix among them), random keys, random
 * and hostile requests (other organizations' categories, wildcard-looking filters, huge lists, a
 * foreign key in the query beside the header, organization ids in the query and headers, resume
 * ids taken from other organizations' events, ids ahead of the hub, garbage), then random trigger,
 * power and service events. Each stream must get exactly what its organization and filter allow:
 * nothing of another organization, nothing missing, in order. The hub is stopped at the end of a
 * run, so its shutdown notice (written after every event) is the barrier before the comparison.
 */

const ORGS = ['acme', 'globex', 'Acme', 'acme.eu', 'acme-', 'initech'] as const;
const CATEGORIES = ['buttons', 'dials', 'access', 'power', 'system', 'Buttons'] as const;
const TYPES = ['On/Off', 'Discrete', 'OneShot'] as const;
/** Category items that look like wildcards or nothing; blanks are dropped by the parser, the rest are unknown. */
const HOSTILE_CATEGORIES = ['*', '', ' ', '%', 'all', 'null', '.*', 'acme'] as const;
const HOSTILE_TYPES = ['*', 'ALL', '', 'state', 'fired ', 'power_on'] as const;
/** Resume ids that are not a seq: each must be a 400, never a fresh (or a foreign) start. */
const GARBAGE_IDS = ['-1', '1.5', 'abc', '1e3', '0x10', '99999999999999999999', '²', '3;4', 'null'] as const;

interface TriggerSpec {
  readonly org: (typeof ORGS)[number];
  readonly category: (typeof CATEGORIES)[number];
  readonly type: (typeof TYPES)[number];
}
type CategoryItem = { readonly own: number } | { readonly raw: string };
type TypeItem = string;
type Resume =
  | { readonly kind: 'none' }
  | { readonly kind: 'seq'; readonly pick: number }
  | { readonly kind: 'ahead'; readonly by: number }
  | { readonly kind: 'garbage'; readonly text: string };
interface StreamSpec {
  readonly org: (typeof ORGS)[number];
  /** Most streams belong to an organization that has triggers: the owner of the catalog's trigger at this index. */
  readonly orgOfTrigger: number | undefined;
  readonly role: 'viewer' | 'admin';
  /** `header`; `query` (?apiKey=); `both`: own key in the header, another organization's in the query (the header wins). */
  readonly keyIn: 'header' | 'query' | 'both';
  readonly categories: readonly CategoryItem[] | undefined;
  readonly repeatCategories: boolean;
  readonly hugeCategories: boolean;
  readonly types: readonly TypeItem[] | undefined;
  readonly resume: Resume;
  /** `header`, `query`, or `headerOverQuery` (a garbage ?lastEventId= the header overrides). */
  readonly resumeIn: 'header' | 'query' | 'headerOverQuery';
  /** Asks for another organization in every way a naive server might listen to. */
  readonly forgeOrg: number | undefined;
}
interface Fire {
  readonly trigger: number;
  readonly kind: 'event' | 'status';
  readonly value: number;
}
type HubEvent = { readonly fire: Fire } | { readonly power: number; readonly org: number } | { readonly service: number };
interface Scenario {
  readonly triggers: readonly TriggerSpec[];
  readonly before: readonly Fire[];
  readonly streams: readonly StreamSpec[];
  readonly after: readonly HubEvent[];
}

const orgArb = fc.constantFrom(...ORGS);
const fireArb: fc.Arbitrary<Fire> = fc.record({ trigger: fc.nat(), kind: fc.constantFrom('event', 'event', 'status'), value: fc.nat() });
const streamArb: fc.Arbitrary<StreamSpec> = fc.record({
  org: orgArb,
  orgOfTrigger: fc.option(fc.nat(), { nil: undefined, freq: 4 }),
  role: fc.constantFrom('viewer', 'admin'),
  keyIn: fc.constantFrom('header', 'header', 'query', 'both'),
  categories: fc.option(
    fc.array(
      fc.oneof(
        { weight: 4, arbitrary: fc.record({ own: fc.nat() }) },
        { weight: 1, arbitrary: fc.record({ raw: fc.constantFrom(...CATEGORIES, ...HOSTILE_CATEGORIES) }) },
      ),
      {
        minLength: 1,
        maxLength: 4,
      },
    ),
    { nil: undefined, freq: 2 },
  ),
  repeatCategories: fc.boolean(),
  hugeCategories: fc.boolean(),
  types: fc.option(
    fc.array(
      fc.oneof(
        {
          weight: 4,
          arbitrary: fc.constantFrom('STATE_CHANGED', 'VALUE_CHANGED', 'FIRED', 'STATUS_UPDATED', 'POWER_ON', 'SERVICE_CONNECTED', 'state_changed', ' Fired'),
        },
        { weight: 1, arbitrary: fc.constantFrom(...EVENT_TYPES) },
        { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_TYPES) },
      ),
      { minLength: 1, maxLength: 3 },
    ),
    { nil: undefined, freq: 2 },
  ),
  resume: fc.oneof(
    fc.constant<Resume>({ kind: 'none' }),
    fc.record({ kind: fc.constant('seq' as const), pick: fc.nat() }),
    fc.record({ kind: fc.constant('ahead' as const), by: fc.integer({ min: 1, max: 1000 }) }),
    fc.record({ kind: fc.constant('garbage' as const), text: fc.constantFrom(...GARBAGE_IDS) }),
  ),
  resumeIn: fc.constantFrom('header', 'query', 'headerOverQuery'),
  forgeOrg: fc.option(fc.nat(), { nil: undefined }),
});
const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  triggers: fc.array(fc.record({ org: orgArb, category: fc.constantFrom(...CATEGORIES), type: fc.constantFrom(...TYPES) }), { minLength: 1, maxLength: 8 }),
  before: fc.array(fireArb, { maxLength: 12 }),
  streams: fc.array(streamArb, { minLength: 1, maxLength: 6 }),
  after: fc.array(
    fc.oneof(
      { weight: 6, arbitrary: fc.record({ fire: fireArb }) },
      { weight: 1, arbitrary: fc.record({ power: fc.nat(), org: fc.nat() }) },
      { weight: 1, arbitrary: fc.record({ service: fc.nat() }) },
    ),
    { maxLength: 25 },
  ),
});

const triggerName = (i: number) => `Device${i}.Input`;

/** What a stream of `org` may name in `eventCategories`: its triggers' categories, `system` and `power`. */
function knownCategories(triggers: readonly TriggerSpec[], org: string): string[] {
  return [...new Set(['system', 'power', ...triggers.filter((t) => t.org === org).map((t) => t.category)])].sort();
}

/** The envelope fields the comparison reads. */
interface Seen {
  readonly seq: number | null;
  readonly org: string | null;
  readonly name: string;
  readonly type: string;
}

/** What one stream must receive. */
type Expected =
  | { readonly status: 400 }
  | { readonly status: 200; readonly resync: boolean; readonly accepts: (e: Seen & { category: string }) => boolean; readonly replayAfter: number | null };

/** The stream's request, and what the model says about it, from the spec alone (no hub code). */
function request(spec: StreamSpec, s: Scenario, ctx: { own: string; foreign: string; latest: number; seqs: readonly number[] }) {
  const query: string[] = [];
  const headers: Record<string, string> = {};
  if (spec.keyIn === 'header' || spec.keyIn === 'both') headers['x-api-key'] = ctx.own;
  if (spec.keyIn === 'query') query.push(`apiKey=${encodeURIComponent(ctx.own)}`);
  if (spec.keyIn === 'both') query.push(`apiKey=${encodeURIComponent(ctx.foreign)}`);
  if (spec.forgeOrg !== undefined) {
    const forged = ORGS[spec.forgeOrg % ORGS.length];
    query.push(`organizationId=${forged}`, `organization=${forged}`, `org=${forged}`);
    headers['x-organization-id'] = forged;
  }
  let bad = false;
  const known = knownCategories(s.triggers, spec.org);
  let categories: Set<string> | null = null;
  if (spec.categories) {
    let items = spec.categories.map((c) => ('own' in c ? known[c.own % known.length] : c.raw));
    if (spec.hugeCategories) items = Array.from({ length: 400 }, (_, i) => items[i % items.length]);
    if (spec.repeatCategories) for (const c of items) query.push(`eventCategories=${encodeURIComponent(c)}`);
    else query.push(`eventCategories=${encodeURIComponent(items.join(','))}`);
    const named = items.map((c) => c.trim()).filter((c) => c !== '');
    if (named.some((c) => !known.includes(c))) bad = true;
    if (named.length > 0) categories = new Set(named);
  }
  let types: Set<string> | null = null;
  if (spec.types) {
    query.push(`eventTypes=${encodeURIComponent(spec.types.join(','))}`);
    const named = spec.types.map((t) => t.trim().toUpperCase()).filter((t) => t !== '');
    if (named.some((t) => !(EVENT_TYPES as readonly string[]).includes(t))) bad = true;
    if (named.length > 0) types = new Set(named);
  }
  let resumeText: string | undefined;
  let after: number | null = null;
  if (spec.resume.kind === 'seq') after = [0, ...ctx.seqs][spec.resume.pick % (ctx.seqs.length + 1)];
  if (spec.resume.kind === 'ahead') after = ctx.latest + spec.resume.by;
  if (after !== null) resumeText = String(after);
  if (spec.resume.kind === 'garbage') {
    resumeText = spec.resume.text;
    bad = true;
  }
  if (resumeText !== undefined) {
    if (spec.resumeIn === 'query') query.push(`lastEventId=${encodeURIComponent(resumeText)}`);
    else headers['last-event-id'] = resumeText;
    if (spec.resumeIn === 'headerOverQuery') query.push('lastEventId=abc');
  }
  const expected: Expected = bad
    ? { status: 400 }
    : {
        status: 200,
        resync: after !== null && after > ctx.latest,
        replayAfter: after !== null && after <= ctx.latest ? after : null,
        accepts: (e) => (e.org === spec.org || e.org === null) && (categories === null || categories.has(e.category)) && (types === null || types.has(e.type)),
      };
  return { path: `/api/events/stream${query.length ? `?${query.join('&')}` : ''}`, headers, expected };
}

describe('SSE stream: organization isolation (property)', () => {
  let dir: string;
  /** What the runs exercised, so a generator that drifts into refusing everything is noticed. */
  const tally = { opened: 0, refused: 0, resumed: 0, resynced: 0, delivered: 0, foreignFired: 0 };
  before(() => (dir = mkdtempSync(join(tmpdir(), 'haven-org-prop-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function run(s: Scenario): Promise<void> {
    const file = join(dir, 'triggers.json');
    const catalog = s.triggers.map((t, i) => ({
      name: triggerName(i),
      type: t.type,
      category: t.category,
      organization: t.org,
      ...(t.type === 'Discrete' && { values: [1, 2, 3] }),
    }));
    writeFileSync(file, JSON.stringify({ default_organization: 'acme', triggers: catalog }));
    const hub: TestHub = await startSseHub({ trigger: { config_file: file }, sse: { allow_query_api_key: true, max_connections_per_key: 1 } });
    const streams: TestStream[] = [];
    try {
      const report = (f: Fire) => {
        const t = s.triggers[f.trigger % s.triggers.length];
        const value = t.type === 'On/Off' ? (f.value % 2 ? 'On' : 'Off') : t.type === 'Discrete' ? (f.value % 3) + 1 : null;
        return hub.runtime.report({ source: 'HTTP', kind: f.kind, name: triggerName(f.trigger % s.triggers.length), value, id: null });
      };
      for (const f of s.before) await report(f);
      const latest = hub.runtime.lastSeq();
      const seqs = Array.from({ length: latest }, (_, i) => i + 1);
      // One key per organization that no stream uses: the foreign keys of `keyIn: both`.
      const bystanders = ORGS.map((o) => createKey(hub, o).key);
      const opened: { spec: StreamSpec; id: string; expected: Expected; answer: TestStream | JsonAnswer }[] = [];
      const specs = s.streams.map((sp) => (sp.orgOfTrigger === undefined ? sp : { ...sp, org: s.triggers[sp.orgOfTrigger % s.triggers.length].org }));
      for (const [i, spec] of specs.entries()) {
        const own = createKey(hub, spec.org, spec.role);
        const foreign = bystanders[(ORGS.indexOf(spec.org) + 1 + i) % ORGS.length];
        const { path, headers, expected } = request(spec, s, { own: own.key, foreign, latest, seqs });
        const answer = await open(hub.url + path, { headers });
        if ('received' in answer) {
          streams.push(answer);
          await answer.waitFor((m) => m.event === 'connection');
        }
        opened.push({ spec, id: own.id, expected, answer });
        if (expected.status === 200) tally.opened++;
        else tally.refused++;
        if (expected.status === 200 && expected.replayAfter !== null) tally.resumed++;
        if (expected.status === 200 && expected.resync) tally.resynced++;
        const what = `stream ${i} ${path} ${JSON.stringify(headers)}`;
        expect(answer.status, `${what}: ${'body' in answer ? JSON.stringify(answer.body) : ''}`).to.equal(expected.status);
        if (!('received' in answer)) expect(answer.body.error, what).to.be.a('string').and.not.include(own.key);
      }

      // Every event after the streams opened, as the model knows it.
      const live: (Seen & { category: string })[] = [];
      for (const e of s.after) {
        if ('fire' in e) {
          const d = await report(e.fire);
          if (!d.accepted) continue;
          const t = s.triggers[e.fire.trigger % s.triggers.length];
          live.push({ seq: d.event.seq, org: t.org, name: d.event.name, category: t.category, type: eventTypeOf(t.type, e.fire.kind) });
        } else if ('power' in e) {
          const org = ORGS[e.org % ORGS.length];
          const socket = `socket-${e.power % 3}`;
          hub.runtime.bus.publish('power', { type: 'power_on', socket, timestamp: new Date().toISOString(), organization: org });
          live.push({ seq: null, org, name: socket, category: 'power', type: 'POWER_ON' });
        } else {
          const service = `service-${e.service % 3}`;
          hub.runtime.bus.publish('services', { service, status: 'connected', previous: 'connecting', protocol: 'TCP_SOCKET' });
          live.push({ seq: null, org: null, name: service, category: 'system', type: 'SERVICE_CONNECTED' });
        }
      }

      // Stats speak of the key's own organization only, and admins list only its keys.
      for (const { spec, id, answer } of opened.filter((o) => o.answer.status === 200)) {
        void answer;
        const key = createKey(hub, spec.org, 'admin');
        const stats = await open(`${hub.url}/api/events/stream/stats`, { apiKey: key.key });
        if ('received' in stats) throw new Error('stats answered with a stream');
        const sameOrg = opened.filter((o) => o.spec.org === spec.org && o.answer.status === 200);
        expect(stats.body.organizationId).to.equal(spec.org);
        expect(stats.body.organization.connections).to.equal(sameOrg.length);
        expect(stats.body.keys.map((k: { id: string }) => k.id).sort()).to.deep.equal(sameOrg.map((o) => o.id).sort());
        expect(stats.body.keys.map((k: { id: string }) => k.id)).to.include(id);
      }

      const journal = hub.runtime.log.after(0);
      if ('tooOld' in journal) throw new Error('journal too old');
      const history = new Map<number, TriggerEvent>(journal.events.map((e) => [e.seq, e]));
      await hub.stop();
      for (const [i, { spec, expected, answer }] of opened.entries()) {
        if (!('received' in answer) || expected.status !== 200) continue;
        await answer.ended;
        const replayed: (Seen & { category: string })[] =
          expected.replayAfter === null
            ? []
            : [...history.values()]
                .filter((e) => e.seq > expected.replayAfter! && e.seq <= latest)
                .map((e) => ({ seq: e.seq, org: e.organization, name: e.name, category: e.category, type: eventTypeOf(e.type, e.kind) }));
        const want = [...replayed, ...live].filter(expected.accepts).map(({ seq, org, name, type }) => ({ seq, org, name, type }));
        const got = answer.events().map((m) => ({
          seq: m.data.seq,
          org: m.data.organizationId,
          name: m.data.triggerName ?? m.data.socketName ?? m.data.serviceName,
          type: m.data.event.type,
        }));
        const what = `stream ${i} (${spec.org})`;
        for (const g of got) expect([spec.org, null], `${what} got an event of ${g.org}`).to.include(g.org);
        expect(got, what).to.deep.equal(want);
        tally.delivered += got.length;
        tally.foreignFired += [...replayed, ...live].filter((e) => e.org !== spec.org && e.org !== null).length;
        const kinds = answer.received.filter((m) => m.event !== 'heartbeat').map((m) => (m.event === 'system' ? m.data.code : m.event));
        expect(kinds, what).to.deep.equal(['connection', ...(expected.resync ? ['resync'] : []), ...want.map(() => 'event'), 'shutdown']);
        expect(answer.received[0].data.organizationId, what).to.equal(spec.org);
      }
    } finally {
      streams.forEach((st) => st.close());
      await hub.stop();
    }
  }

  it('gives every stream exactly the events of its organization and filter, live and replayed, whatever it asks', async function () {
    this.timeout(60000);
    await fc.assert(fc.asyncProperty(scenarioArb, run), { numRuns: 60 });
    expect(tally.opened, JSON.stringify(tally)).to.be.above(60);
    expect(tally.refused, JSON.stringify(tally)).to.be.above(20);
    expect(tally.resumed, JSON.stringify(tally)).to.be.above(10);
    expect(tally.resynced, JSON.stringify(tally)).to.be.above(5);
    expect(tally.delivered, JSON.stringify(tally)).to.be.above(80);
    expect(tally.foreignFired, `events of other organizations were on offer: ${JSON.stringify(tally)}`).to.be.above(150);
  });
});
