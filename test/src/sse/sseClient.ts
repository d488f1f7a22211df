import { request as httpRequest, type IncomingHttpHeaders, type ClientRequest } from 'node:http';
import { createParser } from 'eventsource-parser';

/** One message as a client parses it from `text/event-stream`. */
export interface Received {
  readonly event: string;
  readonly id?: string;
  readonly retry?: number;
  readonly data: any;
}

/** A minimal SSE reader over node:http, for tests: every message kept, waits with a failure timeout. */
export interface TestStream {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly received: Received[];
  /** Resolves with the first message (already received or coming) matching, from index `from`. */
  waitFor(match: (m: Received) => boolean, opts?: { from?: number; ms?: number }): Promise<Received>;
  /** Events (`event: event`) received so far. */
  events(): Received[];
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  /** Drops the connection from the client side. */
  close(): void;
}

/**
 * A reader of one `text/event-stream`, parsed by eventsource-parser (the parser of the
 * `eventsource` package, written to the WHATWG rules, not to our formatter): feed it the chunks as
 * they come, it returns the messages they completed. A `retry:` is kept on the message whose block
 * carried it.
 */
export function sseReader(): (chunk: string) => Received[] {
  let done: Received[] = [];
  let retry: number | undefined;
  const parser = createParser({
    onRetry: (ms) => (retry = ms),
    onEvent: ({ event = 'message', id, data }) => {
      done.push({ event, ...(id !== undefined && { id }), ...(retry !== undefined && { retry }), data: JSON.parse(data) });
      retry = undefined;
    },
  });
  return (chunk) => {
    parser.feed(chunk);
    const messages = done;
    done = [];
    return messages;
  };
}

export interface OpenOptions {
  readonly apiKey?: string;
  readonly headers?: Record<string, string>;
}

/** An HTTP answer that is not a stream: status, headers, JSON body. */
export interface JsonAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: any;
}

/**
 * GETs `url`. A 200 `text/event-stream` answer resolves as a TestStream; anything else resolves as
 * a JsonAnswer once its body is in.
 */
export function open(url: string, { apiKey, headers = {} }: OpenOptions = {}): Promise<TestStream | JsonAnswer> {
  return new Promise((resolve, reject) => {
    const req: ClientRequest = httpRequest(url, { headers: { ...(apiKey && { 'x-api-key': apiKey }), ...headers } }, (res) => {
      res.setEncoding('utf8');
      if (!String(res.headers['content-type']).startsWith('text/event-stream')) {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text ? JSON.parse(text) : undefined }));
        return;
      }
      const received: Received[] = [];
      const waiters = new Set<() => void>();
      const read = sseReader();
      const ended = new Promise<void>((done) => res.on('close', () => done()));
      res.on('data', (chunk: string) => {
        const messages = read(chunk);
        received.push(...messages);
        if (messages.length > 0) for (const w of [...waiters]) w();
      });
      res.on('error', () => undefined);
      resolve({
        status: res.statusCode!,
        headers: res.headers,
        received,
        ended,
        events: () => received.filter((m) => m.event === 'event'),
        close: () => req.destroy(),
        waitFor(match, { from = 0, ms = 5000 } = {}) {
          return new Promise<Received>((found, fail) => {
            const check = (): boolean => {
              const hit = received.slice(from).find(match);
              if (hit) {
                waiters.delete(check as () => void);
                clearTimeout(timer);
                found(hit);
              }
              return !!hit;
            };
            const timer = setTimeout(() => {
              waiters.delete(check as () => void);
              fail(
                new Error(
                  `no matching message within ${ms} ms; received: ${JSON.stringify(received.map((m) => [m.event, m.id, m.data?.code ?? m.data?.triggerName]))}`,
                ),
              );
            }, ms);
            if (!check()) {
              waiters.add(check as () => void);
              void ended.then(() => {
                if (waiters.has(check as () => void)) {
                  waiters.delete(check as () => void);
                  clearTimeout(timer);
                  fail(new Error('stream ended before a matching message'));
                }
              });
            }
          });
        },
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** `open` for a caller that expects a stream; fails with the answer otherwise. */
export async function openStream(url: string, options?: OpenOptions): Promise<TestStream> {
  const answer = await open(url, options);
  if (!('received' in answer)) throw new Error(`expected a stream, got ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer;
}

/** `open` for a caller that expects a refusal. */
export async function openRefused(url: string, options?: OpenOptions): Promise<JsonAnswer> {
  const answer = await open(url, options);
  if ('received' in answer) {
    answer.close();
    throw new Error(`expected a refusal, got a stream (${answer.status})`);
  }
  return answer;
}
