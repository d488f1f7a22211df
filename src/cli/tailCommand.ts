import { InvalidArgumentError, type Command } from 'commander';
import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { createBackoff } from '../../streams/backoff';
import type { TriggerEvent } from '../../streams/contracts';
import { hubError, hubOptions, hubTarget, jsonBody, unreachable, type HubTarget } from './hubClient';
import { formatEventLine } from './journalFormat';
import type { CommandContext } from './subcommand';

interface TailOpts {
  name?: string[];
  category?: string[];
  kind?: 'event' | 'status';
  json?: boolean;
  /** `--no-reconnect` makes it false. */
  reconnect?: boolean;
  url?: string;
  key?: string;
}

/** One envelope of the stream, as far as the tail reads it. */
interface Envelope {
  readonly kind?: TriggerEvent['kind'];
  readonly rawEvent?: TriggerEvent;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, ...value.split(',').filter(Boolean)];
const kind = (text: string): string => {
  if (text !== 'event' && text !== 'status') throw new InvalidArgumentError('needs event or status');
  return text;
};

/** A name pattern, `*` for any run of characters: `Stage.*`, `*.Button_1`, `Dial.Number`. */
export function namePattern(patterns: readonly string[]): (name: string) => boolean {
  const res = patterns.map(
    (p) =>
      new RegExp(
        `^${p
          .split('*')
          .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*')}$`,
      ),
  );
  return (name) => res.length === 0 || res.some((re) => re.test(name));
}

/**
 * `haven tail`: the hub's live events as it accepts them, one line each, over its SSE stream
 * (`GET /api/events/stream`, an API key with an organization). Categories are filtered by the hub,
 * names and kinds here. Runs until Ctrl-C (exit 0); a lost stream is resumed, not ended (see `tail`).
 */
export function addTailCommand(program: Command, ctx: CommandContext): void {
  hubOptions(
    program
      .command('tail')
      .description('print live events as the hub accepts them, with filters, until Ctrl-C')
      .option('--name <pattern>', 'only these trigger names; * matches anything (repeat, or comma-separate)', collect)
      .option('--category <category>', 'only these trigger categories (repeat, or comma-separate)', collect)
      .option('--kind <kind>', 'only events (dispatched) or status updates (cache only)', kind)
      .option('--json', "print each event's SSE envelope as JSON")
      .option('--no-reconnect', 'exit 1 when the stream ends instead of reconnecting and resuming where it stopped')
      .addHelpText('after', '\nLines: seq  timestamp  source  kind  name  value  id=<id> (as haven journal shows them).'),
    { key: true },
  ).action(async (opts: TailOpts) => {
    const target = hubTarget(opts, ctx);
    if (!target.key) {
      ctx.err('haven tail needs an API key with an organization: pass --key <key> or set HAVEN_KEY (haven keys create --org <id> makes one)');
      return ctx.exit(2);
    }
    ctx.exit(await tail(opts, target, ctx));
  });
}

/** How one connection to the stream ended. */
type StreamEnd =
  | { readonly kind: 'stopped' }
  | { readonly kind: 'refused'; readonly message: string }
  | { readonly kind: 'unreachable'; readonly error: unknown }
  | { readonly kind: 'lost'; readonly message: string };

/** First wait before a reconnection (unless the hub's `retry:` says otherwise), and the longest. */
const RETRY_MS = { first: 500, max: 5000 };
/** The waits double from the first (the hub's `retry:` once it sent one), without jitter: one tail is no herd. */
const backoffFrom = (firstMs: number) => createBackoff({ baseMs: firstMs, capMs: RETRY_MS.max, jitter: 0 });

/**
 * Follows the stream until Ctrl-C. A stream that breaks or closes (the hub restarted, the network
 * dropped) is opened again with `Last-Event-ID`, so the events accepted meanwhile are printed too,
 * in order, once each. Only a refusal (a wrong key), a hub never reached, or `--no-reconnect` ends it.
 */
