import { expect } from 'chai';
import fc from 'fast-check';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { decodePacket, encodeMessage, type OscArg, type OscMessage } from '../../../src/osc/oscCodec';
import { wireOscSource } from '../../../src/runtime/components';
import { createOscFrameReader, frameOscPacket, SLIP_END } from '../../../src/sources/osc/oscFraming';
import type { OscSource } from '../../../src/sources/osc/oscSource';
import { startHub, type TestHub } from '../../helpers/hub';
import { waitFor } from '../../helpers/waitFor';

const MAX_PACKET = 2048;
const PROBE = encodeMessage('/haven/trigger/Fog/Burst', []);

/** A reply as the device reads it: a well-formed /haven/ok or /haven/error, or a failure naming what came. */
function checkReply(bytes: Buffer): OscMessage {
  const m = decodePacket(bytes) as OscMessage;
  expect(m.address, 'a reply').to.be.oneOf(['/haven/ok', '/haven/error']);
  if (m.address === '/haven/error') {
    expect(m.args.map((a) => a.type)).to.deep.equal(['s', 's', 's']);
    expect(m.args[0].value).to.match(/^[a-z_]+$/);
  }
  return m;
}

/** OSC arguments of every type the codec writes, with values a device might send (or botch). */
const oscArg: fc.Arbitrary<OscArg> = fc.oneof(
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map((value) => ({ type: 'i', value })),
  fc.double({ noNaN: false }).map((value) => ({ type: 'd', value })),
  fc.float({ noNaN: true }).map((value) => ({ type: 'f', value })),
  fc.string({ maxLength: 40 }).map((value) => ({ type: 's', value })),
  fc.constantFrom<OscArg>({ type: 'T', value: true }, { type: 'F', value: false }, { type: 'N', value: null }, { type: 'I', value: null }),
  fc.uint8Array({ maxLength: 32 }).map((bytes) => ({ type: 'b', value: Buffer.from(bytes) })),
);

/** Addresses near the ones the source reads, and far from them. */
const address: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('/haven/trigger/Stage/Mode', '/haven/trigger/Flame/Intensity', '/haven/status/Dial/Number', '/haven/trigger/Fog/Burst', '/haven/auth'),
  fc
    .tuple(fc.constantFrom('/haven/trigger/', '/haven/status/', '/haven/', '/', '/qlab/cue/'), fc.array(fc.string({ maxLength: 12 }), { maxLength: 4 }))
    .map(([prefix, parts]) => prefix + parts.join('/')),
);

const message = fc.tuple(address, fc.array(oscArg, { maxLength: 4 })).map(([a, args]) => encodeMessage(a, args));

/** An OSC bundle of `packets` (time tag "immediately"): `#bundle`, the tag, then each packet after its int32 size. */
function bundleOf(packets: readonly Buffer[]): Buffer {
  const parts = packets.flatMap((p) => {
    const size = Buffer.alloc(4);
    size.writeInt32BE(p.length);
    return [size, p];
  });
  return Buffer.concat([Buffer.from('#bundle\0'), Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]), ...parts]);
}

/** A datagram: an OSC message, one cut short or bit-flipped, a bundle of messages, or noise. */
const datagram: fc.Arbitrary<Buffer> = fc.oneof(
  message,
  fc.tuple(message, fc.nat()).map(([m, cut]) => m.subarray(0, cut % m.length)),
  fc.tuple(message, fc.nat(), fc.integer({ min: 1, max: 255 })).map(([m, at, flip]) => {
    const copy = Buffer.from(m);
    copy[at % copy.length] ^= flip;
    return copy;
  }),
  fc.array(message, { minLength: 1, maxLength: 5 }).map(bundleOf),
  fc.tuple(message, fc.array(message, { maxLength: 3 })).map(([m, inner]) => bundleOf([m, bundleOf(inner)])),
  fc.uint8Array({ maxLength: MAX_PACKET + 64 }).map((b) => Buffer.from(b)),
);

