import type { ApiKeyInfo, ApiKeyRole } from '../keys/apiKey';
import { createApiKeys } from '../keys/apiKeys';
import type { Command } from 'commander';
import { withStore, type CommandContext } from './subcommand';
import { textTable } from './textTable';

function table(keys: ApiKeyInfo[]): string {
  return textTable(
    ['ID', 'ORGANIZATION', 'ROLE', 'NAME', 'CREATED', 'REVOKED'],
    keys.map((k) => [k.id, k.organization ?? '-', k.role, k.name ?? '-', k.createdAt, k.revokedAt ?? '-']),
  );
}

/** `haven keys create|list|revoke`: API keys for the event streams, in the config's data dir (no hub needed). */
export function addKeysCommand(program: Command, ctx: CommandContext): void {
  const keys = program
    .command('keys')
    .summary('create, list and revoke API keys (streams, devices, admins)')
    .description('API keys for the SSE event streams (`haven tail`). The key is printed once; only its hash is kept.');
  const create = keys
    .command('create')
    .description('create a key for an organization (or, with --no-org, one that cannot open event streams: 403)')
    .option('--org <id>', 'organization the key reads events of')
    .option('--no-org', 'a key without organization')
    .option('--role <role>', 'viewer (streams), device (inputs where security.device_keys asks) or admin (management)', 'viewer')
    .option('--name <text>', 'what the key is for (shown in list)')
    .option('--json', 'print the key and its record as JSON');
  // Commander folds --org and --no-org into one value; "both" and "neither" are both usage errors.
  const seen = new Set<string>();
  create.on('option:org', () => seen.add('org'));
  create.on('option:no-org', () => seen.add('no-org'));
  create.action((opts: { org?: string | false; role: string; name?: string; json?: boolean }) => {
    if (seen.size !== 1) {
      ctx.err(`keys create needs exactly one of --org <id> or --no-org\n\n${create.helpInformation()}`);
      return ctx.exit(2);
    }
    withKeys(ctx, (keys) => {
      const result = keys.create({ organization: opts.org || null, role: opts.role as ApiKeyRole, name: opts.name ?? null });
      if (!result.ok) {
        ctx.err(result.error);
        return ctx.exit(1);
      }
      const { info, key } = result;
      if (opts.json) return ctx.out(JSON.stringify({ ...info, key }, null, 2));
      const owner = info.organization ? `organization '${info.organization}'` : 'no organization (it cannot open event streams)';
      ctx.out(
        `Created API key ${info.id} for ${owner}, role ${info.role}${info.name ? `, name '${info.name}'` : ''}.\nThe key is shown only now; store it safely:\n\n${key}\n`,
      );
    });
  });
  keys
    .command('list')
    .description('every key: id, organization, role, name, created, revoked')
    .option('--json', 'as JSON')
    .action((opts: { json?: boolean }) =>
      withKeys(ctx, (keys) => {
        const all = keys.list();
        ctx.out(opts.json ? JSON.stringify(all, null, 2) : all.length > 0 ? table(all) : 'No API keys yet: haven keys create --org <id>');
      }),
    );
  keys
    .command('revoke')
    .description('revoke a key; open streams using it close at their next heartbeat')
    .argument('<id>', 'the key id (haven keys list)')
    .action((id: string) =>
      withKeys(ctx, (keys) => {
        const result = keys.revoke(id);
        if (!result.ok) {
          ctx.err(result.error);
          return ctx.exit(1);
        }
        ctx.out(`Revoked API key ${result.info.id}${result.info.name ? ` (${result.info.name})` : ''}`);
      }),
    );
}
function withKeys(ctx: CommandContext, use: (keys: ReturnType<typeof createApiKeys>) => void): void {
  withStore(ctx, (store) => use(createApiKeys({ store })));
}
