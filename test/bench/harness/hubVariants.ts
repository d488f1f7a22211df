import type { FsyncPolicy } from '../../../src/config/havenConfig';
import type { BenchContext } from './context';
import { journalConfig } from './hubConfig';
import { filesystemOf } from './report';

/** One of the hubs benchmarks 1 and 5 take turns with. */
export interface HubVariant {
  /** Appended to the row ids: `''` for the rows the targets apply to, `-always`, `-base`. */
  readonly suffix: string;
  /** How progress lines name it. */
  readonly label: string;
  /** Appended to the rows' `what` (empty for the target rows). */
  readonly what: string;
  /** The built checkout whose hub runs (`--baseline`); this build's when undefined. */
  readonly root?: string;
  /** The hub's config sections (its event log's fsync policy). */
  readonly config: Record<string, unknown>;
  /** What the rows' notes say about its event log. */
  readonly log: string;
  /** The suite's targets apply to its rows (the `always` rows are only reported). */
  readonly targeted: boolean;
  /** The variant its rows are divided by, run by run, and how their note says so. */
  readonly versus?: { readonly suffix: string; readonly label: string };
}

/**
 * The hubs benchmarks 1 and 5 measure, each with its data in a temporary folder, so the file
 * event log writes every accepted input before it is answered, as in production: this build at
 * fsync `everysec` (the default; the rows the targets apply to), this build at `always` (each
 * answer also waits for its fdatasync), and, with `--baseline`, the other build at `everysec`
 * (or with no log, when it is from before the log: then the A/B ratio is the log's cost).
 */
export function hubVariants(ctx: BenchContext): HubVariant[] {
  const disk = filesystemOf(ctx.tmp);
  const logged = (fsync: FsyncPolicy, root?: string) => {
    const config = journalConfig(fsync, root);
    return { config, log: 'journal' in config ? `event log fsync ${fsync}, data on ${disk}` : 'a build without the event log' };
  };
  return [
    {
      suffix: '',
      label: 'Haven',
      what: '',
      targeted: true,
      ...logged('everysec'),
      versus: ctx.baseline ? { suffix: '-base', label: 'A/B: this build ÷ the baseline' } : undefined,
    },
    {
      suffix: '-always',
      label: 'Haven fsync always',
      what: ' (event log fsync always)',
      targeted: false,
      ...logged('always'),
      versus: { suffix: '', label: 'fsync always ÷ everysec' },
    },
    ...(ctx.baseline
      ? [{ suffix: '-base', label: 'baseline', what: ' (baseline build)', targeted: true, root: ctx.baseline, ...logged('everysec', ctx.baseline) }]
      : []),
  ];
}
