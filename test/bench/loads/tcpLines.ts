import { connect, type Socket } from 'node:net';
import { runMain, serveRpc } from '../harness/rpc';

/** The line every device sends: a JSON object, which both Haven and the bare server read. */
const LINE = '{"name":"Stage.Mode","value":"intro"}\n';
const BATCH = 64;
const CHUNK = Buffer.from(LINE.repeat(BATCH));
const NEWLINE = 10;
const E = 'E'.charCodeAt(0);

interface Options {
  readonly port: number;
  readonly connections: number;
  readonly seconds: number;
  /** Lines a connection may have sent without their answer (pipelining depth). */
  readonly window: number;
}

/**
 * Benchmark 5's device side: `connections` connections, each writing lines in batches of 64
 * while at most `window` wait for their answer, for `seconds`. Counts answers and `ERR` answers.
 */
async function run({ port, connections, seconds, window }: Options) {
  let answered = 0;
  let errors = 0;
  let running = true;
  const sockets: Socket[] = [];
  const one = () =>
    new Promise<Socket>((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1', noDelay: true }, () => resolve(socket));
      socket.once('error', reject);
      let outstanding = 0;
      let atLineStart = true;
      const fill = () => {
        while (running && outstanding + BATCH <= window) {
          outstanding += BATCH;
          socket.write(CHUNK);
        }
      };
      socket.on('data', (chunk: Buffer) => {
        for (let i = 0; i < chunk.length; i++) {
          if (atLineStart && chunk[i] === E) errors++;
          atLineStart = chunk[i] === NEWLINE;
          if (atLineStart) {
            answered++;
            outstanding--;
          }
        }
        fill();
      });
      socket.once('connect', fill);
    });
  for (let i = 0; i < connections; i++) sockets.push(await one());
  const start = performance.now();
  const startAnswered = answered;
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const elapsed = (performance.now() - start) / 1000;
  const counted = answered - startAnswered;
  running = false;
  for (const s of sockets) s.destroy();
  return { rate: counted / elapsed, answered: counted, errors };
}

runMain(async () => {
  serveRpc({ run }, {});
});
