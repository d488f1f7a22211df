/** The middle value (mean of the two middle ones for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return NaN;
  const mid = finite.length >> 1;
  return finite.length % 2 ? finite[mid] : (finite[mid - 1] + finite[mid]) / 2;
}

/** Latency percentiles of one run, in ms. */
export interface Percentiles {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

/** Nearest-rank percentiles of `samples` (sorted in place). */
export function percentiles(samples: Float64Array | number[]): Percentiles {
  const sorted = samples instanceof Float64Array ? samples.sort() : Float64Array.from(samples).sort();
  const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : NaN);
  return { count: sorted.length, p50: at(0.5), p99: at(0.99), p999: at(0.999), max: sorted.length ? sorted[sorted.length - 1] : NaN };
}

/** Median of each percentile across runs. */
export function medianPercentiles(runs: readonly Percentiles[]): Percentiles {
  return {
    count: median(runs.map((r) => r.count)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    p999: median(runs.map((r) => r.p999)),
    max: median(runs.map((r) => r.max)),
  };
}

/** A growable sample buffer that does not allocate per sample. */
export class Samples {
  private data = new Float64Array(1024);
  private n = 0;

  push(value: number): void {
    if (this.n === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.n++] = value;
  }

  get length(): number {
    return this.n;
  }

  percentiles(): Percentiles {
    return percentiles(this.data.slice(0, this.n));
  }
}

/** Wall-clock milliseconds with sub-ms precision, comparable across processes of one machine. */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

/** The sides of an A/B run in ABBA order: run 0 as given, run 1 reversed, and so on. */
export function abOrder<T>(sides: readonly T[], run: number): readonly T[] {
  return run % 2 === 0 ? sides : [...sides].reverse();
}

/** `label` and the median of the run-by-run ratios `these[i] ÷ those[i]` (figures measured in turns). */
export function ratioNote(label: string, these: readonly number[], those: readonly number[]): string {
  return `${label} ${median(these.map((x, i) => x / those[i])).toFixed(3)}×`;
}