async function tail(opts: TailOpts, target: HubTarget, ctx: CommandContext): Promise<number> {
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  if (ctx.signal.aborted) return 0;
  const state: FollowState = { lastId: undefined, retryMs: RETRY_MS.first, connections: 0 };
  const scheduler = ctx.scheduler ?? asyncScheduler;
  try {
    for (let attempt = 1; ; attempt++) {
      const before = state.connections;
      const end = await follow(opts, target, ctx, abort.signal, state);
      if (end.kind === 'stopped' || abort.signal.aborted) return 0;
      if (end.kind === 'refused') {
        ctx.err(end.message);
        return 1;
      }
      if (state.connections === 0 && end.kind === 'unreachable') throw unreachable(target.url, end.error);
      const why = end.kind === 'unreachable' ? `the hub at ${target.url} cannot be reached` : end.message;
      if (opts.reconnect === false) {
        ctx.err(`haven tail: ${why}`);
        return 1;
      }
      // A connection that got through starts the backoff again, at the hub's own `retry:`.
      if (state.connections > before) attempt = 1;
      const wait = backoffFrom(state.retryMs)(attempt)!;
      const resume = state.lastId === undefined ? '' : `, resuming after seq ${state.lastId}`;
      ctx.err(`haven tail: ${why}; reconnecting in ${(wait / 1000).toFixed(1)} s${resume} (Ctrl-C stops)`);
      if (!(await pause(wait, abort.signal, scheduler))) return 0;
    }
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
  }
}

interface FollowState {
  /** The `id:` of the last event printed or filtered out: where a reconnection resumes. */
  lastId: string | undefined;
  retryMs: number;
  connections: number;
}

/** One connection to the stream, printing what it brings until it ends. */
async function follow(opts: TailOpts, target: HubTarget, ctx: CommandContext, signal: AbortSignal, state: FollowState): Promise<StreamEnd> {
  const query = opts.category?.length ? `?eventCategories=${encodeURIComponent(opts.category.join(','))}` : '';
  const wanted = namePattern(opts.name ?? []);
  let res: Response;
  try {
    res = await fetch(`${target.url}/api/events/stream${query}`, {
      headers: { 'x-api-key': target.key!, accept: 'text/event-stream', ...(state.lastId === undefined ? {} : { 'last-event-id': state.lastId }) },
      signal,
    });
  } catch (error) {
    return signal.aborted ? { kind: 'stopped' } : { kind: 'unreachable', error };
  }
  if (res.status !== 200 || !res.body) {
    const text = await res.text().catch(() => '');
    const message = `the hub at ${target.url} answered ${hubError({ status: res.status, body: jsonBody(text) })}`;
    // A hub that is starting or overloaded answers 5xx: worth another try; a 4xx will not change.
    return res.status >= 500 ? { kind: 'lost', message } : { kind: 'refused', message: `haven tail: ${message}` };
  }
  let buffer = '';
  const decoder = new TextDecoder();
  try {
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(message)?.[1];
        const data = /^data: (.*)$/m.exec(message)?.[1];
        const id = /^id: (.*)$/m.exec(message)?.[1];
        const retry = Number(/^retry: (\d+)$/m.exec(message)?.[1]);
        if (retry > 0) state.retryMs = Math.min(retry, RETRY_MS.max);
        if (event === 'connection') {
          const resumed = state.connections > 0 ? 're' : '';
          ctx.err(
            `${resumed}connected to ${target.url}${describe(opts)}${state.lastId !== undefined && resumed ? ` after seq ${state.lastId}` : ''}; Ctrl-C stops`,
          );
          state.connections++;
        }
        if (event !== 'event' || data === undefined) continue;
        if (id !== undefined) state.lastId = id;
        const envelope = JSON.parse(data) as Envelope;
        const raw = envelope.rawEvent;
        if (!raw || typeof raw.name !== 'string' || !wanted(raw.name) || (opts.kind && envelope.kind !== opts.kind)) continue;
        ctx.out(opts.json ? data : formatEventLine(raw));
      }
    }
  } catch (err) {
    if (signal.aborted) return { kind: 'stopped' };
    return { kind: 'lost', message: `the stream from ${target.url} broke (${(err as Error).message})` };
  }
  if (signal.aborted) return { kind: 'stopped' };
  return { kind: 'lost', message: `the hub at ${target.url} closed the stream (stopped or restarted?)` };
}

/** Waits `ms` on `scheduler`; false when Ctrl-C came first. */
function pause(ms: number, signal: AbortSignal, scheduler: SchedulerLike): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const stop = () => {
      timer.unsubscribe();
      resolve(false);
    };
    const timer = scheduler.schedule(() => {
      signal.removeEventListener('abort', stop);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', stop, { once: true });
  });
}

function describe(opts: TailOpts): string {
  const filters = [
    opts.name?.length ? `name ${opts.name.join(',')}` : '',
    opts.category?.length ? `category ${opts.category.join(',')}` : '',
    opts.kind ? `kind ${opts.kind}` : '',
  ].filter(Boolean);
  return filters.length ? ` (${filters.join('; ')})` : '';
}
