import { readFileSync } from 'node:fs';

/** Per-core jiffies from /proc/stat: busy and total, by core index. */
type CoreTimes = Array<{ busy: number; total: number }>;

function readCores(): CoreTimes | null {
  try {
    const out: CoreTimes = [];
    for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
      const m = /^cpu(\d+)\s+(.*)$/.exec(line);
      if (!m) continue;
      // user nice system idle iowait irq softirq steal …
      const f = m[2].trim().split(/\s+/).map(Number);
      const idle = f[3] + (f[4] ?? 0);
      const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
      out[Number(m[1])] = { busy: total - idle, total };
    }
    return out;
  } catch {
    return null;
  }
}

/**
 * Measures how busy each core was between `start()` and the returned function's call, as a
 * fraction (0–1): the bench reports it so a reader sees which side (server or load) was saturated.
 */
export function coreUsage(): () => number[] {
  const before = readCores();
  return () => {
    const after = readCores();
    if (!before || !after) return [];
    return after.map((a, i) => {
      const b = before[i];
      const total = a.total - b.total;
      return total > 0 ? Math.round(((a.busy - b.busy) / total) * 100) / 100 : 0;
    });
  };
}
