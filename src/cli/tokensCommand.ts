import { createUtcNow } from '../runtime/utcNow';
import { issueClient } from '../websocket/adminService';
import { createDirectory } from '../websocket/directory';
import { createTokenStore } from '../websocket/tokenStore';
import type { CommandContext } from './subcommand';
import { parseSubcommandArgs } from './subcommandArgs';

export const TOKENS_USAGE = `Usage: haven tokens <command> [options]   (WebSocket clients and admins)

Commands:
  create-admin [--name <text>] [--json]
                      create an admin and print its token once (only its hash is kept); use it as
                      Authorization: Bearer <token> on the admin REST and on /ws
  list [--json]       every WebSocket client and admin: id, role, name, areas, created
  revoke <id>         revoke every token of a client or admin (a running hub refuses them from the
                      next connection; POST /api/clients/:id/revoke also closes live connections)

Options for every command:
  --config <file>     haven config whose storage.data_dir holds the store (or HAVEN_CONFIG / HAVEN_DATA_DIR)`;

/** `haven tokens create-admin|list|revoke`: the first admin without a running hub. Returns the exit code. */
export function runTokensCommand(args: readonly string[], ctx: CommandContext): number {
  const parsed = parseSubcommandArgs(args, { name: { type: 'string' }, json: { type: 'boolean' } }, TOKENS_USAGE, ctx);
  if (typeof parsed === 'number') return parsed;
  const { command, opts, positionals } = parsed;
  if (
    !['create-admin', 'list', 'revoke'].includes(command) ||
    (command === 'revoke') !== (positionals.length === 1) ||
    (command !== 'revoke' && positionals.length > 0)
  ) {
    ctx.err(`Unknown or incomplete tokens command '${[command, ...positionals].join(' ')}'\n\n${TOKENS_USAGE}`);
    return 2;
  }
  const store = ctx.openStore();
  try {
    const utcNow = createUtcNow();
    const directory = createDirectory(store);
    const tokens = createTokenStore(store, utcNow);
    if (command === 'create-admin') {
      const { client: admin, token } = issueClient({ directory, tokens, utcNow }, opts.name?.trim() || 'admin', 'admin', []);
      const { name } = admin;
      ctx.out(
        opts.json
          ? JSON.stringify({ id: admin.id, name, role: 'admin', token })
          : `Admin ${admin.id} (${name}) created. Its token, shown only this once:\n${token}`,
      );
      return 0;
    }
    if (command === 'list') {
      const clients = directory.clients();
      if (opts.json) ctx.out(JSON.stringify(clients));
      else
        ctx.out(
          clients.length
            ? clients.map((c) => `${c.id}  ${c.role.padEnd(6)}  ${c.name}  areas=${c.areas.join(',') || '-'}  ${c.createdAt}`).join('\n')
            : 'No WebSocket clients or admins yet',
        );
      return 0;
    }
    const id = positionals[0];
    if (!directory.client(id)) {
      ctx.err(`No WebSocket client or admin '${id}'`);
      return 1;
    }
    ctx.out(`Revoked ${tokens.revokeAll(id)} token(s) of ${id}`);
    return 0;
  } finally {
    store.close();
  }
}
