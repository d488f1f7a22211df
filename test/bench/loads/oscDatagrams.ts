import { createSocket } from 'node:dgram';
import { runMain, serveRpc } from '../harness/rpc';
import { encodeOscMessage, isOscOk } from '../harness/oscWire';

/** The message every device sends: what `oscsend … /haven/trigger/Stage/Mode s intro` sends. */
const DATAGRAM = encodeOscMessage('/haven/trigger/Stage/Mode', 'intro');

interface Options {
  readonly port: number;
  readonly seconds: number;
  /** Datagrams sent whose reply has not come back yet (UDP has no flow control: this is it). */
  readonly window: number;
}

/**
 * Benchmark 9a's device side: one UDP socket sends `DATAGRAM` while at most `window` wait for
 * their reply, for `seconds`, and counts the replies: `/haven/ok` from the hub (sent once the
 * event is stored), `/ok` from the bare server; anything else is an error. A datagram lost on
 * the way (a full receive buffer drops it silently) would hold its slot for ever, so a window
 * with no reply for 50 ms is written off as lost and refilled.
 */
async function run({ port, seconds, window }: Options) {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  socket.connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  let ok = 0;
  let errors = 0;
  let lost = 0;
  let outstanding = 0;
  let running = true;
  const fill = () => {
    while (running && outstanding < window) {
      outstanding++;
      socket.send(DATAGRAM);
    }
  };
  socket.on('message', (msg: Buffer) => {
    if (isOscOk(msg)) ok++;
    else errors++;
    outstanding = Math.max(0, outstanding - 1);
    fill();
  });
  socket.on('error', () => undefined);
  let seen = 0;
  const stall = setInterval(() => {
    if (ok + errors === seen && outstanding > 0) {
      lost += outstanding;
      outstanding = 0;
      fill();
    }
    seen = ok + errors;
  }, 50);
  fill();
  await new Promise((r) => setTimeout(r, 300));
  const start = performance.now();
  const startOk = ok;
  const startLost = lost;
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const elapsed = (performance.now() - start) / 1000;
  const counted = ok - startOk;
  running = false;
  clearInterval(stall);
  socket.close();
  return { rate: counted / elapsed, answered: counted, errors, lost: lost - startLost };
}

runMain(async () => {
  serveRpc({ run }, {});
});
