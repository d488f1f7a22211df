import { expect } from 'chai';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWsHub, type Msg, type TestClient, type WsHub } from './wsHarness';

/**
 * Area scoping of WebSocket clients as a property: random catalogs, areas (some disabled, some
 * naming entities that are no trigger, look like wildcards or differ only in case), clients with
 * random areas and admins; each client connects (header or `auth` message, resuming from a
 * random, foreign or future seq), sends random `subscribe` / `unsubscribe` requests (triggers
 * outside its areas, unknown names, categories of other areas' triggers, huge lists), reads its
 * state and the dashboard snapshot, fires WEB inputs with its token; then trigger events,
 * rejected inputs, power and service events, an admin's changes of areas, and more events. Every
 * client must get exactly what its areas and its subscription allow, before and after the change,
 * and never anything else. A `ping` (answered after everything queued before it) is the barrier.
 */

const CATEGORIES = ['lights', 'sound', 'doors', 'power'] as const;
const TYPES = ['On/Off', 'Discrete', 'OneShot'] as const;
/** Entity ids that are no trigger of the catalog (or only look like one). */
const HOSTILE_ENTITIES = ['*', 'Nope.Missing', 'zone0.in', '__proto__', 'lights', 'Socket.A'] as const;
const SOCKETS = ['Socket.A', 'Socket.B', 'Zone0.In'] as const;

type NameRef = { readonly trigger: number } | { readonly hostile: number };
interface Sub {
  readonly type: 'subscribe' | 'unsubscribe';
  readonly triggers: readonly NameRef[];
  readonly categories: readonly string[];
  readonly all: boolean | undefined;
  readonly huge: boolean;
}
interface ClientSpec {
  readonly admin: boolean;
  readonly areas: readonly number[];
  readonly by: 'header' | 'auth';
  readonly resume: { readonly kind: 'none' } | { readonly kind: 'seq'; readonly pick: number } | { readonly kind: 'ahead'; readonly by: number };
  readonly subs: readonly Sub[];
}
type HubEvent =
  | { readonly fire: number; readonly value: number }
  | { readonly web: number; readonly by: number }
  | { readonly reject: number }
  | { readonly power: number }
  | { readonly service: number };
type Change =
  | { readonly toggle: number }
  | { readonly assign: number; readonly areas: readonly number[] }
  | { readonly edit: number; readonly entities: readonly NameRef[] }
  | { readonly remove: number };
interface Scenario {
  readonly triggers: readonly { readonly category: (typeof CATEGORIES)[number]; readonly type: (typeof TYPES)[number] }[];
  readonly areas: readonly { readonly entities: readonly NameRef[]; readonly enabled: boolean }[];
  readonly clients: readonly ClientSpec[];
  readonly before: readonly number[];
  readonly phase1: readonly HubEvent[];
  readonly changes: readonly Change[];
  readonly phase2: readonly HubEvent[];
}

