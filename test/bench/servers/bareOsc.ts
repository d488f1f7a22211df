import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { decodeOsc, encodeOscMessage } from '../harness/oscWire';
import { runMain, serveRpc } from '../harness/rpc';

/**
 * Reference for benchmark 9a: the least an OSC receiver that answers can do on a bare `dgram`
 * socket: decode each datagram with the same codec Haven uses and answer `/ok <n>` to its sender.
 */
runMain(async () => {
  let n = 0;
  const socket = createSocket('udp4');
  socket.on('message', (msg, from) => {
    let reply: Buffer;
    try {
      decodeOsc(msg);
      reply = encodeOscMessage('/ok', ++n);
    } catch {
      reply = encodeOscMessage('/error', 'malformed');
    }
    socket.send(reply, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  serveRpc({}, { udpPort: (socket.address() as AddressInfo).port }, () => new Promise<void>((resolve) => socket.close(() => resolve())));
});
