import type { Pinning } from './proc';
import type { Row } from './report';

/** What every suite gets from the orchestrator. */
export interface BenchContext {
  readonly pinning: Pinning;
  /** Runs of each pair; medians are reported. */
  readonly runs: number;
  /** Length of one measured load, in seconds. */
  readonly seconds: number;
  /** A fresh folder for configs and data, removed at the end. */
  readonly tmp: string;
  /** Where server processes write `--cpu-prof` profiles (`--profile <dir>`); none when undefined. */
  readonly profileDir?: string;
  /**
   * A built checkout (`--baseline DIR`) whose hub takes turns with this build's in suites 1 and 5,
   * in the same invocation, so a change is measured A/B on the same minutes of the machine.
   */
  readonly baseline?: string;
  /** Progress lines on stderr. */
  log(message: string): void;
}

/** One benchmark of the issue: returns its table rows. */
export interface Suite {
  /** The number (`1` … `6`). */
  readonly id: string;
  readonly title: string;
  run(ctx: BenchContext): Promise<Row[]>;
}
