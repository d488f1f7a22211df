import type { CacheState, TriggerDef } from '../../streams/contracts';
import { CLOSE } from '../../streams/websocket/closeCodes';
import type { ClientFilter } from '../../streams/websocket/clientFilter';
import type { ClientConnection } from './clientConnection';
import { canSee } from '../../streams/websocket/clientFilter';
import type { DashboardFeed } from './dashboardFeed';
import type { ClientRecord } from './directory';
import type { FanOut } from './fanOut';
import type { AuthFailureLimiter } from '../security/authFailureLimiter';
import { retryAfterSeconds } from '../api/errors';
import { encodeMessage, parseClientMessage, textFrame, visibleState, type ClientMessage, type RequestId } from './protocol';

export interface SessionDeps {
  /** The client a token belongs to, or undefined. */
  readonly authenticate: (token: string) => ClientRecord | undefined;
  readonly fanOut: FanOut;
  readonly triggers: ReadonlyMap<string, TriggerDef>;
  readonly cache: () => CacheState;
  readonly lastSeq: () => number;
  /** Answers `subscribe_dashboard`; absent, the request gets an error. */
  readonly dashboard?: Pick<DashboardFeed, 'subscribe'>;
  /** The hub's count of failed authentications per address; absent, nothing is counted. */
  readonly authFailures?: Pick<AuthFailureLimiter, 'blockedForMs' | 'fail'>;
}

type Result = { ok: true; result: unknown } | { ok: false; code: string; message: string };

/**
 * What a connection's text messages mean: before authentication only `auth` (anything else, or a
 * bad token, closes with 4401 / 4400); after it, requests with ids answered by `result` messages
 * (subscribe, unsubscribe, ping, get_state, subscribe_dashboard). A bad message gets an error and the connection
 * stays: one typo in a panel must not cut it off.
 */
export function createSessionHandler(deps: SessionDeps): (conn: ClientConnection, text: string) => void {
  const categories = new Set([...deps.triggers.values()].map((t) => t.category));
  /** Categories of the triggers in one visibility; visibilities are shared, immutable Sets, so one answer each. */
  const visibleCategories = new WeakMap<ReadonlySet<string>, ReadonlySet<string>>();
  const categoriesOf = (visible: ReadonlySet<string>): ReadonlySet<string> => {
    let known = visibleCategories.get(visible);
    if (!known) {
      known = new Set([...visible].flatMap((name) => deps.triggers.get(name)?.category ?? []));
      visibleCategories.set(visible, known);
    }
    return known;
  };

  const reply = (conn: ClientConnection, id: RequestId | undefined, r: Result) => {
    const body = r.ok
      ? { type: 'result', ...(id !== undefined ? { id } : {}), success: true, result: r.result }
      : { type: 'result', ...(id !== undefined ? { id } : {}), success: false, error: { code: r.code, message: r.message } };
    deps.fanOut.sendTo(conn, textFrame(JSON.stringify(body)));
  };

  const describe = (s: ClientFilter | undefined) =>
    s ? { all: false, triggers: [...s.triggers], categories: [...s.categories] } : { all: true, triggers: [], categories: [] };

  const subscribe = (conn: ClientConnection, m: Extract<ClientMessage, { type: 'subscribe' | 'unsubscribe' }>): Result => {
    const view = deps.fanOut.view(conn);
    for (const name of m.triggers) {
      // Outside the client's areas, an unknown name and a known one get the same answer (refused,
      // or removed from the filter): the answer must not tell a panel which triggers exist in
      // areas it was not given.
      if (!canSee(view.visible, name)) {
        if (m.type === 'subscribe') return { ok: false, code: 'not_in_areas', message: `Trigger '${name}' is not in any of your enabled areas` };
        continue;
      }
      if (!deps.triggers.has(name)) return { ok: false, code: 'unknown_trigger', message: `Trigger '${name}' not found in configuration` };
    }
    // Likewise a category counts only when a trigger the client may see has it.
    const known = view.visible === null ? categories : categoriesOf(view.visible);
    for (const c of m.categories)
      if (!known.has(c))
        return { ok: false, code: 'unknown_category', message: `Category '${c}' has no triggers${view.visible === null ? '' : ' in your enabled areas'}` };
    // A new filter each time: events already published were judged by the old one.
    const nextTriggers = new Set(view.filter?.triggers);
    const nextCategories = new Set(view.filter?.categories);
    if (m.type === 'subscribe') {
      m.triggers.forEach((t) => nextTriggers.add(t));
      m.categories.forEach((c) => nextCategories.add(c));
    } else if (m.all) {
      nextTriggers.clear();
      nextCategories.clear();
    } else {
      m.triggers.forEach((t) => nextTriggers.delete(t));
      m.categories.forEach((c) => nextCategories.delete(c));
    }
    const filter = m.type === 'subscribe' && m.all ? undefined : { triggers: nextTriggers, categories: nextCategories };
    deps.fanOut.setFilter(conn, filter);
    return { ok: true, result: describe(filter) };
  };

  return (conn, text) => {
    const parsed = parseClientMessage(text);
    if (conn.status === 'authenticating') {
      if (!parsed.ok || parsed.message.type !== 'auth') {
        const close =
          parsed.ok || parsed.error.code === 'unknown_type'
            ? { code: CLOSE.unauthorized.code, reason: 'expected an auth message first' }
            : { code: CLOSE.badRequest.code, reason: parsed.error.message.slice(0, 120) };
        return conn.send({ type: 'close', close });
      }
      const wait = deps.authFailures?.blockedForMs(conn.ip) ?? null;
      if (wait !== null)
        return conn.send({
          type: 'close',
          close: { code: CLOSE.tooManyFailures.code, reason: `${CLOSE.tooManyFailures.reason}; retry in ${retryAfterSeconds(wait)} s` },
        });
      const client = deps.authenticate(parsed.message.token);
      if (!client) {
        deps.authFailures?.fail(conn.ip);
        return conn.send({ type: 'close', close: { code: CLOSE.unauthorized.code, reason: 'invalid token' } });
      }
      return deps.fanOut.admit(conn, client, parsed.message.lastSeq);
    }
    if (!parsed.ok) {
      const { id, code, message } = parsed.error;
      if (id !== undefined) return reply(conn, id, { ok: false, code, message });
      return deps.fanOut.sendTo(conn, textFrame(encodeMessage('error', { code, message })));
    }
    const m = parsed.message;
    switch (m.type) {
      case 'auth':
        return reply(conn, m.id, { ok: false, code: 'already_authenticated', message: 'This connection is already authenticated' });
      case 'subscribe':
      case 'unsubscribe':
        return reply(conn, m.id, subscribe(conn, m));
      case 'ping':
        return reply(conn, m.id, { ok: true, result: { pong: true, seq: deps.lastSeq() } });
      case 'subscribe_dashboard':
        return reply(
          conn,
          m.id,
          deps.dashboard
            ? { ok: true, result: deps.dashboard.subscribe(conn) }
            : { ok: false, code: 'unavailable', message: 'This hub serves no dashboard feed' },
        );
      case 'get_state':
        return reply(conn, m.id, {
          ok: true,
          result: { seq: deps.lastSeq(), state: visibleState(deps.cache(), (name) => deps.fanOut.wants(conn, name, deps.triggers.get(name)?.category)) },
        });
    }
  };
}
