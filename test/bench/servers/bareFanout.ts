import { createServer, type AddressInfo, type Socket } from 'node:net';
import { runMain, serveRpc } from '../harness/rpc';

/**
 * The floor under benchmark 3: what Node itself pays to write one message to every connected
 * socket, with no framing, no fan-out bookkeeping and no protocol: a loop of `socket.write`.
 * `broadcast` times that loop, `rounds` times, `pauseMs` apart (so each round starts idle).
 */
runMain(async () => {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => resolve()));
  serveRpc(
    {
      async broadcast({ bytes, rounds, pauseMs }: { bytes: number; rounds: number; pauseMs: number }): Promise<{ sockets: number; ms: number[] }> {
        const message = Buffer.alloc(bytes, 0x61);
        const ms: number[] = [];
        for (let r = 0; r < rounds; r++) {
          await new Promise((resolve) => setTimeout(resolve, pauseMs));
          const start = performance.now();
          for (const socket of sockets) socket.write(message);
          ms.push(performance.now() - start);
        }
        return { sockets: sockets.size, ms };
      },
    },
    { tcpPort: (server.address() as AddressInfo).port },
    () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  );
});
