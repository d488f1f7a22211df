import { formatSse } from '../../streams/sse/formatSse';
import type { SseMessage } from '../../streams/sse/sseMessage';

/** A stream's messages as text, each formatted once however often it is asked for. */
export interface FormattedOnce {
  /** The bytes of `m` on the wire (what a replay in parts counts against its part). */
  sizeOf(m: SseMessage): number;
  /** The text of `m` to write: the one `sizeOf` made, if it measured `m`. */
  text(m: SseMessage): string;
}

/**
 * A replay in parts measures each message by its text before the connection writes it; the
 * writer takes the text the measure made instead of formatting the message a second time. A
 * message measured but not written (the one that did not fit its part is made again for the
 * next) leaves its text to the garbage collector with it.
 */
export function formattedOnce(format: (m: SseMessage) => string = formatSse): FormattedOnce {
  const made = new WeakMap<SseMessage, string>();
  return {
    sizeOf(m) {
      const text = format(m);
      made.set(m, text);
      return Buffer.byteLength(text);
    },
    text(m) {
      const text = made.get(m);
      if (text === undefined) return format(m);
      made.delete(m);
      return text;
    },
  };
}
