import { expect } from 'chai';
import WebSocket from 'ws';
import { textFrame } from '../../../src/websocket/frame';

// ws's own parser, as a client runs it: what we frame must be what it reads.
const Receiver = (WebSocket as unknown as { Receiver: new (o: object) => import('node:stream').Writable }).Receiver;

function parse(frame: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const receiver = new Receiver({ isServer: false, maxPayload: 0 });
    receiver.on('message', (data: Buffer, isBinary: boolean) => (isBinary ? reject(new Error('binary')) : resolve(data.toString())));
    receiver.on('error', reject);
    receiver.write(frame);
  });
}

describe('textFrame', () => {
  for (const [length, header] of [[0, 2], [125, 2], [126, 4], [65535, 4], [65536, 10], [70000, 10]] as const) {
    it(`frames ${length} bytes with a ${header}-byte header that ws reads back`, async () => {
      const text = 'é'.repeat(Math.floor(length / 2)) + 'x'.repeat(length % 2);
      const frame = textFrame(text);
      expect(frame.length).to.equal(header + length);
      expect(frame[0]).to.equal(0x81);
      expect(frame[1] & 0x80).to.equal(0, 'server frames are not masked');
      expect(await parse(frame)).to.equal(text);
    });
  }
});
