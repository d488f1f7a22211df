import { InvalidArgumentError, type Command } from 'commander';
import type { TriggerEvent } from '../../streams/contracts';
import { hubError, hubOptions, hubTarget, jsonBody, unreachable, type HubTarget } from './hubClient';
import { formatEventLine } from './journalFormat';
import type { CommandContext } from './subcommand';

interface TailOpts {
  name?: string[];
  category?: string[];
  kind?: 'event' | 'status';
  json?: boolean;
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
 * names and kinds here. Runs until Ctrl-C (exit 0), or until the hub goes away (exit 1).
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

async function tail(opts: TailOpts, target: HubTarget, ctx: CommandContext): Promise<number> {
  const query = opts.category?.length ? `?eventCategories=${encodeURIComponent(opts.category.join(','))}` : '';
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  if (ctx.signal.aborted) return 0;
  const wanted = namePattern(opts.name ?? []);
  try {
    let res: Response;
    try {
      res = await fetch(`${target.url}/api/events/stream${query}`, {
        headers: { 'x-api-key': target.key!, accept: 'text/event-stream' },
        signal: abort.signal,
      });
    } catch (err) {
      if (abort.signal.aborted) return 0;
      throw unreachable(target.url, err);
    }
    if (res.status !== 200 || !res.body) {
      const text = await res.text().catch(() => '');
      ctx.err(`haven tail: the hub at ${target.url} answered ${hubError({ status: res.status, body: jsonBody(text) })}`);
      return 1;
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
          if (event === 'connection') ctx.err(`connected to ${target.url}${describe(opts)}; Ctrl-C stops`);
          if (event !== 'event' || data === undefined) continue;
          const envelope = JSON.parse(data) as Envelope;
          const raw = envelope.rawEvent;
          if (!raw || typeof raw.name !== 'string' || !wanted(raw.name) || (opts.kind && envelope.kind !== opts.kind)) continue;
          ctx.out(opts.json ? data : formatEventLine(raw));
        }
      }
    } catch (err) {
      if (abort.signal.aborted) return 0;
      ctx.err(`haven tail: the stream from ${target.url} broke (${(err as Error).message})`);
      return 1;
    }
    if (abort.signal.aborted) return 0;
    ctx.err(`haven tail: the hub at ${target.url} closed the stream (stopped or restarted?)`);
    return 1;
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
  }
}

function describe(opts: TailOpts): string {
  const filters = [
    opts.name?.length ? `name ${opts.name.join(',')}` : '',
    opts.category?.length ? `category ${opts.category.join(',')}` : '',
    opts.kind ? `kind ${opts.kind}` : '',
  ].filter(Boolean);
  return filters.length ? ` (${filters.join('; ')})` : '';
}
