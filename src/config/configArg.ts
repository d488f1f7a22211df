/** Takes `--config <file>` (or `--config=<file>`) out of the arguments, wherever it is: the hub's and the CLI's one reading of it. */
export function extractConfig(argv: readonly string[]): { configFile?: string; rest: string[] } | { error: string } {
  const rest = [...argv];
  const at = rest.findIndex((a) => a === '--config' || a.startsWith('--config='));
  if (at < 0) return { rest };
  const [flag] = rest.splice(at, 1);
  if (flag.includes('=')) return { configFile: flag.slice('--config='.length), rest };
  const [file] = rest.splice(at, 1);
  return file === undefined ? { error: '--config needs a file' } : { configFile: file, rest };
}
