import { createUtcNow } from '../runtime/utcNow';
import { issueClient } from '../websocket/adminService';
import { createAdminStores } from '../websocket/adminStores';
import { createDirectory } from '../websocket/directory';
import { createTokenStore } from '../websocket/tokenStore';
import type { Command } from 'commander';
import { withStore, type CommandContext } from './subcommand';

/** `haven tokens create-admin|list|revoke`: the first admin without a running hub, in the config's data dir. */
export function addTokensCommand(program: Command, ctx: CommandContext): void {
  const tokens = program
    .command('tokens')
    .summary('create admins, list and revoke WebSocket client tokens')
    .description('WebSocket clients and admins. An admin token goes in Authorization: Bearer <token> (admin REST, /ws, `haven status`).');
  tokens
    .command('create-admin')
    .description('create an admin and print its token once (only its hash is kept)')
    .option('--name <text>', "the admin's name", 'admin')
    .option('--json', 'as JSON: {id, name, role, token}')
    .action((opts: { name: string; json?: boolean }) =>
      withStore(ctx, (store) => {
        const { client: admin, token } = issueClient(createAdminStores(store, createUtcNow()), opts.name.trim() || 'admin', 'admin', []);
        const { name } = admin;
        ctx.out(
          opts.json
            ? JSON.stringify({ id: admin.id, name, role: 'admin', token })
            : `Admin ${admin.id} (${name}) created. Its token, shown only this once:\n${token}`,
        );
      }),
    );
  tokens
    .command('list')
    .description('every WebSocket client and admin: id, role, name, areas, created')
    .option('--json', 'as JSON')
    .action((opts: { json?: boolean }) =>
      withStore(ctx, (store) => {
        const clients = createDirectory(store).clients();
        if (opts.json) return ctx.out(JSON.stringify(clients));
        ctx.out(
          clients.length
            ? clients.map((c) => `${c.id}  ${c.role.padEnd(6)}  ${c.name}  areas=${c.areas.join(',') || '-'}  ${c.createdAt}`).join('\n')
            : 'No WebSocket clients or admins yet: haven tokens create-admin',
        );
      }),
    );
  tokens
    .command('revoke')
    .description(
      'revoke every token of a client or admin (a running hub refuses them from the next connection; POST /api/clients/:id/revoke also closes live ones)',
    )
    .argument('<id>', 'the client or admin id (haven tokens list)')
    .action((id: string) =>
      withStore(ctx, (store) => {
        if (!createDirectory(store).client(id)) {
          ctx.err(`No WebSocket client or admin '${id}': haven tokens list shows them`);
          return ctx.exit(1);
        }
        ctx.out(`Revoked ${createTokenStore(store, createUtcNow()).revokeAll(id)} token(s) of ${id}`);
      }),
    );
}
