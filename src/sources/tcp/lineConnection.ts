import type { Socket } from 'node:net';
import { firstValueFrom, from, race, timer, type SchedulerLike, type Subscription } from 'rxjs';
import type { Decision } from '../../../streams/contracts';
import { formatDecision, formatError } from '../../../streams/sources/formatReply';
import { parseLine } from '../../../streams/sources/parseLine';
import { splitLines } from '../../../streams/sources/splitLines';
import type { TriggerReport } from '../../hub';
import { sanitizeForLog, type Logger } from '../../log';
import { retryAfterSeconds } from '../../api/errors';
import type { DeviceKeyAuth } from '../../security/deviceKeyAuth';
import { awaitUnreadReplies } from '../unreadReplies';

/** What one connection needs: the gateway's door, its bounds, a clock for the idle bound and the shutdown grace. */
export interface LineConnectionDeps {
  readonly report: (input: TriggerReport) => Promise<Decision>;
  readonly source: string;
  readonly maxLineLength: number;
  /** 0: never. */
  readonly idleTimeoutMs: number;
  /** How long owed replies may stay unwritable (the peer does not read them) before the connection is cut; 0: never. */
  readonly replyTimeoutMs: number;
  readonly maxInFlight: number;
  readonly scheduler: SchedulerLike;
  readonly log: Logger;
  /** Device keys (`AUTH <key>` lines). Absent: an `AUTH` line is answered `ERR unauthorized`, and nothing is required. */
  readonly auth?: DeviceKeyAuth;
  /** Told of each line refused before the gateway (`bad_line`, `line_too_long`, `unauthorized`), for the metrics. */
  readonly refused?: (reason: string) => void;
}

/** `AUTH <key>`: never reported, never logged. */
const AUTH_LINE = /^\s*auth(?:\s+(\S+))?\s*$/i;
/** Only a line starting with `a`/`A` or blank space can be an `AUTH` line: the regex stays off the trigger lines. */
const mayBeAuth = (line: string): boolean => {
  const c = line.charCodeAt(0);
  return c === 0x41 || c === 0x61 || c <= 0x20;
};

/** One device connection, answered line by line. */
export interface LineConnection {
  /** Resolves when the socket has closed, for whatever reason. */
  readonly closed: Promise<void>;
  /** Stops reading, writes the replies still owed (for at most `graceMs`), then closes. */
  shutdown(graceMs: number): Promise<void>;
}

/**
 * Serves one TCP connection of the text protocol. Each chunk's lines are reported at once, so
 * decisions are made concurrently, and their replies are written in line order, one write per
 * chunk: the chunk's batch waits for the previous batch and for its own decisions. Reading
 * pauses while the peer does not read its replies or too many lines await their decision.
 *
 * The socket must come from a server created with `allowHalfOpen`, so a device that sends its
 * lines and then its FIN (`printf … | nc`) still gets every reply.
 */
