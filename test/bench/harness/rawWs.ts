import { connect, type Socket } from 'node:net';
import { wallMs } from './stats';

/**
 * What a lean client does with each text message: its bytes are `buf[start..end)` (no copy, no
 * view object), and `receivedAt` is the wall-clock ms the chunk holding it was read.
 */
export type OnFrame = (buf: Buffer, start: number, end: number, receivedAt: number) => void;

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
      const receivedAt = wallMs();
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
        if (opcode === 0x1) onFrame(buf, at + header, at + header + length, receivedAt);
        else if (opcode === 0x9) socket.write(PONG);
        at += header + length;
      }
      if (at < buf.length) carry = Buffer.from(buf.subarray(at));
    });
  });
}

const VALUE = Buffer.from('"value":');

/** The numeric `value` in `buf[start..end)` (the fan-out bench puts a send time there); NaN if none. */
export function valueIn(buf: Buffer, start: number, end: number): number {
  const at = buf.indexOf(VALUE, start);
  return at < 0 || at >= end ? NaN : decimalAt(buf, at + VALUE.length, end);
}

/** A non-negative decimal number (digits, optionally a fraction) starting at `at`, read from the bytes. */
export function decimalAt(buf: Buffer, at: number, end: number): number {
  let whole = 0;
  let i = at;
  for (; i < end && buf[i] >= 48 && buf[i] <= 57; i++) whole = whole * 10 + (buf[i] - 48);
  if (i === at) return NaN;
  if (buf[i] !== 46 /* . */) return whole;
  let fraction = 0;
  let scale = 1;
  for (i++; i < end && buf[i] >= 48 && buf[i] <= 57; i++) {
    fraction = fraction * 10 + (buf[i] - 48);
    scale *= 10;
  }
  return whole + fraction / scale;
}
