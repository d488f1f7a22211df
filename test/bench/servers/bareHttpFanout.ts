import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { createUtcNow } from '../../../src/runtime/utcNow';
import { textFrameParts } from '../../../src/websocket/protocol';
import websocketSchema from '../../../config/schemas/websocket.schema.json';
import { runMain, serveRpc } from '../harness/rpc';

/** RFC 6455's GUID, for the upgrade's accept key. */
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC11D65';
/** As Haven's fan-out paces its writes under load: each client at most every `websocket.flush_interval_ms` (its default). */
const FLUSH_MS = websocketSchema.properties.websocket.properties.flush_interval_ms.default;
/** As Haven's log at its default fsync `everysec`. */
const SYNC_MS = 1000;
const ANSWER_TYPE = 'application/json; charset=utf-8';

/**
 * The floor under benchmark 1a: the least any server on `node:http` can do to give each POST
 * what 1a asks of Haven, with nothing checked: the bare reference's read, `JSON.parse` and JSON
 * answer, plus, for the turn's events together, one `write(2)` of their records to a file in
 * `dir` (an `fdatasync` a second), one line per event to each TCP service, and (at most every
 * `websocket.flush_interval_ms`, as Haven) the events' WebSocket text frames to every attached client, one write per client. No
 * gate, cache, validation, checksum, actor or backpressure: what is left is node:http's share, the
 * kernel's, and the four texts any hub makes of an event (record, line, frame, answer), the
 * timestamp and the frames made by Haven's own code (`createUtcNow`, `textFrameParts`, joined at
 * the flush as the fan-out joins them).
 */
runMain(async () => {
  const dir = process.argv[2];
  const log = openSync(join(dir, 'floor.log'), 'a');
  const clients = new Set<Socket>();
  const services: Socket[] = [];
  let seq = 0;
  let answers: Array<[ServerResponse, string]> = [];
  let records: string[] = [];
  let lines: string[] = [];
  /** The frames since the last flush, as `ws` builds them (header, payload), and how many. */
  let frames: Buffer[] = [];
  let framed = 0;
  let lastFlush = 0;
  let flushTimer: NodeJS.Timeout | NodeJS.Immediate | undefined;

  /** The most bytes a client held unsent after a flush: above a few frames, it did not keep up. */
  let peakBacklog = 0;
  let framesWritten = 0;
  const utcNow = createUtcNow();

  const flushClients = (): void => {
    flushTimer = undefined;
    lastFlush = performance.now();
    if (framed === 0) return;
    const data = Buffer.concat(frames);
    framesWritten += framed * clients.size;
    frames = [];
    framed = 0;
    for (const client of clients) {
      client.write(data);
      if (client.writableLength > peakBacklog) peakBacklog = client.writableLength;
    }
  };
  const sync = setInterval(() => fdatasyncSync(log), SYNC_MS);
  const endOfTurn = (): void => {
    const batch = answers;
    answers = [];
    const bytes = Buffer.from(records.join(''), 'utf8');
    records = [];
    for (let at = 0; at < bytes.length;) at += writeSync(log, bytes, at);
    const text = lines.join('');
    lines = [];
    for (const service of services) service.write(text);
    for (const [res, body] of batch) {
      res.writeHead(200, ['Content-Type', ANSWER_TYPE, 'Content-Length', Buffer.byteLength(body)]);
      res.end(body);
    }
    if (flushTimer !== undefined) return;
    const wait = lastFlush + FLUSH_MS - performance.now();
    if (wait <= 0) flushTimer = setImmediate(flushClients);
    else flushTimer = setTimeout(flushClients, wait);
  };
  const refuse = (res: ServerResponse): void => {
    const body = '{"error":"Invalid JSON body"}';
    res.writeHead(400, ['Content-Type', ANSWER_TYPE, 'Content-Length', Buffer.byteLength(body)]);
    res.end(body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let input: { name?: unknown; value?: unknown };
      try {
        input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return refuse(res);
      }
      if (typeof input !== 'object' || input === null) return refuse(res);
      const n = ++seq;
      const timestamp = utcNow();
      const event = { seq: n, kind: 'event', name: input.name, value: input.value, id: null, type: 'Discrete', category: 'show', source: 'HTTP', timestamp };
      if (answers.length === 0) setImmediate(endOfTurn);
      // Haven's record fields (src/eventLog/recordFrame.ts), without its length and checksum header.
      records.push(
        `${JSON.stringify([n, 'event', input.name, input.value, null, 'Discrete', 'show', 'default', 'HTTP', timestamp, Math.round(performance.now())])}\n`,
      );
      lines.push(`${JSON.stringify({ name: input.name, value: input.value, id: null, timestamp })}\n`);
      frames.push(...textFrameParts(`{"type":"trigger","seq":${n},"data":${JSON.stringify(event)}}`));
      framed++;
      const body = JSON.stringify({
        message: 'Trigger event received and dispatched',
        event: { name: input.name, value: input.value, id: null, timestamp },
        dispatched_to: services.length,
        trigger_seq: n,
      });
      answers.push([res, body]);
    });
  });
  server.on('upgrade', (req, socket: Socket) => {
    const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}${WS_GUID}`).digest('base64');
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    clients.add(socket);
    socket.on('close', () => clients.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  serveRpc(
    {
      /** Connects to the TCP services at `ports` on 127.0.0.1, as the hub's registrations do. */
      async services({ ports }: { ports: number[] }): Promise<number> {
        for (const port of ports) {
          const socket = connect({ port, host: '127.0.0.1', noDelay: true });
          await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
          socket.on('error', () => undefined);
          services.push(socket);
        }
        return services.length;
      },
      clients: () => clients.size,
      /** Frames handed to the clients' sockets so far, and the largest backlog one held after a flush. */
      written: () => ({ frames: framesWritten, peakBacklog }),
      /** Resolves once every client's socket has sent what it was given (at most `timeoutMs`), with the ms it took. */
      async drained({ timeoutMs }: { timeoutMs: number }): Promise<number> {
        const start = performance.now();
        const pending = () => [...clients].some((c) => c.writableLength > 0) || framed > 0;
        while (pending() && performance.now() - start < timeoutMs) await new Promise((resolve) => setTimeout(resolve, 10));
        return performance.now() - start;
      },
    },
    { httpPort: (server.address() as AddressInfo).port },
    () => {
      clearInterval(sync);
      for (const socket of [...clients, ...services]) socket.destroy();
      closeSync(log);
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  );
});
