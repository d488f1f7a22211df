import { expect } from 'chai';
import { map, type Observable } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import type { Decision, RawTrigger, TriggerEvent } from '../../streams/contracts';
import { DEFAULT_GATING, type GatingConfig } from '../../streams/gating/gatingConfig';
import { createGateway, type Gateway, type GatewayDeps } from '../../streams/gateway';
import { emptyHubMemory, foldHubMemory, gateSeedOf, storedGateOf, type MemoryRules } from '../../streams/log/hubMemory';
import { createTestScheduler } from '../helpers/marbles';
import { brief, event, raw, TRIGGERS } from './fixtures';

function gatewayFor(ts: TestScheduler, gating: Partial<GatingConfig> = {}, more: Partial<GatewayDeps> = {}) {
  return createGateway({ triggers: TRIGGERS, gating, scheduler: ts, utcNow: () => `t+${ts.now()}`, ...more });
}

/**
 * Runs `inputs` through a fresh gateway and compares the decisions, in brief, with `expected`, and the gateway's
 * subscription to the input with `inputs.subscription`: by default subscribed once at the start and held, since a
 * decision of any kind never ends the root pipeline.
 */
function expectDecisions(
  gating: Partial<GatingConfig>,
  inputs: { marbles: string; values: Record<string, RawTrigger>; subscription?: string },
  expected: { marbles: string; values: Record<string, string> },
  more: Partial<GatewayDeps> = {},
): void {
  const ts = createTestScheduler();
  ts.run(({ hot, expectObservable, expectSubscriptions }) => {
    const input = hot(inputs.marbles, inputs.values);
    const decisions = gatewayFor(ts, gating, more)(input);
    expectObservable(decisions.pipe(map(brief))).toBe(expected.marbles, expected.values);
    expectSubscriptions(input.subscriptions).toBe(inputs.subscription ?? '^');
  });
}

/** A whitelist predicate as src/config compiles `10.0.0.0/8`, for dotted IPv4 remotes. */
const tenSlash8 = (ip: string): boolean => ip.startsWith('10.');

const button = (fields: Partial<RawTrigger> = {}) => raw('Phone.Button', { value: 'On', ...fields });
const hook = (fields: Partial<RawTrigger> = {}) => raw('Phone.Hook', { value: 'On', ...fields });
const level = (value: number, fields: Partial<RawTrigger> = {}) => raw('Dial.Level', { value, ...fields });

