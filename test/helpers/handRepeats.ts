/** One repeat asked of {@link handRepeats}' `every`: its period, its job, and how often it was cancelled. */
export interface HandRepeat {
  readonly ms: number;
  readonly fn: () => void;
  cancels: number;
}

/** An `every` seam (src/eventLog/repeating.ts) whose repeats run only when a test calls their `fn`. */
export function handRepeats(): { readonly every: (ms: number, fn: () => void) => () => void; readonly repeats: HandRepeat[] } {
  const repeats: HandRepeat[] = [];
  const every = (ms: number, fn: () => void) => {
    const repeat: HandRepeat = { ms, fn, cancels: 0 };
    repeats.push(repeat);
    return () => void repeat.cancels++;
  };
  return { every, repeats };
}
