import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runMain, serveRpc } from '../harness/rpc';

/**
 * Reference for benchmark 1: the least a JSON endpoint can do on `node:http`: read the body,
 * `JSON.parse` it, answer a small JSON object. Keep-alive as Node does by default.
 */
runMain(async () => {
  let seq = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let status = 200;
      let body: string;
      try {
        const input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        body = JSON.stringify({ message: 'received', name: input.name, trigger_seq: ++seq });
      } catch {
        status = 400;
        body = '{"error":"Invalid JSON body"}';
      }
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  serveRpc({}, { httpPort: (server.address() as AddressInfo).port }, () => new Promise<void>((resolve) => server.close(() => resolve())));
});
