import { expect } from 'chai';
import WebSocket from 'ws';
import { encodeMessage, encodeTrigger, parseClientMessage, textFrame } from '../../../src/websocket/protocol';

describe('WebSocket protocol', () => {
  it('parses auth with and without lastSeq', () => {
    expect(parseClientMessage('{"type":"auth","token":"t"}')).to.deep.equal({ ok: true, message: { type: 'auth', id: undefined, token: 't' } });
    expect(parseClientMessage('{"type":"auth","token":"t","lastSeq":4}')).to.deep.include({ ok: true });
    expect(parseClientMessage('{"type":"auth","token":"t","lastSeq":1.5}')).to.deep.include({ ok: false });
  });

  it('parses subscribe with defaults and refuses an empty one', () => {
    expect(parseClientMessage('{"id":3,"type":"subscribe","triggers":["A.B"]}')).to.deep.equal({
      ok: true,
      message: { type: 'subscribe', id: 3, all: false, triggers: ['A.B'], categories: [] },
    });
    expect(parseClientMessage('{"id":3,"type":"subscribe"}')).to.deep.equal({
      ok: false,
      error: { code: 'invalid_message', message: '"subscribe" needs "triggers", "categories" or "all": true', id: 3 },
    });
    expect(parseClientMessage('{"type":"unsubscribe","categories":[1]}')).to.deep.include({ ok: false });
  });

  it('parses subscribe_dashboard with its id', () => {
    expect(parseClientMessage('{"type":"subscribe_dashboard","id":"d"}')).to.deep.equal({ ok: true, message: { type: 'subscribe_dashboard', id: 'd' } });
  });

  it('names what is wrong with a message, keeping its id when it has one', () => {
    expect(parseClientMessage('nope')).to.deep.equal({ ok: false, error: { code: 'invalid_json', message: 'Message is not valid JSON' } });
    expect(parseClientMessage('[1]')).to.deep.include({ ok: false });
    expect(parseClientMessage('{"id":{},"type":"ping"}')).to.deep.equal({
      ok: false,
      error: { code: 'invalid_message', message: '"id" must be a number or a short string' },
    });
    expect(parseClientMessage('{"id":"a","type":"dance"}')).to.deep.equal({
      ok: false,
      error: { code: 'unknown_type', message: "Unknown message type 'dance'", id: 'a' },
    });
    expect(parseClientMessage('{"id":2}')).to.deep.equal({ ok: false, error: { code: 'invalid_message', message: 'Message needs a "type" string', id: 2 } });
  });

  it('encodes a trigger event without the hub-internal receive time, seq on top for resuming', () => {
    const json = encodeTrigger({
      seq: 7,
      kind: 'status',
      name: 'A.B',
      value: 'On',
      id: 3,
      type: 'On/Off',
      category: 'c',
      organization: 'o',
      source: 'TCP',
      timestamp: 't',
      receivedAt: 123,
    });
    expect(JSON.parse(json)).to.deep.equal({
      type: 'trigger',
      seq: 7,
      data: { seq: 7, kind: 'status', name: 'A.B', value: 'On', id: 3, type: 'On/Off', category: 'c', source: 'TCP', timestamp: 't' },
    });
    // Byte for byte what every other server message looks like (key order included).
    expect(json).to.equal(
      encodeMessage(
        'trigger',
        { seq: 7, kind: 'status', name: 'A.B', value: 'On', id: 3, type: 'On/Off', category: 'c', source: 'TCP', timestamp: 't' },
        { seq: 7 },
      ),
    );
  });
});

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
  for (const [length, header] of [
    [0, 2],
    [125, 2],
    [126, 4],
    [65535, 4],
    [65536, 10],
    [70000, 10],
  ] as const) {
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
