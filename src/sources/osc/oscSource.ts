import { createSocket, type Socket as DatagramSocket } from 'node:dgram';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { firstValueFrom, from, race, timer, type SchedulerLike } from 'rxjs';
import type { ListenerConfig, OscSourceConfig } from '../../config/havenConfig';
import type { Component, Report } from '../../hub';
import type { Logger } from '../../log';
import { createSourceStatus } from '../sourceStatus';
import { createOscFrameReader, frameOscPacket } from './oscFraming';
import { errorReply, handleOscPacket, type OscPacketDeps, type OscSession } from './oscPackets';
import { createOscReplyWriter } from './oscReplyWriter';
import type { DeviceKeyAuth } from '../../security/deviceKeyAuth';

/** The source name its inputs carry, and its key in `trigger.sources`. */
export const OSC_SOURCE = 'OSC';

/** Free ports tried for UDP and TCP together when the config says port 0. */
const PORT_ATTEMPTS = 5;

export interface OscSourceDeps {
  /** `trigger.sources.OSC.enabled`. */
  readonly enabled: boolean;
  /** `comm.osc`: UDP and TCP on the same port. */
  readonly listen: ListenerConfig;
  readonly osc: OscSourceConfig;
  /** How long replies still owed may take to go out when the hub stops (`shutdown.grace_ms`). */
  readonly graceMs: number;
  /** The hub's timers (the grace, the reply timeout). */
  readonly scheduler: SchedulerLike;
  readonly report: Report;
  readonly log: Logger;
  readonly auth?: DeviceKeyAuth;
  /** Told of each input refused before the gateway, with its reason (ComponentDeps.refused). */
  readonly refused?: (source: string, reason: string) => void;
}

/** The OSC source as a component; `address()` is where it listens (UDP and TCP share the port). */
export interface OscSource extends Component {
  address(): AddressInfo | null;
}

const plainIp = (address: string | undefined) => address ?? 'unknown';

/**
 * Open Sound Control in (QLab, TouchDesigner, Max, lighting desks): datagrams on UDP, and packets
 * on TCP framed with SLIP (OSC 1.1) or an int32 length (OSC 1.0, liblo), told apart by the first
 * byte. Each message is a trigger (`/haven/trigger/<Device>/<Control>`, `/haven/status/…`, or
 * an address of `sources.osc.map`) reported with its sender's address for the whitelist; the
 * sender is answered `/haven/ok` once stored, `/haven/error` otherwise (`sources.osc.reply`). A TCP
 * sender is not read while `sources.osc.max_in_flight` of its messages await their replies; one that
 * does not read its replies is not read either, and is cut after `sources.osc.reply_timeout_ms`.
 */
