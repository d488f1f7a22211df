import * as dgram from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { TargetVerdict } from '../security/allowedHosts';

/** A UDP socket connected to one address, and that address (`127.0.0.1:9001`) for the status. */
export interface OpenedDatagram {
  readonly socket: dgram.Socket;
  readonly target: string;
}

/** Opens a connected UDP socket to host:port; rejects (with a `code`) when it cannot. */
export type DatagramFactory = (options: { host: string; port: number }) => Promise<OpenedDatagram>;

/** Every address of a host (an address stands for itself). */
export type ResolveAll = (host: string) => Promise<string[]>;

const resolveAll: ResolveAll = async (host) => (isIP(host) ? [host] : (await dnsLookup(host, { all: true, verbatim: true })).map((a) => a.address));

/**
 * UDP sockets that send only to allowed addresses: the host is resolved once per open, the first
 * address `allowed` passes is the one the socket connects to (so every datagram of its life goes
 * there, and the kernel reports ICMP refusals on it), and with none the open fails `ENOTALLOWED`
 * before any datagram. Without `allowed`, the first address the host resolves to.
 */
export function datagramFactory(allowed?: (address: string) => Promise<TargetVerdict>, resolve: ResolveAll = resolveAll): DatagramFactory {
  return async ({ host, port }) => {
    const addresses = await resolve(host);
    let address: string | undefined;
    let refusal: string | undefined;
    for (const candidate of addresses) {
      const verdict = allowed ? await allowed(candidate) : ({ ok: true } as const);
      if (verdict.ok) {
        address = candidate;
        break;
      }
      refusal ??= verdict.error;
    }
    if (address === undefined) {
      throw Object.assign(new Error(`${host} resolves to no allowed address: ${refusal ?? 'no address'}`), { code: 'ENOTALLOWED' });
    }
    const socket = dgram.createSocket(isIP(address) === 6 ? 'udp6' : 'udp4');
    await new Promise<void>((done, fail) => {
      socket.once('error', fail);
      socket.connect(port, address, () => {
        socket.off('error', fail);
        done();
      });
    }).catch((error: unknown) => {
      socket.close();
      throw error;
    });
    return { socket, target: isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}` };
  };
}
