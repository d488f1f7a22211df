import type { Command } from 'commander';
import type { HubStatus } from '../api/routes/status';
import { callHub, hubError, hubOptions, hubTarget } from './hubClient';
import type { CommandContext } from './subcommand';
import { textTable } from './textTable';

/** `haven status`: `GET /api/status` (admin token) as a few tables, or its JSON. */
export function addStatusCommand(program: Command, ctx: CommandContext): void {
  hubOptions(
    program
      .command('status')
      .description('the running hub at a glance: seq, triggers with value and age, services, sources, connected clients, the event log')
      .option('--json', 'the answer of GET /api/status as it is'),
    { token: true },
  ).action(async (opts: { url?: string; token?: string; json?: boolean }) => {
    const target = hubTarget(opts, ctx);
    if (!target.token) {
      ctx.err('haven status needs an admin token: pass --token <token> or set HAVEN_TOKEN (haven tokens create-admin makes one)');
      return ctx.exit(2);
    }
    const answer = await callHub(target, 'GET', '/api/status');
    if (answer.status !== 200) {
      const hint = answer.status === 401 || answer.status === 403 ? ': an admin token from haven tokens create-admin is needed' : '';
      ctx.err(`haven status: the hub at ${target.url} answered ${hubError(answer)}${hint}`);
      return ctx.exit(1);
    }
    ctx.out(opts.json ? JSON.stringify(answer.body, null, 2) : formatStatus(answer.body as unknown as HubStatus));
  });
}

/** The status as text: a header line, then one table per part. */
export function formatStatus(s: HubStatus): string {
  const { websocket, sse } = s.clients;
  const clients = [
    websocket ? `websocket ${websocket.connections} (${websocket.admins} admins, ${websocket.clients} clients)` : 'websocket off',
    sse === null ? 'sse off' : `sse ${sse}`,
  ].join(', ');
  const j = s.journal;
  return [
    `seq ${s.seq}   clients: ${clients}   journal: ${j.segments} segments, ${j.bytes} bytes, seq ${j.oldestSeq}..${j.newestSeq}${j.failing ? `, FAILING: ${j.failing}` : ''}`,
    '',
    textTable(
      ['TRIGGER', 'TYPE', 'CATEGORY', 'VALUE', 'ID', 'SEQ', 'AGE'],
      s.triggers.map((t) => [
        t.name,
        t.type,
        t.category,
        t.value === null ? '-' : String(t.value),
        t.id === null ? '-' : String(t.id),
        t.seq === null ? '-' : String(t.seq),
        age(t.age_ms),
      ]),
    ),
    '',
    s.services.length
      ? textTable(
          ['SERVICE', 'PROTOCOL', 'ADDRESS', 'STATUS', 'REGISTERED'],
          s.services.map((r) => [r.name, r.protocol, `${r.host}:${r.port}`, r.status, r.registered_at]),
        )
      : 'No services registered (haven listen --port 6000 registers one)',
    '',
    textTable(
      ['SOURCE', 'STATE', 'DETAIL'],
      s.sources.map((h) => [h.name, h.state, h.detail ?? '']),
    ),
  ].join('\n');
}

function age(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${Math.round(ms / 1000)}s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)}m`;
  return ms < 86_400_000 ? `${Math.round(ms / 3_600_000)}h` : `${Math.round(ms / 86_400_000)}d`;
}
