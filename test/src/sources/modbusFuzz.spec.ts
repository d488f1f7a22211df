import { expect } from 'chai';
import fc from 'fast-check';
import { wireModbusSource } from '../../../src/runtime/components';
import type { ModbusSource } from '../../../src/sources/modbus/modbusSource';
import { startHub, type TestHub } from '../../helpers/hub';
import { cuts, modbusGarbage, modbusInput, splitAt, type ModbusExpect } from '../../helpers/fuzzInputs';
import { requirePeers } from '../../helpers/peers';
import { exchange, mbReadUntil, mbWrite, type Seen } from './modbusClients';

const answered = (expect_: ModbusExpect) => (seen: Seen) => (expect_.kind === 'close' ? seen.closed : seen.bytes.length >= 9 || seen.closed);

function check(seen: Seen, want: ModbusExpect, transactionId: number): void {
  if (want.kind === 'close') return void expect(seen, 'closed, nothing answered').to.deep.include({ closed: true, bytes: Buffer.alloc(0) });
  expect(seen.bytes.length, `an answer (closed=${seen.closed})`).to.be.at.least(9);
  expect(seen.bytes.readUInt16BE(0), 'transaction id').to.equal(transactionId);
  expect(seen.bytes.readUInt16BE(2), 'protocol id').to.equal(0);
  expect(seen.bytes.readUInt16BE(4), 'length').to.equal(seen.bytes.length - 6);
  if (want.kind === 'exception') expect([...seen.bytes.subarray(7, 9)], 'exception').to.deep.equal([want.fc, want.code]);
  else expect(seen.bytes[7], 'function code').to.equal(want.fc);
}

describe('Modbus TCP source under malformed frames (property tests)', () => {
  requirePeers('mbpoll');
  let hub: TestHub | undefined;
  let port = 0;

  before(async () => {
    hub = await startHub({}, { components: (config, deps) => [wireModbusSource(config, deps)] });
    port = hub.component<ModbusSource>('MODBUS').address()!.port;
  });
  after(async () => hub?.stop());

  /** A real client's write still works, and its trigger is acknowledged. */
  let presses = 0;
  async function realClientWorks(): Promise<void> {
    await mbWrite(port, 0, 7, 0);
    await mbWrite(port, 0, 7, 1); // Fog.Burst's coil: a rising edge
    presses++;
    await mbReadUntil(port, 3, 2, 2, ([hi, lo]) => hi * 65536 + lo === presses); // accepted count
  }

  it('answers every function code, quantity, address and length with its exception or answer, or closes a non-Modbus stream', async () => {
    await fc.assert(
      fc.asyncProperty(modbusInput, async (input) => {
        const seen = await exchange(port, [input.bytes], answered(input.expect));
        check(seen, input.expect, (input.bytes[0] << 8) | input.bytes[1]);
      }),
      { numRuns: 300 },
    );
    await realClientWorks();
  });

  it('answers the same when the frame is split across packets', async () => {
    await fc.assert(
      fc.asyncProperty(
        modbusInput.chain((input) => cuts(input.bytes.length).map((at) => ({ input, at }))),
        async ({ input, at }) => {
          const seen = await exchange(port, splitAt(input.bytes, at), answered(input.expect));
          check(seen, input.expect, (input.bytes[0] << 8) | input.bytes[1]);
        },
      ),
      { numRuns: 150 },
    );
    await realClientWorks();
  });

  it('survives truncated headers, incomplete requests and garbage followed by a close; a real client then still writes', async () => {
    await fc.assert(
      fc.asyncProperty(modbusGarbage, async (bytes) => {
        const seen = await exchange(port, [bytes], (s) => s.closed, true);
        expect(seen.closed).to.equal(true);
      }),
      { numRuns: 150 },
    );
    await realClientWorks();
    expect(hub!.component<ModbusSource>('MODBUS').health()).to.deep.include({ state: 'ok' });
  });
});
