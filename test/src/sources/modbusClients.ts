import { DEBIAN_PYTHON } from '../../helpers/peers';
import { execFile } from 'node:child_process';
import { connect, type Socket } from 'node:net';

/** mbpoll's tables: 0 coils, 1 discrete inputs, 3 input registers, 4 holding registers. */
export type MbpollTable = 0 | 1 | 3 | 4;

export interface ToolResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program to its end (killed after `timeoutMs`), never throwing: the caller reads the code. */
export function run(file: string, args: readonly string[], timeoutMs = 10_000): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** mbpoll against 127.0.0.1:`port`, PDU (0-based) addresses, one poll, 2 s response timeout. */
export function mbpoll(port: number, table: MbpollTable, address: number, rest: readonly string[] = []): Promise<ToolResult> {
  return run('mbpoll', ['-m', 'tcp', '-p', String(port), '-0', '-1', '-o', '2', '-t', String(table), '-r', String(address), ...rest]);
}

/** Reads `count` values with mbpoll; throws with mbpoll's own words when the slave answers an exception. */
export async function mbRead(port: number, table: MbpollTable, address: number, count = 1): Promise<number[]> {
  const r = await mbpoll(port, table, address, ['-c', String(count), '127.0.0.1']);
  if (r.code !== 0) throw new Error(`mbpoll read failed (${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  return [...r.stdout.matchAll(/^\[\d+\]:\s+(-?\d+)/gm)].map((m) => Number(m[1]));
}

/** Writes one coil (table 0) or holding register (table 4) with mbpoll; throws on an exception. */
export async function mbWrite(port: number, table: 0 | 4, address: number, value: number): Promise<void> {
  const r = await mbpoll(port, table, address, ['127.0.0.1', ...(value < 0 ? ['--'] : []), String(value)]);
  if (r.code !== 0) throw new Error(`mbpoll write failed (${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
}

/** Reads until `predicate` holds (a PLC polling its acknowledge); rejects after `timeoutMs` as a failure. */
export async function mbReadUntil(
  port: number,
  table: MbpollTable,
  address: number,
  count: number,
  predicate: (v: number[]) => boolean,
  timeoutMs = 5000,
): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let last: number[] = [];
  while (Date.now() < deadline) {
    last = await mbRead(port, table, address, count);
    if (predicate(last)) return last;
  }
  throw new Error(`timed out polling table ${table} at ${address}: last read ${JSON.stringify(last)}`);
}

/**
 * Runs requests against 127.0.0.1:`port` with pymodbus and returns, per request, its values or its
 * Modbus exception code. `calls` are Python expressions on the client `c`, e.g. `c.read_coils(999, 1, slave=1)`.
 */
export async function pymodbus(port: number, calls: readonly string[]): Promise<Array<{ exception?: number; bits?: boolean[]; registers?: number[] }>> {
  const python = DEBIAN_PYTHON;
  const script = [
    'import json, sys',
    'from pymodbus.client import ModbusTcpClient',
    `c = ModbusTcpClient("127.0.0.1", port=${port}, timeout=2)`,
    'assert c.connect(), "cannot connect"',
    'out = []',
    `for r in [${calls.join(', ')}]:`,
    '    if r.isError():',
    '        out.append({"exception": getattr(r, "exception_code", -1)})',
    '    elif hasattr(r, "registers"):',
    '        out.append({"registers": list(r.registers)})',
    '    elif hasattr(r, "bits"):',
    '        out.append({"bits": [bool(b) for b in r.bits]})',
    '    else:',
    '        out.append({})',
    'c.close()',
    'print(json.dumps(out))',
  ].join('\n');
  const r = await run(python, ['-c', script]);
  if (r.code !== 0) throw new Error(`pymodbus script failed (${r.code}): ${r.stderr.trim()}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

/** What came back on a raw connection: the bytes, and whether the hub closed it. */
export interface Seen {
  readonly bytes: Buffer;
  readonly closed: boolean;
}

/** Sends `packets` one write each, then waits until `done` holds of what came back (bounded: a hang fails). */
export async function exchange(port: number, packets: readonly Uint8Array[], done: (seen: Seen) => boolean, end = false): Promise<Seen> {
  const socket: Socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  let bytes = Buffer.alloc(0);
  let closed = false;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer within 2 s; got ${bytes.toString('hex')} closed=${closed}`)), 2000);
      const check = () => {
        if (!done({ bytes, closed })) return;
        clearTimeout(timer);
        resolve();
      };
      socket.on('data', (d: Buffer) => {
        bytes = Buffer.concat([bytes, d]);
        check();
      });
      socket.on('close', () => {
        closed = true;
        check();
      });
      socket.once('connect', async () => {
        for (const p of packets) {
          socket.write(p);
          await new Promise((r) => setImmediate(r));
        }
        if (end) socket.end();
      });
    });
    return { bytes, closed };
  } finally {
    socket.destroy();
  }
}
