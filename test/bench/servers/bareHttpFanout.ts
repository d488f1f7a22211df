import { closeSync, openSync, writeSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { runMain, serveRpc } from '../harness/rpc';

/** RFC 6455's GUID, for the upgrade's accept key. */
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC11D65';
/** As Haven's fan-out paces its writes under load: each client at most every 5 ms. */
const FLUSH_MS = 5;

/**
 * The floor under benchmark 1a: the least any server on `node:http` can do to give each POST
 * what 1a asks of Haven, with nothing checked: the bare reference's read, `JSON.parse` and JSON
 * answer, plus, for the turn's events together, one `write(2)` of their records to a file in
 * `dir`, one line per event to each TCP service, and (at most every 5 ms) the events' WebSocket
 * text frames to every attached client, one write per client. No gate, cache, validation, actor
 * or pacing logic: the kernel's share and node's own, which no Haven build can go under.
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
  let frames: Buffer[] = [];
  let lastFlush = 0;
  let flushTimer: NodeJS.Timeout | undefined;

  const flushClients = (): void => {
    flushTimer = undefined;
    lastFlush = performance.now();
    if (frames.length === 0) return;
    const data = Buffer.concat(frames);
    frames = [];
    for (const client of clients) client.write(data);
  };
  const endOfTurn = (): void => {
    writeSync(log, records.join(''));
    records = [];
    const text = lines.join('');
    lines = [];
    for (const service of services) service.write(text);
    for (const [res, body] of answers) {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    }
    answers = [];
    if (flushTimer === undefined) flushTimer = setTimeout(flushClients, Math.max(0, lastFlush + FLUSH_MS - performance.now()));
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let input: { name?: unknown; value?: unknown };
      try {
        input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        const body = '{"error":"Invalid JSON body"}';
        res.writeHead(400, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
        return void res.end(body);
      }
      const n = ++seq;
      const timestamp = new Date().toISOString();
      const event = { seq: n, kind: 'event', name: input.name, value: input.value, id: null, type: 'Text', category: 'Stage', source: 'HTTP', timestamp };
      if (answers.length === 0) setImmediate(endOfTurn);
      records.push(`${JSON.stringify([n, 'event', input.name, input.value, null, timestamp, 'HTTP'])}\n`);
      lines.push(`${JSON.stringify({ name: input.name, value: input.value, id: null, timestamp })}\n`);
      frames.push(textFrame(`{"type":"trigger","seq":${n},"data":${JSON.stringify(event)}}`));
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
    },
    { httpPort: (server.address() as AddressInfo).port },
    () => {
      for (const socket of [...clients, ...services]) socket.destroy();
      closeSync(log);
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  );
});

/** One unmasked final text frame (a server's), header and payload in one Buffer. */
function textFrame(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x81, n]) : Buffer.from([0x81, 126, n >> 8, n & 0xff]);
  return Buffer.concat([head, payload]);
}
