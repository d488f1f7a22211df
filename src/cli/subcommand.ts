import type { Store } from '../storage/store';

/** What a CLI subcommand gets: where to print, and the store of the configured data dir. */
export interface CommandContext {
  out(text: string): void;
  err(text: string): void;
  /** Opens the store of the config's data dir; the caller closes it. */
  openStore(): Store;
}

/** A subcommand: its arguments after the name, the context; resolves with the exit code. */
export type Subcommand = (args: readonly string[], ctx: CommandContext) => number | Promise<number>;
