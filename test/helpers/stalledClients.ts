import { connect, type Socket } from 'node:net';

/**
 * Raw clients that open a stream and then never read again (a stalled panel): the hub's writes
 * pile up in the kernel and then in its own buffers until it cuts them. Each resolves once the
 * hub accepted the stream (101 or 200), and rejects with the status line when it refused.
 */
function stalled(port: number, request: readonly string[], accepted: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('error', reject);
    socket.once('connect', () => socket.write([...request, '', ''].join('\r\n')));
    socket.once('data', (chunk) => {
      const status = chunk.toString('latin1').split('\r\n')[0];
      if (!status.startsWith(accepted)) return reject(new Error(`stream refused: ${status}`));
      socket.pause(); // never read again
      resolve(socket);
    });
  });
}

/** A WebSocket upgrade of `path` with `token`, never read after the 101. */
export function stalledReader(port: number, path: string, token: string): Promise<Socket> {
  return stalled(
    port,
    [
      `GET ${path} HTTP/1.1`,
      `Host: 127.0.0.1:${port}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      'Sec-WebSocket-Version: 13',
      `Authorization: Bearer ${token}`,
    ],
    'HTTP/1.1 101',
  );
}

/** An SSE stream opened with `apiKey`, never read after its response head. */
export function stalledSse(port: number, apiKey: string): Promise<Socket> {
  return stalled(port, ['GET /api/events/stream HTTP/1.1', `Host: 127.0.0.1:${port}`, 'Accept: text/event-stream', `x-api-key: ${apiKey}`], 'HTTP/1.1 200');
}