const nameRef: fc.Arbitrary<NameRef> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ trigger: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ hostile: fc.nat() }) },
);
const subArb: fc.Arbitrary<Sub> = fc.record({
  type: fc.constantFrom('subscribe', 'subscribe', 'unsubscribe'),
  triggers: fc.array(nameRef, { maxLength: 3 }),
  categories: fc.array(fc.constantFrom(...CATEGORIES, 'Lights', '*'), { maxLength: 2 }),
  all: fc.option(fc.boolean(), { nil: undefined }),
  huge: fc.boolean(),
});
const eventArb: fc.Arbitrary<HubEvent> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ fire: fc.nat(), value: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ web: fc.nat(), by: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ reject: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ power: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ service: fc.nat() }) },
);
const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  triggers: fc.array(fc.record({ category: fc.constantFrom(...CATEGORIES), type: fc.constantFrom(...TYPES) }), { minLength: 1, maxLength: 6 }),
  areas: fc.array(fc.record({ entities: fc.array(nameRef, { maxLength: 4 }), enabled: fc.boolean() }), { minLength: 1, maxLength: 4 }),
  clients: fc.array(
    fc.record({
      admin: fc.oneof({ weight: 1, arbitrary: fc.constant(true) }, { weight: 4, arbitrary: fc.constant(false) }),
      areas: fc.array(fc.nat(), { maxLength: 3 }),
      by: fc.constantFrom('header', 'auth'),
      resume: fc.oneof(
        fc.constant({ kind: 'none' as const }),
        fc.record({ kind: fc.constant('seq' as const), pick: fc.nat() }),
        fc.record({ kind: fc.constant('ahead' as const), by: fc.integer({ min: 1, max: 50 }) }),
      ),
      subs: fc.array(subArb, { maxLength: 3 }),
    }),
    { minLength: 1, maxLength: 5 },
  ),
  before: fc.array(fc.nat(), { maxLength: 8 }),
  phase1: fc.array(eventArb, { maxLength: 14 }),
  changes: fc.array(
    fc.oneof(
      fc.record({ toggle: fc.nat() }),
      fc.record({ assign: fc.nat(), areas: fc.array(fc.nat(), { maxLength: 3 }) }),
      fc.record({ edit: fc.nat(), entities: fc.array(nameRef, { maxLength: 4 }) }),
      fc.record({ remove: fc.nat() }),
    ),
    { minLength: 1, maxLength: 4 },
  ),
  phase2: fc.array(eventArb, { minLength: 1, maxLength: 14 }),
});

const triggerName = (i: number) => `Zone${i}.In`;

