import { createServer, type AddressInfo } from 'node:net';
import { runMain, serveRpc } from '../harness/rpc';

/**
 * Reference for benchmark 5: the least a line server can do: split the bytes into lines,
 * `JSON.parse` each, and answer every line `OK <n>` in order, one write per chunk read.
 */
runMain(async () => {
  let seq = 0;
  const server = createServer((socket) => {
    let carry = '';
    socket.setEncoding('utf8');
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    socket.on('data', (chunk: string) => {
      const lines = (carry + chunk).split('\n');
      carry = lines.pop() ?? '';
      let out = '';
      for (const line of lines) {
        try {
          JSON.parse(line);
          out += `OK ${++seq}\n`;
        } catch {
          out += 'ERR bad_line not JSON\n';
        }
      }
      if (out) socket.write(out);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  serveRpc({}, { tcpPort: (server.address() as AddressInfo).port }, () => new Promise<void>((resolve) => server.close(() => resolve())));
});
