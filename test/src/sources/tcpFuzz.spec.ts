import { expect } from 'chai';
import fc from 'fast-check';
import { wireTcpSource } from '../../../src/runtime/components';
import type { TcpSource } from '../../../src/sources/tcp/tcpSource';
import { badTcpLine, linesBytes, tcpInput, tcpLines, VALID_LINE, type TcpInput } from '../../helpers/fuzzInputs';
import { startHub, type TestHub } from '../../helpers/hub';
import { createVirtualTime } from '../../helpers/virtualTime';
import { waitFor } from '../../helpers/waitFor';
import { connectLineClient, type LineClient } from './lineClient';

const MAX_LINE = 1024;
const REPLY = /^(OK \d+|ERR [a-z_]+ [^\r\n]*)$/;

describe('TCP text source under bad input (property tests)', () => {
  let hub: TestHub | undefined;
  let port = 0;
  let clients: LineClient[] = [];

  afterEach(() => {
    clients.forEach((c) => c.destroy());
    clients = [];
  });
  after(async () => hub?.stop());

  async function client(): Promise<LineClient> {
    const c = await connectLineClient(port);
    clients.push(c);
    return c;
  }

  async function ensureHub(): Promise<void> {
    if (hub) return;
    hub = await startHub({ sources: { tcp: { max_line_length: MAX_LINE } } } as Parameters<typeof startHub>[0], {
      components: (config, deps) => [wireTcpSource(config, deps)],
    });
    port = hub.component<TcpSource>('TCP').address()!.port;
  }

  /** Plays one input on a fresh connection; then the next valid line (same connection if kept, else a new one) gets OK. */
  async function play(input: TcpInput): Promise<void> {
    const c = await client();
    switch (input.kind) {
      case 'lines': {
        c.write(linesBytes(input.lines));
        const replies = await c.waitForReplies(input.lines.length);
        replies.forEach((r, i) => {
          expect(r).to.match(REPLY);
          if (input.bad[i]) expect(r, `line ${i} is bad`).to.match(/^ERR /);
        });
        break;
      }
      case 'huge':
        c.write(Buffer.alloc(input.length, 0x41));
        await c.waitForClose();
        expect(c.replies).to.deep.equal([`ERR line_too_long Line longer than ${MAX_LINE} characters; closing the connection`]);
        break;
      case 'partial':
        c.socket.end(input.bytes);
        await c.waitForClose();
        expect(c.replies).to.deep.equal([]);
        break;
      case 'slow': {
        for (const byte of [...input.line, 0x0a]) {
          c.write(Buffer.of(byte));
          await new Promise((r) => setImmediate(r));
        }
        const [reply] = await c.waitForReplies(1);
        expect(reply).to.match(input.bad ? /^ERR / : /^OK \d+$/);
        break;
      }
    }
    const next = c.socket.destroyed || c.socket.readableEnded ? await client() : c;
    next.write(`${VALID_LINE}\n`);
    const replies = await next.waitForReplies(next.replies.length + 1);
    expect(replies[replies.length - 1]).to.match(/^OK \d+$/);
  }

  it('answers binary, NUL, invalid UTF-8, huge, partial and byte-at-a-time lines, and serves the next valid line', async () => {
    await ensureHub();
    await fc.assert(
      fc.asyncProperty(tcpInput(MAX_LINE), (input) => play(input)),
      { numRuns: 150 },
    );
  });

  it('answers many lines in one packet one reply each, in order, bad ones with ERR', async () => {
    await ensureHub();
    await fc.assert(
      fc.asyncProperty(tcpLines(200), (input) => play(input)),
      { numRuns: 40 },
    );
  });

  it('cuts a device that never reads its replies after reply_timeout_ms, without delaying another device', async () => {
    const time = createVirtualTime();
    const own = await startHub({ sources: { tcp: { reply_timeout_ms: 1000, max_line_length: MAX_LINE } } } as Parameters<typeof startHub>[0], {
      components: (config, deps) => [wireTcpSource(config, deps)],
      scheduler: time.scheduler,
    });
    try {
      const ownPort = own.component<TcpSource>('TCP').address()!.port;
      const deaf = await connectLineClient(ownPort);
      clients.push(deaf);
      deaf.socket.pause(); // never reads: its replies pile up in the hub's socket
      // Short bad lines with long ERR replies: a few hundred KiB in, many MiB of replies owed.
      const flood = linesBytes(fc.sample(badTcpLine(2), { seed: 14, numRuns: 30_000 }));
      let sent = 0;
      // The hub stops reading the deaf device, so its own writes back up: proof the hub buffers a bounded amount.
      await waitFor(() => {
        if (deaf.socket.writableLength < 1 << 20 && sent < 200) {
          deaf.socket.write(flood);
          sent++;
        }
        return deaf.socket.writableLength >= 1 << 20;
      }, 'the hub to stop reading the deaf device');
      const other = await connectLineClient(ownPort);
      clients.push(other);
      other.write(`${VALID_LINE}\n`);
      expect((await other.waitForReplies(1))[0]).to.match(/^OK \d+$/);
      expect(deaf.socket.destroyed).to.equal(false);
      time.advance(1000);
      await waitFor(
        () => deaf.socket.destroyed || deaf.socket.readableEnded || (deaf.socket as { closed?: boolean }).closed === true,
        'the deaf device to be cut',
      );
      other.write(`${VALID_LINE}\n`);
      expect((await other.waitForReplies(2))[1]).to.match(/^OK \d+$/);
    } finally {
      await own.stop();
    }
  });
});