describe('WebSocket: area scoping (property)', () => {
  let dir: string;
  const tally = { clients: 0, delivered: 0, hidden: 0, refusedSubs: 0, webRefused: 0, resumed: 0, resynced: 0, power: 0, answers: 0 };
  before(() => (dir = mkdtempSync(join(tmpdir(), 'haven-area-prop-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function run(s: Scenario): Promise<void> {
    const names = s.triggers.map((_, i) => triggerName(i));
    const category = new Map(s.triggers.map((t, i) => [names[i], t.category as string]));
    const nameOf = (r: NameRef) => ('trigger' in r ? names[r.trigger % names.length] : HOSTILE_ENTITIES[r.hostile % HOSTILE_ENTITIES.length]);
    const file = join(dir, 'triggers.json');
    writeFileSync(
      file,
      JSON.stringify({
        triggers: s.triggers.map((t, i) => ({ name: names[i], type: t.type, category: t.category, ...(t.type === 'Discrete' && { values: [1, 2, 3] }) })),
      }),
    );
    const h: WsHub = await startWsHub({
      trigger: { config_file: file, sources: { TCP: { enabled: false }, MODBUS: { enabled: false } } },
      websocket: { rate_limit: { max: 100000 } },
    });
    try {
      const areaIds = s.areas.map((a) => {
        const made = h.ws.admin.createArea(`area`, a.entities.map(nameOf), a.enabled);
        if (!made.ok) throw new Error('no area');
        return made.value.id;
      });
      const specs = s.clients;
      const people = specs.map((c, i) => {
        const areas = [...new Set(c.areas.map((a) => areaIds[a % areaIds.length]))];
        const made = h.ws.admin.createClient(`client ${i}`, c.admin ? 'admin' : 'client', areas);
        if (!made.ok) throw new Error('no client');
        return { id: made.value.client.id, token: made.value.token, areas: c.admin ? [] : areas };
      });
      /** What client `i` may see now, from the model's own areas (null: everything). */
      const areaState = s.areas.map((a) => ({ entities: [...new Set(a.entities.map(nameOf))], enabled: a.enabled, deleted: false }));
      const visibleOf = (i: number): Set<string> | null =>
        specs[i].admin
          ? null
          : new Set(people[i].areas.flatMap((id) => (areaState[areaIds.indexOf(id)].enabled ? areaState[areaIds.indexOf(id)].entities : [])));
      const canSee = (v: Set<string> | null, name: string) => v === null || v.has(name);
      const fire = async (t: number, value: number) => {
        const type = s.triggers[t % names.length].type;
        await h.hub.runtime.report({
          source: 'HTTP',
          kind: 'event',
          name: names[t % names.length],
          value: type === 'On/Off' ? (value % 2 ? 'On' : 'Off') : type === 'Discrete' ? (value % 3) + 1 : null,
          id: null,
        });
      };

      for (const t of s.before) await fire(t, t);
      const latest0 = h.hub.runtime.lastSeq();

      // Connect, subscribe, read state and the dashboard.
      type Filter = { triggers: Set<string>; categories: Set<string> } | undefined;
      const filters: Filter[] = [];
      const resumes: { after: number; resync: boolean }[] = [];
      const clients: TestClient[] = [];
      for (const [i, c] of specs.entries()) {
        tally.clients++;
        const after = c.resume.kind === 'seq' ? c.resume.pick % (latest0 + 1) : c.resume.kind === 'ahead' ? latest0 + c.resume.by : undefined;
        let client: TestClient;
        if (c.by === 'header') client = await h.login(people[i].token, after);
        else {
          client = await h.connect();
          client.send({ type: 'auth', token: people[i].token, ...(after !== undefined && { lastSeq: after }) });
          await client.waitFor((m) => m.type === 'connected', 'connected');
        }
        clients.push(client);
        resumes.push(after === undefined ? { after: -1, resync: false } : { after, resync: after > latest0 });
        if (after !== undefined) tally[after > latest0 ? 'resynced' : 'resumed']++;
        const connected = client.ofType('connected')[0].data;
        expect(connected.areas.map((a: { areaId: string }) => a.areaId)).to.deep.equal(c.admin ? areaIds : people[i].areas);

        let filter: Filter;
        const visible = visibleOf(i);
        for (const sub of c.subs) {
          let triggers = sub.triggers.map(nameOf);
          if (sub.huge) triggers = Array.from({ length: triggers.length > 0 ? 1001 : 0 }, (_, k) => triggers[k % triggers.length]);
          const answer = await client.request({ type: sub.type, triggers, categories: sub.categories, ...(sub.all !== undefined && { all: sub.all }) });
          const refusal = (() => {
            if (triggers.length > 1000) return 'invalid_message';
            if (!sub.all && triggers.length === 0 && sub.categories.length === 0) return 'invalid_message';
            // Outside its areas a name gets the same answer whether it exists or not (no oracle).
            for (const n of triggers) {
              if (!canSee(visible, n)) {
                if (sub.type === 'subscribe') return 'not_in_areas';
                continue;
              }
              if (!names.includes(n)) return 'unknown_trigger';
            }
            if (sub.categories.some((k) => !s.triggers.some((t, j) => t.category === k && canSee(visible, names[j])))) return 'unknown_category';
            return undefined;
          })();
          const what = `client ${i} ${JSON.stringify(sub)}`;
          if (refusal) {
            tally.refusedSubs++;
            expect(answer.success, what).to.equal(false);
            expect(answer.error.code, what).to.equal(refusal);
            continue;
          }
          expect(answer.success, `${what}: ${JSON.stringify(answer.error)}`).to.equal(true);
          const next = { triggers: new Set(filter?.triggers), categories: new Set(filter?.categories) };
          if (sub.type === 'subscribe') {
            triggers.forEach((n) => next.triggers.add(n));
            sub.categories.forEach((k) => next.categories.add(k));
          } else if (sub.all) {
            next.triggers.clear();
            next.categories.clear();
          } else {
            triggers.forEach((n) => next.triggers.delete(n));
            sub.categories.forEach((k) => next.categories.delete(k));
          }
          filter = sub.type === 'subscribe' && sub.all ? undefined : next;
        }
        filters.push(filter);
        const sees = (n: string) => canSee(visible, n) && (filter === undefined || filter.triggers.has(n) || filter.categories.has(category.get(n) ?? ''));
        const cached = Object.keys((await h.api('GET', '/api/trigger-status')).body.triggers);
        const state = (await client.request({ type: 'get_state' })).result.state;
        expect(Object.keys(state).sort(), `client ${i} get_state`).to.deep.equal(cached.filter(sees).sort());
        const dashboard = (await client.request({ type: 'subscribe_dashboard' })).result;
        expect(dashboard.triggers.map((t: { name: string }) => t.name).sort(), `client ${i} dashboard`).to.deep.equal(
          names.filter((n) => canSee(visible, n)).sort(),
        );
      }

      /** Power and answer messages, as the model expects them per client. */
      const expectedPower: string[][] = specs.map(() => []);
      const expectedAnswers: string[][] = specs.map(() => []);
      const expectedServices: string[][] = specs.map(() => []);
      const play = async (events: readonly HubEvent[]) => {
        for (const e of events) {
          if ('fire' in e) await fire(e.fire, e.value);
          else if ('web' in e) {
            const by = e.by % specs.length;
            const name = nameOf({ trigger: e.web });
            const before = h.hub.runtime.lastSeq();
            const type = s.triggers[e.web % names.length].type;
            const res = await fetch(`${h.hub.url}/api/web/trigger-event`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${people[by].token}` },
              body: JSON.stringify({ name, ...(type !== 'OneShot' && { value: type === 'On/Off' ? 'On' : 2 }) }),
            });
            const allowed = canSee(visibleOf(by), name);
            expect(res.status, `WEB ${name} by client ${by}`).to.equal(allowed ? 200 : 403);
            if (!allowed) {
              tally.webRefused++;
              expect(h.hub.runtime.lastSeq()).to.equal(before);
            }
          } else if ('reject' in e) {
            const name = nameOf({ trigger: e.reject });
            const d = await h.hub.runtime.report({ source: 'HTTP', kind: 'event', name, value: 'not a value', id: null });
            if (d.accepted) continue; // OneShot takes any value
            specs.forEach((_, i) => canSee(visibleOf(i), name) && expectedAnswers[i].push(name));
          } else if ('power' in e) {
            const socket = SOCKETS[e.power % SOCKETS.length];
            h.hub.runtime.bus.publish('power', { type: 'power_on', socket, timestamp: new Date().toISOString(), organization: 'default' });
            specs.forEach((_, i) => canSee(visibleOf(i), socket) && expectedPower[i].push(socket));
          } else {
            const service = `service-${e.service % 3}`;
            h.hub.runtime.bus.publish('services', {
              service,
              protocol: 'TCP_SOCKET',
              status: 'connected',
              previous: 'connecting',
              timestamp: new Date().toISOString(),
            });
            specs.forEach((c, i) => c.admin && expectedServices[i].push(service));
          }
        }
      };

      await play(s.phase1);
      const latest1 = h.hub.runtime.lastSeq();
      const visible1 = specs.map((_, i) => visibleOf(i));
      /** Every area each client held at some point: the only ones it may hear of. */
      const everHeld = people.map((p) => new Set(p.areas));
      for (const change of s.changes) {
        if ('toggle' in change) {
          const k = change.toggle % areaIds.length;
          if (areaState[k].deleted) continue;
          expect(h.ws.admin.toggleArea(areaIds[k]).ok).to.equal(true);
          areaState[k].enabled = !areaState[k].enabled;
        } else if ('edit' in change) {
          const k = change.edit % areaIds.length;
          if (areaState[k].deleted) continue;
          const entities = change.entities.map(nameOf);
          expect(h.ws.admin.updateArea(areaIds[k], { entityIds: entities }).ok).to.equal(true);
          areaState[k].entities = [...new Set(entities)];
        } else if ('remove' in change) {
          const k = change.remove % areaIds.length;
          if (areaState[k].deleted) continue;
          expect(h.ws.admin.deleteArea(areaIds[k]).ok).to.equal(true);
          areaState[k].deleted = true;
          for (const p of people) p.areas = p.areas.filter((a) => a !== areaIds[k]);
        } else {
          const i = change.assign % specs.length;
          if (specs[i].admin) continue;
          const areas = [...new Set(change.areas.map((a) => a % areaIds.length))].filter((k) => !areaState[k].deleted).map((k) => areaIds[k]);
          expect(h.ws.admin.setAreas(people[i].id, areas).ok).to.equal(true);
          people[i].areas = areas;
          areas.forEach((a) => everHeld[i].add(a));
        }
      }
      const visible2 = specs.map((_, i) => visibleOf(i));
      await play(s.phase2);

      const journal = h.hub.runtime.log.after(0);
      if ('tooOld' in journal) throw new Error('journal too old');
      for (const [i, client] of clients.entries()) {
        await client.sync();
        const what = `client ${i} (${specs[i].admin ? 'admin' : `areas ${people[i].areas.join(',')}`})`;
        const filter = filters[i];
        const sees = (v: Set<string> | null, f: Filter, n: string) =>
          canSee(v, n) && (f === undefined || f.triggers.has(n) || f.categories.has(category.get(n)!));
        const resume = resumes[i];
        const want = journal.events
          .filter((e) =>
            e.seq <= latest0
              ? !resume.resync && e.seq > resume.after && resume.after >= 0 && sees(visible1[i], undefined, e.name)
              : e.seq <= latest1
                ? sees(visible1[i], filter, e.name)
                : sees(visible2[i], filter, e.name),
          )
          .map((e) => e.seq);
        const got = client.ofType('trigger').map((m: Msg) => m.seq);
        expect(got, `${what} trigger seqs`).to.deep.equal(want);
        tally.delivered += got.length;
        tally.hidden += journal.events.length - got.length;
        expect(
          client.ofType('power').map((m) => m.data.socket),
          `${what} power`,
        ).to.deep.equal(expectedPower[i]);
        expect(
          client.ofType('answer').map((m) => m.data.name),
          `${what} answers`,
        ).to.deep.equal(expectedAnswers[i]);
        expect(
          client.ofType('service_status').map((m) => m.data.service),
          `${what} service_status`,
        ).to.deep.equal(expectedServices[i]);
        tally.power += expectedPower[i].length;
        tally.answers += expectedAnswers[i].length;
        const resyncs = client.ofType('resync');
        expect(resyncs.length, `${what} resync`).to.equal(resume.resync ? 1 : 0);
        for (const r of resyncs) for (const n of Object.keys(r.data.state)) expect(canSee(visible1[i], n), `${what} resync state ${n}`).to.equal(true);
        for (const m of client.messages.filter((x) => x.type.startsWith('area_')))
          expect(specs[i].admin || everHeld[i].has(m.data.areaId), `${what} heard of ${m.data.areaId}`).to.equal(true);
      }
    } finally {
      await h.stop();
    }
  }

  it('gives every client exactly what its areas and subscriptions allow, through resume, requests, WEB inputs and admin changes', async function () {
    this.timeout(60000);
    await fc.assert(fc.asyncProperty(scenarioArb, run), { numRuns: 50 });
    // What the runs exercised, so a generator that drifts into trivial cases is noticed.
    const t = JSON.stringify(tally);
    expect(tally.clients, t).to.be.above(60);
    expect(tally.delivered, t).to.be.above(100);
    expect(tally.hidden, t).to.be.above(200);
    expect(tally.refusedSubs, t).to.be.above(30);
    expect(tally.webRefused, t).to.be.above(10);
    expect(tally.resumed + tally.resynced, t).to.be.above(30);
    expect(tally.power + tally.answers, t).to.be.above(20);
  });
});
