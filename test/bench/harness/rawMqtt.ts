import { connect, type Socket } from 'node:net';
import type { OnFrame } from './rawWs';
import { wallMs } from './stats';

/**
 * An MQTT 3.1.1 subscriber with no more work per message than a load generator needs, the MQTT
 * twin of `connectLeanWs`: CONNECT (clean session), SUBSCRIBE at QoS 0, then it walks the
 * broker's PUBLISH packets and hands each payload to `onPayload` as its place in the socket's
 * bytes (see `OnFrame`). With it both brokers are measured through equally cheap subscribers, so the figures
 * are the brokers', not the client libraries'. Resolves once the SUBACK arrived.
 */
export function connectLeanMqtt(port: number, topic: string, clientId: string, onPayload: OnFrame): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', noDelay: true });
    let subscribed = false;
    let carry: Buffer | undefined;
    const fail = (err: Error) => {
      socket.destroy();
      reject(err);
    };
    socket.once('error', fail);
    socket.on('connect', () => socket.write(Buffer.concat([connectPacket(clientId), subscribePacket(topic)])));
    socket.on('data', (chunk: Buffer) => {
      const receivedAt = wallMs();
      const buf = carry ? Buffer.concat([carry, chunk]) : chunk;
      carry = undefined;
      let at = 0;
      while (buf.length - at >= 2) {
        const type = buf[at] >> 4;
        // Remaining length: 1 to 4 bytes, 7 bits each, least significant first.
        let length = 0;
        let multiplier = 1;
        let i = at + 1;
        let complete = false;
        while (i < buf.length && i <= at + 4) {
          const byte = buf[i++];
          length += (byte & 0x7f) * multiplier;
          multiplier *= 128;
          if ((byte & 0x80) === 0) {
            complete = true;
            break;
          }
        }
        if (!complete || buf.length - i < length) break;
        if (type === 3) {
          const topicLength = buf.readUInt16BE(i);
          onPayload(buf, i + 2 + topicLength, i + length, receivedAt);
        } else if (type === 2 && buf[i + 1] !== 0) {
          return fail(new Error(`CONNACK refused (${buf[i + 1]})`));
        } else if (type === 9 && !subscribed) {
          subscribed = true;
          socket.off('error', fail);
          socket.on('error', () => undefined);
          resolve(socket);
        }
        at = i + length;
      }
      if (at < buf.length) carry = Buffer.from(buf.subarray(at));
    });
  });
}

/** A UTF-8 string with its 2-byte length, as MQTT encodes strings. */
function mqttString(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const out = Buffer.alloc(2 + bytes.length);
  out.writeUInt16BE(bytes.length, 0);
  bytes.copy(out, 2);
  return out;
}

/** Fixed header (type and flags) plus the remaining length, then `body` (bodies here stay under 128 bytes). */
function packet(firstByte: number, body: Buffer): Buffer {
  if (body.length > 127) throw new RangeError('packet body too long for this client');
  return Buffer.concat([Buffer.from([firstByte, body.length]), body]);
}

function connectPacket(clientId: string): Buffer {
  // Protocol "MQTT", level 4 (3.1.1), flags: clean session, keep-alive 600 s.
  const header = Buffer.concat([mqttString('MQTT'), Buffer.from([4, 0x02, 0x02, 0x58])]);
  return packet(0x10, Buffer.concat([header, mqttString(clientId)]));
}

function subscribePacket(topic: string): Buffer {
  // Packet id 1, one filter at QoS 0.
  return packet(0x82, Buffer.concat([Buffer.from([0, 1]), mqttString(topic), Buffer.from([0])]));
}