export function createOscSource(deps: OscSourceDeps): OscSource {
  const { enabled, listen, osc, graceMs, scheduler, report, log: hubLog, auth, refused } = deps;
  const log = hubLog.child(`Source ${OSC_SOURCE}`);
  const status = createSourceStatus(OSC_SOURCE, log);
  const map = new Map(osc.map.map((entry) => [entry.address, entry]));
  const packets: OscPacketDeps = { source: OSC_SOURCE, report, map, auth, refused: refused && ((reason) => refused(OSC_SOURCE, reason)) };
  const connections = new Set<Socket>();
  /** Replies still owed, so a stop can let them go out first. */
  const owed = new Set<Promise<unknown>>();
  let udp: DatagramSocket | undefined;
  let tcp: Server | undefined;
  let stopping: Promise<void> | undefined;
  let badPackets = 0;
  let udpReplies: Promise<unknown> = Promise.resolve();

  const wanted = (ok: boolean) => osc.reply === 'all' || (osc.reply === 'errors' && !ok);
  const track = <T>(p: Promise<T>): Promise<T> => {
    owed.add(p);
    void p.finally(() => owed.delete(p));
    return p;
  };
  // Reading a packet never throws and `report` never rejects; if one did, that packet goes
  // unanswered but the chain of replies after it stays alive.
  const broken = (err: unknown) => log.error('an OSC packet failed; it is not answered', { error: String(err) });
  const noteBad = (remote: string, replies: ReadonlyArray<{ ok: boolean }>) => {
    // The first refusal tells what a device sends; a flood of them is only counted.
    if (replies.some((r) => !r.ok) && badPackets++ === 0) log.info('refused an OSC input', { remote });
  };

  const onDatagram = (bytes: Buffer, from: { address: string; port: number }) => {
    if (stopping) return;
    if (bytes.length > osc.max_packet_bytes) {
      refused?.(OSC_SOURCE, 'packet_too_large');
      if (wanted(false)) udp?.send(errorReply('packet_too_large', `An OSC packet is at most ${osc.max_packet_bytes} bytes`), from.port, from.address);
      return;
    }
    // A datagram stands alone: its key, if one is needed, comes first in the same bundle.
    const session: OscSession = { authenticated: false };
    const { replies } = handleOscPacket(bytes, from.address, session, packets);
    // A refusal is decided at once, an acceptance once stored: replies wait for those before them,
    // so a device reads them in the order it sent.
    udpReplies = track(
      Promise.all([replies, udpReplies]).then(([answers]) => {
        noteBad(from.address, answers);
        for (const { ok, reply } of answers) if (wanted(ok)) udp?.send(reply, from.port, from.address);
      }, broken),
    );
  };

  const onConnection = (socket: Socket) => {
    if (stopping) return void socket.destroy();
    connections.add(socket);
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    socket.on('close', () => connections.delete(socket));
    const remote = plainIp(socket.remoteAddress);
    const session: OscSession = { authenticated: false };
    // Reading stops while the sender leaves its replies unread or too many of its messages are owed a
    // reply (a bundle's each count): one read can carry many packets, and libuv can make many reads of one socket in one turn.
    let writeBlocked = false;
    let inFlight = 0;
    let paused = false;
    const flow = (): void => {
      const stop = writeBlocked || inFlight >= osc.max_in_flight;
      if (stop && !paused) socket.pause();
      else if (!stop && paused) socket.resume();
      paused = stop;
    };
    const reply = createOscReplyWriter(socket, { replyTimeoutMs: osc.reply_timeout_ms, scheduler, log }, (held) => {
      writeBlocked = held;
      flow();
    });
    // Replies leave in the order their packets came, whatever order the decisions take.
    let previous: Promise<unknown> = Promise.resolve();
    const reader = createOscFrameReader(
      osc.max_packet_bytes,
      (bytes) => {
        const { count, replies } = handleOscPacket(bytes, remote, session, packets);
        inFlight += count;
        flow();
        previous = track(
          Promise.all([replies, previous])
            .then(([answers]) => {
              noteBad(remote, answers);
              for (const answer of answers) if (wanted(answer.ok)) reply(frameOscPacket(answer.reply, reader.framing() ?? 'slip'));
            }, broken)
            .finally(() => {
              inFlight -= count;
              flow();
            }),
        );
      },
      (message) => {
        refused?.(OSC_SOURCE, 'packet_too_large');
        log.info('bad OSC stream; closing the connection', { remote, error: message });
        void previous.then(() => {
          if (socket.writable) socket.end(frameOscPacket(errorReply('packet_too_large', `Closing: ${message}`), reader.framing() ?? 'slip'));
        });
      },
    );
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    socket.on('end', () => void previous.then(() => socket.end()));
  };

  /** UDP on `port`, then TCP on the port UDP got; a failure closes what was opened. */
  const bindBoth = async (host: string, port: number): Promise<number> => {
    const socket = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4' });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => resolve());
    });
    socket.removeAllListeners('error');
    // A failed reply (the sender gone: ICMP unreachable) is the sender's problem, never the source's.
    socket.on('error', (err) => log.debug('UDP error', { error: err.message }));
    const bound = socket.address().port;
    const server = createServer({ allowHalfOpen: true }, onConnection);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(bound, host, () => resolve());
      });
    } catch (err) {
      await new Promise<void>((resolve) => socket.close(() => resolve()));
      throw err;
    }
    server.removeAllListeners('error');
    server.on('error', (err) => status.set({ state: 'failed', error: err.message }));
    socket.on('message', onDatagram);
    udp = socket;
    tcp = server;
    return bound;
  };

  return {
    name: OSC_SOURCE,
    address: () => (tcp?.listening ? (tcp.address() as AddressInfo) : null),
    health: () => status.health(`UDP and ${connections.size} TCP connection(s)`),

    async start() {
      if (!enabled) return status.set({ state: 'disabled' });
      status.set({ state: 'starting' });
      const { host, port } = listen;
      // With port 0, UDP takes any free port and TCP the same number, which a TCP socket of this
      // machine may hold already: then both try another free port.
      for (let attempt = 1; ; attempt++) {
        try {
          const bound = await bindBoth(host, port);
          status.set({ state: 'listening', address: `${host}:${bound} (UDP and TCP)` });
          return;
        } catch (err) {
          if (port === 0 && (err as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < PORT_ATTEMPTS) continue;
          status.set({ state: 'failed', error: `cannot listen on ${host}:${port}: ${(err as Error).message}` });
          return;
        }
      }
    },

    stop() {
      stopping ??= (async () => {
        if (udp === undefined && tcp === undefined) return status.set({ state: 'stopped' });
        if (status.get().state !== 'failed') status.set({ state: 'stopping' });
        const server = tcp;
        const closed = new Promise<void>((resolve) => (server?.listening ? server.close(() => resolve()) : resolve()));
        await firstValueFrom(race(from(Promise.allSettled([...owed])), timer(graceMs, scheduler)));
        for (const socket of connections) socket.destroy();
        await closed;
        const socket = udp;
        if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
        status.set({ state: 'stopped' });
      })();
      return stopping;
    },
  };
}
