import type { Store } from '../storage/store';

/** What a CLI subcommand gets: where to print, the configured data dir, the clock and the interrupt. */
export interface CommandContext {
  out(text: string): void;
  err(text: string): void;
  /** Opens the store of the config's data dir; the caller closes it. */
  openStore(): Store;
  /** The config's data dir (`storage.data_dir`, absolute); throws when it is `:memory:`. */
  dataDir(): string;
  /** Wall clock, ms since the epoch (relative times such as `10m`, ages). */
  now(): number;
  /** Aborted on SIGINT: a command that runs until stopped (`journal tail`) ends on it, with exit code 0. */
  readonly signal: AbortSignal;
}

/** A subcommand: its arguments after the name, the context; resolves with the exit code. */
export type Subcommand = (args: readonly string[], ctx: CommandContext) => number | Promise<number>;