describe('gateway', () => {
  it('accepts a valid input as a full TriggerEvent stamped with utcNow', () => {
    const ts = createTestScheduler();
    const a = raw('Phone.Button', { value: 'on', id: 7, source: 'TCP', receivedAt: 123 });
    const b = raw('Door.Bell', { value: 'ignored' });
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const input = hot('a-b', { a, b });
      expectObservable(gatewayFor(ts)(input)).toBe('A-B', {
        A: {
          accepted: true,
          input: a,
          event: {
            seq: 1,
            kind: 'event',
            name: 'Phone.Button',
            value: 'On',
            id: 7,
            type: 'On/Off',
            category: 'buttons',
            organization: 'default',
            source: 'TCP',
            timestamp: 't+0',
            receivedAt: 123,
          },
        },
        B: {
          accepted: true,
          input: b,
          event: {
            seq: 2,
            kind: 'event',
            name: 'Door.Bell',
            value: null,
            id: null,
            type: 'OneShot',
            category: 'bells',
            organization: 'acme',
            source: 'HTTP',
            timestamp: 't+2',
            receivedAt: 0,
          },
        },
      });
      expectSubscriptions(input.subscriptions).toBe('^--');
    });
  });

  it('gives triggers without an organization the configured default', () => {
    const ts = createTestScheduler();
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const input = hot('a', { a: button() });
      const decisions = gatewayFor(ts, {}, { defaultOrganization: 'venue' })(input);
      expectObservable(decisions.pipe(map((d) => (d as Extract<Decision, { accepted: true }>).event.organization))).toBe('o', { o: 'venue' });
      expectSubscriptions(input.subscriptions).toBe('^');
    });
  });

  it("rejects an unknown trigger with the seed's 404 text", () => {
    const ts = createTestScheduler();
    const x = raw('UnknownTrigger', { value: 'On' });
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const input = hot('x', { x });
      expectObservable(gatewayFor(ts)(input)).toBe('X', {
        X: { accepted: false, input: x, reason: 'unknown_trigger', message: "Trigger 'UnknownTrigger' not found in configuration" },
      });
      expectSubscriptions(input.subscriptions).toBe('^');
    });
  });

  it('numbers accepted inputs with one strictly increasing seq, without gaps, from the persisted one', () => {
    const ts = createTestScheduler();
    const gateway = gatewayFor(ts, { whitelist: { TCP: tenSlash8 } }, { initial: { seq: 41 } });
    const values = {
      a: button({ id: 1 }),
      u: raw('Nope'),
      b: hook({ id: 1 }),
      v: raw('Dial.Number', { value: 9 }),
      s: raw('Dial.Number', { value: 2, kind: 'status' }),
      d: hook({ id: 1 }),
      w: button({ id: 2, source: 'TCP', remote: '192.168.0.1' }),
      c: raw('Door.Bell'),
    };
    ts.run(({ hot, expectObservable }) => {
      expect(gateway.currentSeq()).to.equal(41);
      expectObservable(gateway(hot('aubvsdwc', values)).pipe(map(brief))).toBe('aubvsdwc', {
        a: '#42 Phone.Button=On',
        u: 'unknown_trigger',
        b: '#43 Phone.Hook=On',
        v: 'invalid_value',
        s: '#44 Dial.Number=2',
        d: 'duplicate',
        w: 'not_whitelisted',
        c: '#45 Door.Bell=null',
      });
    });
    expect(gateway.currentSeq()).to.equal(45);
  });

  describe('a rejected input changes nothing', () => {
    it('records no id, no time and no cooldown for it', () => {
      expectDecisions(
        { cooldownMs: 10, minIntervalMs: 10 },
        {
          // w: WEB event; t: TCP id 5 in WEB's cooldown; u: the same id once the cooldown is over.
          // b: too soon after u; c: exactly 10 after u (b did not restart the interval).
          // r: a WEB retry of w (duplicate) must not start a cooldown for the TCP event h.
          marbles: 'w----t----u--b------c r h',
          values: {
            w: hook({ source: 'WEB', id: 1 }),
            t: button({ source: 'TCP', id: 5 }),
            u: button({ source: 'TCP', id: 5 }),
            b: button({ source: 'TCP', id: 6 }),
            c: button({ source: 'TCP', id: 7 }),
            r: hook({ source: 'WEB', id: 1 }),
            h: raw('Dial.Number', { value: 1, source: 'TCP' }),
          },
        },
        {
          marbles: 'w----t----u--b------c r h',
          values: {
            w: '#1 Phone.Hook=On',
            t: 'cooldown',
            u: '#2 Phone.Button=On',
            b: 'min_interval',
            c: '#3 Phone.Button=On',
            r: 'duplicate',
            h: '#4 Dial.Number=1',
          },
        },
      );
    });

    it('consumes no seq and records no id when building its event fails', () => {
      const ts = createTestScheduler();
      let calls = 0;
      const utcNow = () => {
        if (++calls === 2) throw new Error('clock unavailable');
        return 'now';
      };
      const values = { a: button({ id: 1 }), b: button({ id: 2 }), c: button({ id: 2 }) };
      ts.run(({ hot, expectObservable, expectSubscriptions }) => {
        const input = hot('abc', values);
        const decisions = gatewayFor(ts, {}, { utcNow })(input);
        expectObservable(decisions.pipe(map(brief))).toBe('abc', { a: '#1 Phone.Button=On', b: 'invalid_value', c: '#2 Phone.Button=On' });
        expectSubscriptions(input.subscriptions).toBe('^--');
      });
    });
  });

  describe('priority cooldown', () => {
    it('rejects a lower-priority source one frame before the window ends and accepts it at the end', () => {
      expectDecisions(
        { cooldownMs: 10 },
        { marbles: 'w 8ms ab', values: { w: hook({ source: 'WEB' }), a: button({ source: 'TCP' }), b: button({ source: 'TCP' }) } },
        { marbles: 'w 8ms ab', values: { w: '#1 Phone.Hook=On', a: 'cooldown', b: '#2 Phone.Button=On' } },
      );
    });

    it('blocks every lower priority but never the same or a higher one', () => {
      expectDecisions(
        { cooldownMs: 10 },
        {
          marbles: 'm-hwt',
          values: { m: hook({ source: 'MODBUS' }), h: button({ source: 'HTTP' }), w: button({ source: 'WEB' }), t: button({ source: 'TCP' }) },
        },
        { marbles: 'm-hwt', values: { m: '#1 Phone.Hook=On', h: 'cooldown', w: '#2 Phone.Button=On', t: 'cooldown' } },
      );
    });

    it('exempts statuses, and a status starts no cooldown', () => {
      expectDecisions(
        { cooldownMs: 10 },
        {
          marbles: 'wsSt',
          values: {
            w: hook({ source: 'WEB' }),
            s: button({ source: 'TCP', kind: 'status' }),
            S: raw('Dial.Number', { value: 3, source: 'WEB', kind: 'status' }),
            t: raw('Door.Bell', { source: 'TCP' }),
          },
        },
        { marbles: 'wsSt', values: { w: '#1 Phone.Hook=On', s: '#2 Phone.Button=On', S: '#3 Dial.Number=3', t: 'cooldown' } },
      );
      expectDecisions(
        { cooldownMs: 10 },
        { marbles: 'St', values: { S: hook({ source: 'WEB', kind: 'status' }), t: button({ source: 'TCP' }) } },
        { marbles: 'St', values: { S: '#1 Phone.Hook=On', t: '#2 Phone.Button=On' } },
      );
    });
  });

  describe('minimum interval', () => {
    it('per trigger: the same trigger one frame before the boundary is rejected, at the boundary accepted; others pass', () => {
      expectDecisions(
        { minIntervalMs: 10, minIntervalScope: 'trigger' },
        { marbles: 'ah 7ms bc', values: { a: button(), h: hook(), b: button(), c: button() } },
        { marbles: 'ah 7ms bc', values: { a: '#1 Phone.Button=On', h: '#2 Phone.Hook=On', b: 'min_interval', c: '#3 Phone.Button=On' } },
      );
    });

    it('global: any trigger one frame before the boundary is rejected, at the boundary accepted', () => {
      expectDecisions(
        { minIntervalMs: 10, minIntervalScope: 'global' },
        { marbles: 'a 8ms hk', values: { a: button(), h: hook(), k: hook() } },
        { marbles: 'a 8ms hk', values: { a: '#1 Phone.Button=On', h: 'min_interval', k: '#2 Phone.Hook=On' } },
      );
    });

    it('exempts statuses, and a status does not start the interval', () => {
      expectDecisions(
        { minIntervalMs: 10, minIntervalScope: 'global' },
        { marbles: 'sat', values: { s: hook({ kind: 'status' }), a: button(), t: hook({ kind: 'status' }) } },
        { marbles: 'sat', values: { s: '#1 Phone.Hook=On', a: '#2 Phone.Button=On', t: '#3 Phone.Hook=On' } },
      );
    });
  });

  describe('statuses and ids', () => {
    it('rejects a repeated id as duplicate and a lower one as stale, from the persisted ids on', () => {
      const ts = createTestScheduler();
      const gateway = gatewayFor(ts, {}, { initial: { lastIds: new Map([['Phone.Button', 10]]) } });
      const values = { a: button({ id: 10 }), b: button({ id: 9 }), c: button({ id: 11 }), d: button({ id: 11 }), e: button(), f: button({ id: 12 }) };
      ts.run(({ hot, expectObservable, expectSubscriptions }) => {
        const input = hot('abcdef', values);
        expectObservable(gateway(input).pipe(map(brief))).toBe('abcdef', {
          a: 'duplicate',
          b: 'stale',
          c: '#1 Phone.Button=On',
          d: 'duplicate',
          e: '#2 Phone.Button=On',
          f: '#3 Phone.Button=On',
        });
        expectSubscriptions(input.subscriptions).toBe('^-----');
      });
    });

    it('holds statuses to the same ids as events, though they skip interval and cooldown', () => {
      const ts = createTestScheduler();
      const values = {
        w: button({ source: 'WEB', id: 5 }),
        s: button({ source: 'TCP', kind: 'status', value: 'Off', id: 4 }),
        d: button({ source: 'TCP', kind: 'status', value: 'Off', id: 5 }),
        n: button({ source: 'TCP', kind: 'status', value: 'Off', id: 6 }),
        e: button({ source: 'WEB', id: 6 }),
      };
      ts.run(({ hot, expectObservable, expectSubscriptions }) => {
        const input = hot('wsdne', values);
        const decisions = gatewayFor(ts, { cooldownMs: 10, minIntervalMs: 10 })(input);
        expectObservable(decisions).toBe('wsdne', {
          w: { accepted: true, input: values.w, event: { ...acceptedEvent(values.w, 1, 'On', 5), timestamp: 't+0' } },
          s: { accepted: false, input: values.s, reason: 'stale', message: "Trigger 'Phone.Button' id 4 is older than the cached id 5; ids must increase" },
          d: {
            accepted: false,
            input: values.d,
            reason: 'duplicate',
            message: "Trigger 'Phone.Button' id 5 was already accepted; a retry is not dispatched twice",
          },
          n: { accepted: true, input: values.n, event: { ...acceptedEvent(values.n, 2, 'Off', 6), kind: 'status', timestamp: 't+3' } },
          e: {
            accepted: false,
            input: values.e,
            reason: 'duplicate',
            message: "Trigger 'Phone.Button' id 6 was already accepted; a retry is not dispatched twice",
          },
        });
        expectSubscriptions(input.subscriptions).toBe('^----');
      });
    });
  });

  describe('Continuous triggers', () => {
    const withValue = (d: Decision) => (d.accepted ? brief(d) : `${d.reason} ${String(d.input.value)}`);

    it('throttles: the first at once, replaced ones superseded at once, the latest at the window end', () => {
      const ts = createTestScheduler();
      const values = { a: level(10), b: level(20), c: level(30), p: button(), d: level(40), e: level(50) };
      ts.run(({ hot, expectObservable, expectSubscriptions }) => {
        // Window 10: a opens [0,10); c supersedes b at 4; p is another trigger; c is released at 10 and opens [10,20);
        // e supersedes d at 16 and is released at 20.
        const input = '   a-b-c-p 7ms d-e-----|';
        const result = '  a---B-p---c 5ms E---e-|';
        const subs = '    ^------ 7ms --------!';
        const source = hot(input, values);
        const decisions = gatewayFor(ts, { minIntervalMs: 10 })(source);
        expectObservable(decisions.pipe(map(withValue))).toBe(result, {
          a: '#1 Dial.Level=10',
          B: 'superseded 20',
          p: '#2 Phone.Button=On',
          c: '#3 Dial.Level=30',
          E: 'superseded 40',
          e: '#4 Dial.Level=50',
        });
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it('under the global scope, counts a released value for the interval of every trigger', () => {
      expectDecisions(
        { minIntervalMs: 10, minIntervalScope: 'global' },
        // a opens the global window [0,10) and counts at 0; c waits and is released at 10, counting at 10.
        { marbles: 'a----bc 8ms d---ef', values: { a: level(1), b: button(), c: level(2), d: button(), e: button(), f: button() } },
        {
          marbles: 'a----b----c 4ms d---ef',
          values: { a: '#1 Dial.Level=1', b: 'min_interval', c: '#2 Dial.Level=2', d: 'min_interval', e: 'min_interval', f: '#3 Phone.Button=On' },
        },
      );
    });

    it('lets statuses of Continuous triggers through unthrottled', () => {
      expectDecisions(
        { minIntervalMs: 10 },
        { marbles: 'ab', values: { a: level(1), b: level(2, { kind: 'status' }) } },
        { marbles: 'ab', values: { a: '#1 Dial.Level=1', b: '#2 Dial.Level=2' } },
      );
    });

    it('decides a value still waiting when the input completes, then completes', () => {
      expectDecisions(
        { minIntervalMs: 4 },
        { marbles: 'ab|', values: { a: level(1), b: level(2) }, subscription: '^-!' },
        { marbles: 'a---(b|)', values: { a: '#1 Dial.Level=1', b: '#2 Dial.Level=2' } },
      );
    });

    it('cancels a waiting release when unsubscribed', () => {
      const ts = createTestScheduler();
      const gateway = gatewayFor(ts, { minIntervalMs: 4 });
      ts.run(({ hot, expectObservable, expectSubscriptions }) => {
        const input = hot('ab------', { a: level(1), b: level(2) });
        expectObservable(gateway(input).pipe(map(brief)), '--!').toBe('a-', { a: '#1 Dial.Level=1' });
        expectSubscriptions(input.subscriptions).toBe('^-!');
      });
      expect(gateway.currentSeq()).to.equal(1);
    });
  });

  it('turns an exception for one input into a rejection and goes on', () => {
    const ts = createTestScheduler();
    // The engine's own wording for reading a field of null, whatever the engine says.
    const thrownBy = (read: () => unknown) => {
      try {
        read();
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error('did not throw');
    };
    const broken = {
      ...button(),
      get value(): unknown {
        throw new Error('bad getter');
      },
    } as RawTrigger;
    const values = { x: broken, n: null as unknown as RawTrigger, a: button() };
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const input = hot('xna', values);
      const decisions: Observable<Decision> = gatewayFor(ts)(input);
      expectObservable(decisions.pipe(map((d) => (d.accepted ? brief(d) : `${d.reason}: ${d.message}`)))).toBe('xna', {
        x: 'invalid_value: Input could not be processed: bad getter',
        n: `invalid_value: Input could not be processed: ${thrownBy(() => (null as unknown as RawTrigger).name)}`,
        a: '#1 Phone.Button=On',
      });
      // The exceptions end neither the decisions nor the gateway's subscription to its input.
      expectSubscriptions(input.subscriptions).toBe('^--');
    });
  });

  it('checks the whitelist per source, asking the source’s predicate', () => {
    expectDecisions(
      { whitelist: { TCP: tenSlash8 } },
      {
        marbles: 'abc',
        values: {
          a: button({ source: 'TCP', remote: '10.0.0.1' }),
          b: button({ source: 'TCP', remote: '11.0.0.1' }),
          c: button({ source: 'HTTP', remote: '11.0.0.1' }),
        },
      },
      { marbles: 'abc', values: { a: '#1 Phone.Button=On', b: 'not_whitelisted', c: '#2 Phone.Button=On' } },
    );
  });

  describe('what the event log remembers', () => {
    const T0 = Date.UTC(2026, 0, 11, 18, 0, 0);
    const rules: MemoryRules = { minIntervalMs: 10, minIntervalScope: 'trigger', cooldownMs: 10, priorityOf: (s) => DEFAULT_GATING.priorities[s] ?? 0 };
    /** The memory a log holds after `events`, and the seed a restart at wall T0 gives a gate whose clock reads 0. */
    const restartedAfter = (...events: TriggerEvent[]) =>
      gateSeedOf(
        events.reduce((m, e) => foldHubMemory(m, e, rules), emptyHubMemory()),
        0,
        T0,
      );

    /**
     * `gateway` forgets `event` at `frame`, after the input of that frame, set back to what the
     * log holds after `stored` (rescheduled at delay 0 to run behind the hot input's messages).
     */
    const forgetAt = (ts: TestScheduler, gateway: Gateway, frame: number, event: TriggerEvent, ...stored: TriggerEvent[]) => {
      const memory = stored.reduce((m, e) => foldHubMemory(m, e, rules), emptyHubMemory());
      ts.schedule(() => ts.schedule(() => gateway.forget(event, storedGateOf(memory, event, rules, frame, T0 + frame)), 0), frame);
    };
    const stamped = (ms: number) => new Date(T0 + ms).toISOString();

    it("forget sets the trigger's id back to the one the log stored (or none), so the retry of an input not stored is accepted", () => {
      const ts = createTestScheduler();
      const gateway = gatewayFor(ts);
      const values = { a: button({ id: 5 }), h: hook({ id: 5 }), b: button({ id: 5 }), k: hook({ id: 5 }), c: button({ id: 4 }), d: button({ id: 3 }) };
      const lost = (seq: number) => event('Phone.Button', { seq, id: 5 });
      ts.run(({ hot, expectObservable }) => {
        // a (#1) was not stored, and nothing before it: b is its retry. b (#3) was not stored either, with id 3 stored before it.
        forgetAt(ts, gateway, 2, lost(1));
        forgetAt(ts, gateway, 5, lost(3), event('Phone.Button', { seq: 0, id: 3 }));
        expectObservable(gateway(hot('ah-bk-cd', values)).pipe(map(brief))).toBe('ah-bk-cd', {
          a: '#1 Phone.Button=On',
          h: '#2 Phone.Hook=On',
          b: '#3 Phone.Button=On',
          k: 'duplicate',
          c: '#4 Phone.Button=On',
          d: 'stale',
        });
      });
    });

    /** `gateway` gives back `seqs`, in this order, at `frame`, after the input of that frame. */
    const releaseAt = (ts: TestScheduler, gateway: Gateway, frame: number, ...seqs: number[]) =>
      ts.schedule(() => ts.schedule(() => seqs.forEach((seq) => gateway.release(seq)), 0), frame);

    it('release gives the seqs of a batch the log could not write to the next inputs, so the log has no gap', () => {
      const ts = createTestScheduler();
      const gateway = gatewayFor(ts);
      const values = { a: button({ id: 1 }), b: hook({ id: 1 }), c: button({ id: 2 }), d: hook({ id: 2 }), e: button({ id: 3 }) };
      ts.run(({ hot, expectObservable }) => {
        // b and c (#2, #3) were one batch that failed: given back in decision order, d and e take their seqs.
        releaseAt(ts, gateway, 2, 2, 3);
        expectObservable(gateway(hot('abc-de', values)).pipe(map(brief))).toBe('abc-de', {
          a: '#1 Phone.Button=On',
          b: '#2 Phone.Hook=On',
          c: '#3 Phone.Button=On',
          d: '#2 Phone.Hook=On',
          e: '#3 Phone.Button=On',
        });
      });
      expect(gateway.currentSeq()).to.equal(3);
    });

    it('release leaves a seq used while a higher one is: the counter never goes back over a seq the log may hold', () => {
      const ts = createTestScheduler();
      const gateway = gatewayFor(ts);
      const values = { a: button({ id: 1 }), b: hook({ id: 1 }), c: button({ id: 2 }), d: hook({ id: 2 }), e: button({ id: 3 }) };
      ts.run(({ hot, expectObservable }) => {
        // #1 is given back while #2 is used: it stays used. #4 is given back at the top: e takes it again.
        releaseAt(ts, gateway, 1, 1);
        releaseAt(ts, gateway, 3, 4);
        expectObservable(gateway(hot('abcd-e', values)).pipe(map(brief))).toBe('abcd-e', {
          a: '#1 Phone.Button=On',
          b: '#2 Phone.Hook=On',
          c: '#3 Phone.Button=On',
          d: '#4 Phone.Hook=On',
          e: '#4 Phone.Button=On',
        });
      });
    });

    it('release across batches: seqs given back one batch at a time, with a newer one assigned between, all come back', () => {
      const ts = createTestScheduler();
      const gateway = gatewayFor(ts);
      const values = { a: button({ id: 1 }), b: hook({ id: 1 }), c: button({ id: 2 }), d: hook({ id: 2 }) };
      ts.run(({ hot, expectObservable }) => {
        // #1 fails while #2 is pending; #3 is assigned; then #2 and #3 fail too: nothing is stored, so d takes #1.
        releaseAt(ts, gateway, 1, 1);
        releaseAt(ts, gateway, 2, 2, 3);
        expectObservable(gateway(hot('abcd', values)).pipe(map(brief))).toBe('abcd', {
          a: '#1 Phone.Button=On',
          b: '#2 Phone.Hook=On',
          c: '#3 Phone.Button=On',
          d: '#1 Phone.Hook=On',
        });
      });
    });

    it('forget takes back the minimum interval an input not stored began, back to the stored one', () => {
      const ts = createTestScheduler();
      const gateway = gatewayFor(ts, { minIntervalMs: 10 });
      const values = { a: button({ id: 1 }), r: button({ id: 1 }), s: button({ id: 2 }), t: button({ id: 2 }) };
      ts.run(({ hot, expectObservable }) => {
        // a is lost: its retry r at once is accepted; r (stored at 0, say, as a's) is then lost too, with a stored at 0: s waits for 10.
        forgetAt(ts, gateway, 0, event('Phone.Button', { seq: 1, id: 1, timestamp: stamped(0) }));
        forgetAt(
          ts,
          gateway,
          1,
          event('Phone.Button', { seq: 2, id: 1, timestamp: stamped(1) }),
          event('Phone.Button', { seq: 0, id: 1, timestamp: stamped(0) }),
        );
        expectObservable(gateway(hot('ar 7ms st', values)).pipe(map(brief))).toBe('ar 7ms st', {
          a: '#1 Phone.Button=On',
          r: '#2 Phone.Button=On',
          s: 'min_interval',
          t: '#3 Phone.Button=On',
        });
      });
    });

    it('forget lifts the cooldown an input not stored began, but not one the log holds', () => {
      const ts = createTestScheduler();
      const gateway = gatewayFor(ts, { cooldownMs: 10 });
      const values = {
        w: hook({ source: 'WEB' }),
        t: button({ source: 'TCP' }),
        x: hook({ source: 'WEB' }),
        u: button({ source: 'TCP' }),
        v: button({ source: 'TCP' }),
      };
      ts.run(({ hot, expectObservable }) => {
        // w (at 0) is lost: t is not held. x (at 2) is lost too, but a WEB event stored at 1 still holds u until 11.
        forgetAt(ts, gateway, 0, event('Phone.Hook', { seq: 1, source: 'WEB', timestamp: stamped(0) }));
        forgetAt(
          ts,
          gateway,
          2,
          event('Phone.Hook', { seq: 3, source: 'WEB', timestamp: stamped(2) }),
          event('Phone.Hook', { seq: 0, source: 'WEB', timestamp: stamped(1) }),
        );
        expectObservable(gateway(hot('wtx 7ms uv', values)).pipe(map(brief))).toBe('wtx 7ms uv', {
          w: '#1 Phone.Hook=On',
          t: '#2 Phone.Button=On',
          x: '#3 Phone.Hook=On',
          u: 'cooldown',
          v: '#4 Phone.Button=On',
        });
      });
    });

    it('forget of a status sets back only its id (statuses record no times)', () => {
      const ts = createTestScheduler();
      const gateway = gatewayFor(ts, { cooldownMs: 10, minIntervalMs: 10 });
      const values = {
        w: hook({ source: 'WEB' }),
        s: hook({ source: 'WEB', kind: 'status', id: 4 }),
        r: hook({ source: 'WEB', kind: 'status', id: 4 }),
        t: button({ source: 'TCP' }),
      };
      ts.run(({ hot, expectObservable }) => {
        // The WEB event w is stored; the status s is lost: its retry passes, and w's cooldown still holds t.
        forgetAt(
          ts,
          gateway,
          1,
          event('Phone.Hook', { seq: 2, kind: 'status', id: 4, source: 'WEB', timestamp: stamped(1) }),
          event('Phone.Hook', { seq: 1, source: 'WEB', timestamp: stamped(0) }),
        );
        expectObservable(gateway(hot('ws-rt', values)).pipe(map(brief))).toBe('ws-rt', {
          w: '#1 Phone.Hook=On',
          s: '#2 Phone.Hook=On',
          r: '#3 Phone.Hook=On',
          t: 'cooldown',
        });
      });
    });

    it('keeps a cooldown begun before a restart: rejected one frame before its end, accepted at it', () => {
      // A WEB event 4 ms before the restart: lower priorities wait until 6 ms after it.
      const initial = restartedAfter(event('Phone.Hook', { seq: 7, source: 'WEB', timestamp: new Date(T0 - 4).toISOString() }));
      expectDecisions(
        { cooldownMs: 10 },
        { marbles: 't 4ms ab', values: { t: button({ source: 'TCP' }), a: button({ source: 'TCP' }), b: button({ source: 'TCP' }) } },
        { marbles: 't 4ms ab', values: { t: 'cooldown', a: 'cooldown', b: '#8 Phone.Button=On' } },
        { initial },
      );
    });

    it('keeps a minimum interval begun before a restart, and the ids and seq', () => {
      const initial = restartedAfter(event('Phone.Button', { seq: 7, id: 2, timestamp: new Date(T0 - 4).toISOString() }));
      expectDecisions(
        { minIntervalMs: 10 },
        {
          marbles: 'hd 3ms ab',
          values: { h: hook(), d: button({ id: 2 }), a: button({ id: 3 }), b: button({ id: 3 }) },
        },
        { marbles: 'hd 3ms ab', values: { h: '#8 Phone.Hook=On', d: 'duplicate', a: 'min_interval', b: '#9 Phone.Button=On' } },
        { initial },
      );
    });
  });
});

function acceptedEvent(input: RawTrigger, seq: number, value: string, id: number) {
  return {
    seq,
    kind: input.kind,
    name: input.name,
    value,
    id,
    type: 'On/Off',
    category: 'buttons',
    organization: 'default',
    source: input.source,
    receivedAt: input.receivedAt,
  };
}
