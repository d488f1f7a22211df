/** What one chunk of a text stream yields: its complete lines, the unfinished rest, and whether a line broke the bound. */
export interface SplitResult {
  /** Complete lines, in order, without `\n` and without a trailing `\r`. */
  readonly lines: string[];
  /** The unfinished tail to hand back with the next chunk. */
  readonly carry: string;
  /**
   * True when a line (complete or still growing) is longer than `maxLength`. `lines` then holds only
   * the complete lines before it: the connection is to be answered and closed, not read on.
   */
  readonly tooLong: boolean;
}

/**
 * Splits a chunk of a newline-delimited text stream into lines, bounded in length. The work per
 * byte is done by the engine (`indexOf`, `slice`), not by a loop in JavaScript, because the TCP
 * source calls this for every chunk at hundreds of thousands of lines per second.
 *
 * ```
 * splitLines('NA', 'ME 1\nB\r\nC', 64)  →  { lines: ['NAME 1', 'B'], carry: 'C', tooLong: false }
 * ```
 *
 * @param carry the previous call's `carry` ('' at first)
 * @param chunk newly received text
 * @param maxLength longest line accepted, in characters, excluding the line ending
 */
export function splitLines(carry: string, chunk: string, maxLength: number): SplitResult {
  const text = carry.length === 0 ? chunk : carry + chunk;
  const lines: string[] = [];
  let start = 0;
  let nl = text.indexOf('\n', start);
  while (nl !== -1) {
    let end = nl;
    if (end > start && text.charCodeAt(end - 1) === 13) end--; // '\r\n' endings
    if (end - start > maxLength) return { lines, carry: '', tooLong: true };
    lines.push(text.slice(start, end));
    start = nl + 1;
    nl = text.indexOf('\n', start);
  }
  const rest = start === 0 ? text : text.slice(start);
  // The unfinished line may end in a '\r' that belongs to its line ending.
  const restLength = rest.charCodeAt(rest.length - 1) === 13 ? rest.length - 1 : rest.length;
  if (restLength > maxLength) return { lines, carry: '', tooLong: true };
  return { lines, carry: rest, tooLong: false };
}