describe('OSC source under bad input (property tests)', () => {
  let hub: TestHub | undefined;
  let port = 0;
  const sockets: Array<{ close(): void } | net.Socket> = [];
  afterEach(() => {
    for (const s of sockets.splice(0)) 'destroy' in s ? s.destroy() : s.close();
  });
  after(async () => hub?.stop());

  async function ensureHub(): Promise<void> {
    if (hub) return;
    hub = await startHub({ trigger: { sources: { OSC: { enabled: true } } }, sources: { osc: { max_packet_bytes: MAX_PACKET } } } as never, {
      components: (config, deps) => [wireOscSource(config, deps)],
    });
    port = hub.component<OscSource>('OSC').address()!.port;
  }

  it('answers every datagram with well-formed replies, and the next good one with /haven/ok', async () => {
    await ensureHub();
    const socket = dgram.createSocket('udp4');
    sockets.push(socket);
    const replies: Buffer[] = [];
    socket.on('message', (m) => replies.push(m));
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    const send = (bytes: Buffer) => new Promise<void>((resolve) => socket.send(bytes, port, '127.0.0.1', () => resolve()));
    await fc.assert(
      fc.asyncProperty(datagram, async (bytes) => {
        const from = replies.length;
        if (bytes.length > 0) await send(bytes);
        await send(PROBE);
        // Replies come in the order sent: the probe's is the last, after those of the input.
        await waitFor(() => {
          const last = replies.at(-1);
          return last !== undefined && replies.length > from && (decodePacket(last) as OscMessage).args[1]?.value === 'Fog.Burst';
        }, 'the probe’s /haven/ok');
        for (const r of replies.slice(from)) checkReply(r);
        // Every input is answered: at least one reply for it before the probe's.
        if (bytes.length > 0) expect(replies.length - from, 'replies to the input and the probe').to.be.at.least(2);
        expect((decodePacket(replies.at(-1)!) as OscMessage).address).to.equal('/haven/ok');
      }),
      { numRuns: 200 },
    );
  });

  it('answers or closes a TCP stream of framed noise, and serves the next connection', async () => {
    await ensureHub();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('slip' as const, 'length' as const),
        fc.array(datagram, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        async (framing, packets, raw) => {
          const socket = net.connect(port, '127.0.0.1');
          sockets.push(socket);
          await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
          let closed = false;
          socket.on('close', () => (closed = true));
          socket.on('error', () => undefined);
          const replies: Buffer[] = [];
          const reader = createOscFrameReader(
            1 << 20,
            (p) => replies.push(p),
            () => undefined,
          );
          socket.on('data', (c: Buffer) => reader.push(c));
          // Framed as a device would, or the bytes as they are (a stream that is not OSC at all).
          const stream = raw ? Buffer.concat(packets) : Buffer.concat(packets.map((p) => frameOscPacket(p, framing)));
          socket.write(stream);
          // A stream that starts with SLIP's END is SLIP to the hub (as to liblo): a probe framed any
          // other way would only be more bytes of the frame the noise opened, which the hub rightly
          // waits to see end.
          socket.write(frameOscPacket(PROBE, raw && stream[0] === SLIP_END ? 'slip' : framing));
          await waitFor(
            () => closed || replies.some((r) => (decodePacket(r) as OscMessage).args[1]?.value === 'Fog.Burst'),
            'the probe’s reply, or the connection closed',
          );
          for (const r of replies) checkReply(r);
          socket.destroy();
          // Whatever the stream did, the source serves the next device.
          const next = net.connect(port, '127.0.0.1');
          sockets.push(next);
          const got: Buffer[] = [];
          const nextReader = createOscFrameReader(
            1 << 20,
            (p) => got.push(p),
            () => undefined,
          );
          next.on('data', (c: Buffer) => nextReader.push(c));
          await new Promise<void>((resolve, reject) => next.once('connect', resolve).once('error', reject));
          next.write(frameOscPacket(PROBE, 'slip'));
          await waitFor(() => got.length === 1, 'the next connection’s reply');
          expect(checkReply(got[0]).address).to.equal('/haven/ok');
          next.destroy();
        },
      ),
      { numRuns: 60 },
    );
  });
});
