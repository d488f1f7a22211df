import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { memory } from '../harness/memory';
import { runMain, serveRpc } from '../harness/rpc';

/**
 * Reference for benchmark 4: a bare `ws` server on node:http that accepts every upgrade and keeps
 * the connections, nothing else (no compression, as Haven).
 */
runMain(async () => {
  const server = createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  const clients = new Set<WebSocket>();
  wss.on('connection', (ws) => {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  serveRpc(
    { memory, clients: () => clients.size },
    { httpPort: (server.address() as AddressInfo).port },
    () => new Promise<void>((resolve) => server.close(() => resolve())),
  );
});
