/**
 * When the fan-out writes what its connections gathered: at the end of the current turn of the
 * event loop, unless the previous flush was less than `minIntervalMs` ago; then as soon as that
 * interval has passed. A quiet hub still sends each message in the turn it happened; a busy one
 * writes to each client at most once per interval, so a stream of events costs one syscall per
 * client per interval instead of one per client per event (under HTTP load each turn carries
 * about one request).
 */
export function createFlushPacer(minIntervalMs: number, now: () => number = () => performance.now()): (flush: () => void) => void {
  let last = -Infinity;
  const run = (flush: () => void) => () => {
    last = now();
    flush();
  };
  return (flush) => {
    const wait = last + minIntervalMs - now();
    if (wait <= 0) setImmediate(run(flush));
    else setTimeout(run(flush), wait);
  };
}
