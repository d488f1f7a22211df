#!/usr/bin/env node
import { extractConfig } from '../config/configArg';
import { loadHavenConfig } from '../config/loadConfig';
import type { HavenConfig } from '../config/havenConfig';
import { createSqliteStore } from '../storage/sqliteStore';
import type { CommandContext, Subcommand } from './subcommand';
import { runJournalCommand } from './journalCommand';
import { runKeysCommand } from './keysCommand';
import { runTokensCommand } from './tokensCommand';

/** `haven <name> …`: add a subcommand here (one line) and in the usage text. */
const COMMANDS: Readonly<Record<string, { readonly summary: string; readonly run: Subcommand }>> = {
  keys: { summary: 'create, list and revoke API keys (event streams)', run: runKeysCommand },
  tokens: { summary: 'create admins, list and revoke WebSocket client tokens', run: runTokensCommand },
  journal: { summary: 'follow, show, export and sum up the event log (read-only, also while the hub runs)', run: runJournalCommand },
};

const usage = (): string =>
  `Usage: haven [--config <file>] <command> …\n\nCommands:\n${Object.entries(COMMANDS)
    .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
    .join('\n')}\n\nThe data dir is the config's storage.data_dir (HAVEN_CONFIG, HAVEN_DATA_DIR override).`;

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readonly env: NodeJS.ProcessEnv;
  /** Aborted to stop a command that runs until interrupted (the program aborts it on SIGINT); default never. */
  readonly signal?: AbortSignal;
  /** Wall clock in ms; default Date.now. */
  readonly now?: () => number;
}

/** Runs one command line; resolves with the exit code (0 ok, 1 failed, 2 usage). Never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = extractConfig(argv);
  if ('error' in parsed) {
    io.err(`${parsed.error}\n\n${usage()}`);
    return 2;
  }
  const [name, ...args] = parsed.rest;
  const command = name === undefined ? undefined : COMMANDS[name];
  if (!command) {
    if (name === undefined || name === 'help' || name === '--help') {
      io.out(usage());
      return name === undefined ? 2 : 0;
    }
    io.err(`Unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  let config: HavenConfig | undefined;
  const ctx: CommandContext = {
    out: io.out,
    err: io.err,
    dataDir() {
      config ??= loadHavenConfig({ configFile: parsed.configFile, env: io.env });
      if (config.storage.data_dir === ':memory:')
        throw new Error('storage.data_dir is :memory:, so there is nothing to manage; set HAVEN_DATA_DIR or a config with a data dir');
      return config.storage.data_dir;
    },
    openStore: () => createSqliteStore(ctx.dataDir()),
    now: io.now ?? Date.now,
    signal: io.signal ?? new AbortController().signal,
  };
  try {
    return await command.run(args, ctx);
  } catch (err) {
    io.err(`haven ${name}: ${(err as Error).message}`);
    return 1;
  }
}

if (require.main === module) {
  // The first SIGINT asks a running command to stop (journal tail ends cleanly); a second one kills as usual.
  const interrupt = new AbortController();
  process.once('SIGINT', () => interrupt.abort());
  // A reader that went away (`haven journal export | head`) is the end of the output, not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? 0);
  });
  void runCli(process.argv.slice(2), {
    out: (text) => process.stdout.write(text + '\n'),
    err: (text) => process.stderr.write(text + '\n'),
    env: process.env,
    signal: interrupt.signal,
  }).then((code) => (process.exitCode = code));
}