export function serveLineConnection(socket: Socket, deps: LineConnectionDeps): LineConnection {
  const { report, source, maxLineLength, maxInFlight, log } = deps;
  const countRefused = deps.refused ?? (() => undefined);
  const remote = socket.remoteAddress;
  let carry = '';
  let tail: Promise<void> = Promise.resolve();
  let inFlight = 0;
  let writeBlocked = false;
  let paused = false;
  let ending = false;
  let lines = 0;
  let badLines = 0;
  let authenticated = false;
  const auth = deps.auth;

  /** The reply to an `AUTH` line; `close` when the address is refused for too many failures. */
  const authenticate = (key: string | undefined): { reply: string; close: boolean } => {
    const wait = auth?.failures?.blockedForMs(remote ?? 'unknown') ?? null;
    if (wait !== null)
      return { reply: formatError('too_many_failures', `Too many failed authentications; retry in ${retryAfterSeconds(wait)} s`), close: true };
    if (key !== undefined && auth?.verify(key)) {
      authenticated = true;
      return { reply: 'OK auth\n', close: false };
    }
    auth?.failures?.fail(remote ?? 'unknown');
    return { reply: formatError('unauthorized', key === undefined ? 'Usage: AUTH <device key>' : 'Invalid device key'), close: false };
  };

  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.setEncoding('utf8');
  socket.setNoDelay(true);
  // The idle bound is a timer setting, so it runs on the scheduler (socket.setTimeout would not).
  // Activity only moves a timestamp; the one timer re-arms for what is left, never one per chunk.
  const { scheduler, idleTimeoutMs, replyTimeoutMs } = deps;
  let lastActive = scheduler.now();
  const touch = (): void => void (lastActive = scheduler.now());
  let idle: Subscription | undefined;
  const watchIdle = (delay: number): void => {
    idle = scheduler.schedule(() => {
      const quiet = scheduler.now() - lastActive;
      if (quiet < idleTimeoutMs) return watchIdle(idleTimeoutMs - quiet);
      // A second timeout while already closing means the peer does not even read its replies: let go.
      if (ending) return void socket.destroy();
      finish(`idle for ${idleTimeoutMs} ms`);
      touch();
      watchIdle(idleTimeoutMs);
    }, delay);
  };
  if (idleTimeoutMs > 0) watchIdle(idleTimeoutMs);
  socket.on('error', (err) => log.debug('connection error', { remote, error: err.message }));
  socket.on('end', () => finish('peer closed its side'));
  socket.on('close', () => {
    idle?.unsubscribe();
    log.debug('connection closed', { remote, lines, badLines });
  });

  const flow = (): void => {
    const stop = ending || writeBlocked || inFlight >= maxInFlight;
    if (stop && !paused) socket.pause();
    else if (!stop && paused) socket.resume();
    paused = stop;
  };

  const write = (items: ReadonlyArray<Decision | string>): void => {
    inFlight -= items.length;
    if (socket.destroyed || !socket.writable) return;
    touch();
    let out = '';
    for (const item of items) out += typeof item === 'string' ? item : formatDecision(item);
    if (!socket.write(out) && !writeBlocked) {
      writeBlocked = true;
      // Reading is paused meanwhile (flow), so what waits for this peer stays bounded; a peer that never reads is let go.
      awaitUnreadReplies(socket, remote, { replyTimeoutMs, scheduler, log }, () => {
        writeBlocked = false;
        flow();
      });
    }
    flow();
  };

  const enqueue = (items: Array<Promise<Decision> | string>): void => {
    if (items.length === 0) return;
    inFlight += items.length;
    const batch = Promise.all(items);
    tail = tail
      .then(() => batch)
      .then(write)
      .catch((err: unknown) => {
        // `report` never rejects; reaching here is a bug, and the device must not wait forever.
        log.error('reply pipeline failed; closing the connection', { remote, error: String(err) });
        socket.destroy();
      });
    flow();
  };

  /** Stops reading; once every owed reply is written, closes the connection. */
  function finish(why: string): void {
    if (ending) return;
    ending = true;
    log.debug('closing connection', { remote, why });
    flow();
    void tail.then(() => {
      if (!socket.destroyed) socket.end(() => socket.destroy());
    });
  }

  socket.on('data', (chunk: string) => {
    touch();
    if (ending) return;
    const split = splitLines(carry, chunk, maxLineLength);
    carry = split.carry;
    const items: Array<Promise<Decision> | string> = [];
    let refused = false;
    for (const line of split.lines) {
      const authLine = mayBeAuth(line) ? AUTH_LINE.exec(line) : null;
      if (authLine) {
        const { reply, close } = authenticate(authLine[1]);
        items.push(reply);
        if (close) {
          refused = true;
          break;
        }
        continue;
      }
      if (auth?.required && !authenticated) {
        countRefused('unauthorized');
        items.push(formatError('unauthorized', 'Send AUTH <device key> first'));
        continue;
      }
      const parsed = parseLine(line);
      if (parsed.ok) {
        items.push(report({ source, kind: parsed.kind, name: parsed.name, value: parsed.value, id: parsed.id, remote }));
      } else {
        // The first bad line tells what the device sends; a flood of them is only counted.
        if (badLines++ === 0) log.info('bad line', { remote, line: sanitizeForLog(line, 120), error: parsed.message });
        countRefused(parsed.reason);
        items.push(formatError(parsed.reason, parsed.message));
      }
    }
    lines += split.lines.length;
    if (split.tooLong) {
      log.info('line too long; closing the connection', { remote, maxLineLength });
      countRefused('line_too_long');
      items.push(formatError('line_too_long', `Line longer than ${maxLineLength} characters; closing the connection`));
    }
    enqueue(items);
    if (split.tooLong) finish('line too long');
    if (refused) finish('too many failed authentications');
  });

  return {
    closed,
    async shutdown(graceMs) {
      finish('hub stopping');
      // `finish` closes the socket once the owed replies are written; a peer that does not read them gets `graceMs`.
      await firstValueFrom(race(from(closed), timer(graceMs, deps.scheduler)));
      socket.destroy();
      await closed;
    },
  };
}
