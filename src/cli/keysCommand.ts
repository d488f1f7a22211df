import type { ApiKeyInfo, ApiKeyRole } from '../keys/apiKey';
import { createApiKeys } from '../keys/apiKeys';
import type { CommandContext } from './subcommand';
import { parseSubcommandArgs } from './subcommandArgs';

export const KEYS_USAGE = `Usage: haven keys <command> [options]   (npm run keys -- <command> [options])

Commands:
  create --org <id> [--role viewer|admin] [--name <text>] [--json]
                      create a key for an organization; the key is printed once, only its hash is kept
  create --no-org     create a key without organization (it cannot open event streams: 403)
  list [--json]       every key: id, organization, role, name, created, revoked
  revoke <id>         revoke a key; open streams using it close at their next heartbeat

Options for every command:
  --config <file>     haven config whose storage.data_dir holds the keys (or HAVEN_CONFIG / HAVEN_DATA_DIR)`;

function table(keys: ApiKeyInfo[]): string {
  const rows = [
    ['ID', 'ORGANIZATION', 'ROLE', 'NAME', 'CREATED', 'REVOKED'],
    ...keys.map((k) => [k.id, k.organization ?? '-', k.role, k.name ?? '-', k.createdAt, k.revokedAt ?? '-']),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/**
 * `haven keys create|list|revoke`. Returns the exit code: 0 done, 1 the operation failed (unknown
 * id, invalid organization), 2 the command line is wrong.
 */
export function runKeysCommand(args: readonly string[], ctx: CommandContext): number {
  const parsed = parseSubcommandArgs(
    args,
    { org: { type: 'string' }, 'no-org': { type: 'boolean' }, role: { type: 'string' }, name: { type: 'string' }, json: { type: 'boolean' } },
    KEYS_USAGE,
    ctx,
  );
  if (typeof parsed === 'number') return parsed;
  const { command, opts, positionals } = parsed;
  if (!['create', 'list', 'revoke'].includes(command)) {
    ctx.err(`Unknown keys command '${command}'\n\n${KEYS_USAGE}`);
    return 2;
  }
  if (command === 'create' && (opts.org === undefined) === (opts['no-org'] === undefined)) {
    ctx.err(`keys create needs exactly one of --org <id> or --no-org\n\n${KEYS_USAGE}`);
    return 2;
  }
  if (command === 'revoke' && positionals.length !== 1) {
    ctx.err(`keys revoke needs one key id\n\n${KEYS_USAGE}`);
    return 2;
  }
  const store = ctx.openStore();
  try {
    const keys = createApiKeys({ store });
    if (command === 'list') {
      const all = keys.list();
      ctx.out(opts.json ? JSON.stringify(all, null, 2) : all.length > 0 ? table(all) : 'No API keys yet: haven keys create --org <id>');
      return 0;
    }
    if (command === 'revoke') {
      const result = keys.revoke(positionals[0]);
      if (!result.ok) {
        ctx.err(result.error);
        return 1;
      }
      ctx.out(`Revoked API key ${result.info.id}${result.info.name ? ` (${result.info.name})` : ''}`);
      return 0;
    }
    const result = keys.create({ organization: opts.org ?? null, role: opts.role as ApiKeyRole | undefined, name: opts.name ?? null });
    if (!result.ok) {
      ctx.err(result.error);
      return 1;
    }
    const { info, key } = result;
    if (opts.json) {
      ctx.out(JSON.stringify({ ...info, key }, null, 2));
    } else {
      const owner = info.organization ? `organization '${info.organization}'` : 'no organization (it cannot open event streams)';
      ctx.out(
        `Created API key ${info.id} for ${owner}, role ${info.role}${info.name ? `, name '${info.name}'` : ''}.\nThe key is shown only now; store it safely:\n\n${key}\n`,
      );
    }
    return 0;
  } finally {
    store.close();
  }
}
