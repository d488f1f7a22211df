/** Runs `fn` every `ms` until the returned cancel is called. Injected where a test drives the repeats by hand. */
export type Every = (ms: number, fn: () => void) => () => void;

/** {@link Every} on an unref'd `setInterval`: a repeat never keeps the process alive by itself. */
export const everyUnref: Every = (ms, fn) => {
  const timer = setInterval(fn, ms).unref();
  return () => clearInterval(timer);
};
