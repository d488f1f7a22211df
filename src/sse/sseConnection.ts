import type { ServerResponse } from 'node:http';
import type { Observable, Subscription } from 'rxjs';
import { formatSse } from '../../streams/sse/formatSse';
import type { SseMessage } from '../../streams/sse/sseMessage';
import type { Logger } from '../log';

/** `open` writing; `ending` the last message is out and the response is ending; `closed` gone. */
export type StreamStatus = 'open' | 'ending' | 'closed';

/** Why a stream closed. */
export type CloseReason = 'client_gone' | 'completed' | 'slow_client' | 'aborted';

/** Headers of every stream: no caching, no transformation (a proxy must not compress or buffer it). */
export const SSE_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  Connection: 'keep-alive',
  'X-Accel-Buffering': 'no',
} as const;

export interface SseConnectionDeps {
  readonly res: ServerResponse;
  readonly messages$: Observable<SseMessage>;
  /** Bytes written but not yet taken by the client's socket above which the client counts as too slow. */
  readonly maxBufferedBytes: number;
  readonly log: Logger;
  /** The text written for a message (default: `formatSse`). */
  readonly text?: (m: SseMessage) => string;
  /** Called for every `event` message written. */
  readonly onEvent: () => void;
  /** Called once, when the stream is closed for good. */
  readonly onClosed: (reason: CloseReason) => void;
}

export interface SseConnection {
  /** Tears the stream down now (the client's socket is destroyed). */
  abort(): void;
  /** Resolves once the stream is closed. */
  readonly closed: Promise<CloseReason>;
  /** Bytes written that the client has not taken yet. */
  bufferedBytes(): number;
}

/**
 * One client's stream on its HTTP response: an actor that writes each message as it comes and
 * never waits for the client. What the client has not taken yet stays in the response's buffer;
 * when that passes `maxBufferedBytes` the client is too slow and its connection is closed, so one
 * slow reader never holds memory or delays anyone else.
 */
export function openSseConnection({ res, messages$, maxBufferedBytes, log, text = formatSse, onEvent, onClosed }: SseConnectionDeps): SseConnection {
  let status: StreamStatus = 'open';
  let reason: CloseReason = 'client_gone';
  let resolveClosed!: (r: CloseReason) => void;
  const closed = new Promise<CloseReason>((resolve) => (resolveClosed = resolve));
  const setStatus = (next: StreamStatus, why?: CloseReason): void => {
    if (status === next || status === 'closed') return;
    if (why) reason = why;
    status = next;
    log.debug(`stream ${next}`, { reason });
  };

  res.socket?.setNoDelay(true);
  res.socket?.setTimeout(0);
  res.writeHead(200, SSE_HEADERS);
  res.flushHeaders();

  // eslint-disable-next-line prefer-const -- destroy() can run inside subscribe(), before the assignment, where a const is still in its TDZ
  let subscription: Subscription | undefined;
  // The opening burst (connection message and the replay of a resuming client) is written in one
  // synchronous step; it may exceed the bound once and is allowed until the client has drained it.
  let burst: number | undefined;
  const destroy = (why: CloseReason): void => {
    setStatus('ending', why);
    subscription?.unsubscribe();
    res.destroy();
  };
  res.on('close', () => {
    subscription?.unsubscribe();
    setStatus('closed');
    onClosed(reason);
    resolveClosed(reason);
  });
  subscription = messages$.subscribe({
    next: (m) => {
      if (status !== 'open') return;
      res.write(text(m));
      if (m.event === 'event') onEvent();
      if (burst === undefined) return;
      if (res.writableLength <= maxBufferedBytes) burst = 0;
      else if (res.writableLength > maxBufferedBytes + burst) {
        log.warn('closing a slow client', { buffered: res.writableLength, limit: maxBufferedBytes });
        destroy('slow_client');
      }
    },
    complete: () => {
      setStatus('ending', 'completed');
      res.end();
    },
  });
  burst = res.writableLength;
  return { abort: () => destroy('aborted'), closed, bufferedBytes: () => res.writableLength };
}
