/**
 * One JSON log line (src/log.ts) as the text the older assertions read:
 * `<time> <LEVEL> [<component>] <msg> {other fields}`. Tests that look for a message in what a
 * hub logged match this rendering; tests of the format itself parse the JSON.
 */
export function renderLogLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line);
  } catch {
    return line;
  }
  const { level, time, pid: _pid, hostname: _hostname, component, msg, ...fields } = record;
  const extra = Object.keys(fields).length ? ` ${JSON.stringify(fields)}` : '';
  return `${String(time)} ${String(level).toUpperCase().padEnd(5)} [${String(component)}] ${String(msg)}${extra}`;
}

/** A `write` for createLogger that keeps every line rendered ({@link renderLogLine}) in `lines`. */
export function renderInto(lines: string[]): (line: string) => void {
  return (line) => lines.push(renderLogLine(line));
}
