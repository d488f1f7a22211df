#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { loadHavenConfig } from '../config/loadConfig';
import type { HavenConfig } from '../config/havenConfig';
import { createSqliteStore } from '../storage/sqliteStore';
import { addConfigCommand } from './configCommand';
import { addJournalCommand } from './journalCommand';
import { addKeysCommand } from './keysCommand';
import { addListenCommand } from './listenCommand';
import { addSendCommand } from './sendCommand';
import { addStartCommand } from './startCommand';
import { addStatusCommand } from './statusCommand';
import type { CommandContext } from './subcommand';
import { addTailCommand } from './tailCommand';
import { addTokensCommand } from './tokensCommand';
import { usageMessage } from './usageErrors';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readonly env: NodeJS.ProcessEnv;
  /** Aborted to stop a command that runs until interrupted (the program aborts it on SIGINT); default never. */
  readonly signal?: AbortSignal;
  /** Wall clock in ms; default Date.now. */
  readonly now?: () => number;
}

/** The `haven` program: one commander tree, built afresh for each run (commander keeps parse state). */
function createProgram(io: CliIo, ctx: CommandContext): Command {
  const program = new Command('haven')
    .description('Haven, a trigger dispatch hub: run it, send to it, listen to it, watch it, manage its keys, tokens and event log.')
    .option('--config <file>', 'haven config file (default: HAVEN_CONFIG, else the embedded defaults)')
    .addHelpText(
      'after',
      "\nThe data dir is the config's storage.data_dir (HAVEN_DATA_DIR overrides it). Client commands find the hub at --url,\nHAVEN_URL, or the config's comm.http host and port. Exit codes: 0 ok, 1 failed, 2 usage.\nEvery command has --help (haven send --help, haven keys create --help).",
    )
    .exitOverride()
    .showHelpAfterError()
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .configureOutput({
      writeOut: (text) => io.out(text.replace(/\n$/, '')),
      writeErr: (text) => io.err(text.replace(/\n$/, '')),
      outputError: (text, write) => write(text),
    });
  addStartCommand(program, ctx);
  addSendCommand(program, ctx);
  addListenCommand(program, ctx);
  addTailCommand(program, ctx);
  addStatusCommand(program, ctx);
  addKeysCommand(program, ctx);
  addTokensCommand(program, ctx);
  addJournalCommand(program, ctx);
  addConfigCommand(program, ctx);
  // Every command's usage error in Haven's words (see usageMessage), each naming its own command.
  const reword = (command: Command): void => {
    command.configureOutput({ outputError: (text, write) => write(usageMessage(command, text)) });
    command.commands.forEach(reword);
  };
  reword(program);
  return program;
}

/** Runs one command line; resolves with the exit code (0 ok, 1 failed, 2 usage). Never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let code = 0;
  let config: HavenConfig | undefined;
  const ctx: CommandContext = {
    out: io.out,
    err: io.err,
    exit: (c) => void (code = c),
    env: io.env,
    configFile: () => (program.opts().config as string | undefined) ?? io.env.HAVEN_CONFIG,
    config: () => (config ??= loadHavenConfig({ configFile: ctx.configFile(), env: io.env })),
    dataDir() {
      const dir = ctx.config().storage.data_dir;
      if (dir === ':memory:') throw new Error('storage.data_dir is :memory:, so there is nothing to manage; set HAVEN_DATA_DIR or a config with a data dir');
      return dir;
    },
    openStore: () => createSqliteStore(ctx.dataDir()),
    now: io.now ?? Date.now,
    signal: io.signal ?? new AbortController().signal,
  };
  const program = createProgram(io, ctx);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help asked for is success; help shown because a command is missing, or any parse error, is usage.
      const asked = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || (err.code === 'commander.help' && err.exitCode === 0);
      return asked ? 0 : 2;
    }
    const name = program.args[0] ?? '';
    io.err(`haven${name ? ` ${name}` : ''}: ${(err as Error).message}`);
    return 1;
  }
}

/**
 * Runs `argv` as the process: output to stdout/stderr, the exit code as the process's. The first
 * SIGINT or SIGTERM asks a running command to stop (journal tail, listen, tail, start end cleanly);
 * a second one exits at once.
 */
export function runAsProgram(argv: readonly string[]): void {
  const interrupt = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => (interrupt.signal.aborted ? process.exit(130) : interrupt.abort(signal));
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A reader that went away (`haven journal export | head`) is the end of the output, not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? 0);
  });
  void runCli(argv, {
    out: (text) => process.stdout.write(text + '\n'),
    err: (text) => process.stderr.write(text + '\n'),
    env: process.env,
    signal: interrupt.signal,
  }).then((code) => {
    process.exitCode = code;
    // Whatever a library left open (a Redis socket, a timer) must not keep a finished command alive.
    setTimeout(() => process.exit(code), 1000).unref();
  });
}

if (require.main === module) runAsProgram(process.argv.slice(2));
