import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CommandContext } from './subcommand';

/** A subcommand's command line once read: its command word, options and positionals. */
export interface SubcommandArgs<O> {
  readonly command: string;
  readonly opts: O;
  readonly positionals: string[];
}

/**
 * Reads `haven <subcommand> <command> [options]` the same way for every subcommand: a bad option
 * prints the message and `usage` (exit 2), no command prints `usage` (exit 2), `help` prints it
 * (exit 0). Returns the exit code in those cases, the parsed line otherwise.
 */
export function parseSubcommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  args: readonly string[],
  options: T,
  usage: string,
  ctx: CommandContext,
) {
  const [command, ...rest] = args;
  let parsed;
  try {
    parsed = parseArgs({ args: rest, allowPositionals: true, strict: true, options });
  } catch (err) {
    ctx.err(`${(err as Error).message}\n\n${usage}`);
    return 2;
  }
  if (command === undefined || command === 'help' || command === '--help') {
    ctx.out(usage);
    return command === undefined ? 2 : 0;
  }
  return { command, opts: parsed.values, positionals: parsed.positionals };
}
