import { connect, type Socket } from 'node:net';

/** What a lean client does with each text message: `payload` is a view into the socket's bytes. */
export type OnFrame = (payload: Buffer) => void;

const HANDSHAKE_END = Buffer.from('\r\n\r\n');
// A masked, empty pong (clients must mask; the mask of an empty payload masks nothing).
const PONG = Buffer.from([0x8a, 0x80, 0, 0, 0, 0]);

/**
 * A WebSocket client with no more work per message than a load generator needs: it upgrades with
 * a bearer token, then walks the server's (unmasked) frames and hands each text payload to
 * `onFrame` without copying or decoding it; pings are answered. The bench uses it where thousands
 * of clients share one core, so the client side does not limit what the hub is measured at.
 * Resolves once the upgrade succeeded.
 */
export function connectLeanWs(port: number, path: string, token: string, onFrame: OnFrame): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', noDelay: true });
    let upgraded = false;
    let carry: Buffer | undefined;
    const fail = (err: Error) => {
      socket.destroy();
      reject(err);
    };
    socket.once('error', fail);
    socket.on('connect', () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer ${token}\r\n\r\n`,
      );
    });
    socket.on('data', (chunk: Buffer) => {
      let buf = carry ? Buffer.concat([carry, chunk]) : chunk;
      carry = undefined;
      if (!upgraded) {
        const end = buf.indexOf(HANDSHAKE_END);
        if (end < 0) return void (carry = buf);
        const head = buf.toString('latin1', 0, end);
        if (!head.startsWith('HTTP/1.1 101')) return fail(new Error(`upgrade refused: ${head.split('\r\n')[0]}`));
        upgraded = true;
        socket.off('error', fail);
        socket.on('error', () => undefined);
        resolve(socket);
        buf = buf.subarray(end + 4);
      }
      let at = 0;
      while (buf.length - at >= 2) {
        const opcode = buf[at] & 0x0f;
        let length = buf[at + 1] & 0x7f;
        let header = 2;
        if (length === 126) {
          if (buf.length - at < 4) break;
          length = buf.readUInt16BE(at + 2);
          header = 4;
        } else if (length === 127) {
          if (buf.length - at < 10) break;
          length = buf.readUInt32BE(at + 2) * 2 ** 32 + buf.readUInt32BE(at + 6);
          header = 10;
        }
        if (buf.length - at < header + length) break;
        const payload = buf.subarray(at + header, at + header + length);
        if (opcode === 0x1) onFrame(payload);
        else if (opcode === 0x9) socket.write(PONG);
        at += header + length;
      }
      if (at < buf.length) carry = Buffer.from(buf.subarray(at));
    });
  });
}

const SEQ = Buffer.from('"seq":');

/** The `seq` of a Haven trigger message (`{"type":"trigger","seq":N,…}`), or -1 for other messages. */
export function seqOf(payload: Buffer): number {
  const at = payload.indexOf(SEQ);
  if (at < 0 || payload.indexOf('"type":"trigger"') !== 1) return -1;
  let n = 0;
  for (let i = at + SEQ.length; i < payload.length; i++) {
    const c = payload[i];
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
  }
  return n;
}

const VALUE = Buffer.from('"value":');

/** The numeric `value` of a trigger message (the fan-out bench puts its send time there), NaN if none. */
export function valueOf(payload: Buffer): number {
  const at = payload.indexOf(VALUE);
  if (at < 0) return NaN;
  let end = at + VALUE.length;
  while (end < payload.length && payload[end] !== 44 /* , */ && payload[end] !== 125 /* } */) end++;
  return Number(payload.toString('latin1', at + VALUE.length, end));
}
