import type { SchedulerLike } from 'rxjs';
import type { HavenConfig } from '../config/havenConfig';
import type { Store } from '../storage/store';

/** What a CLI command gets: where to print, the config it was given, the clock and the interrupt. */
export interface CommandContext {
  out(text: string): void;
  err(text: string): void;
  /** The command's exit code (0 ok, 1 failed, 2 usage); an action that never calls it exits 0. */
  exit(code: number): void;
  readonly env: NodeJS.ProcessEnv;
  /** `--config <file>`, else HAVEN_CONFIG; undefined means the embedded defaults. */
  configFile(): string | undefined;
  /** The haven config (file, then env overrides), read once on first use; throws a ConfigError. */
  config(): HavenConfig;
  /** Opens the store of the config's data dir; the caller closes it. */
  openStore(): Store;
  /** The config's data dir (`storage.data_dir`, absolute); throws when it is `:memory:`. */
  dataDir(): string;
  /** Wall clock, ms since the epoch (relative times such as `10m`, ages). */
  now(): number;
  /** Aborted on SIGINT/SIGTERM: a command that runs until stopped (`journal tail`, `listen`, `tail`, `start`) ends on it. */
  readonly signal: AbortSignal;
  /** The timers of commands that wait (tail's reconnections); `asyncScheduler` when absent. */
  readonly scheduler?: SchedulerLike;
}

/** Runs `use` on the store of the config's data dir, and closes it whatever happens. */
export function withStore<T>(ctx: CommandContext, use: (store: Store) => T): T {
  const store = ctx.openStore();
  try {
    return use(store);
  } finally {
    store.close();
  }
}
