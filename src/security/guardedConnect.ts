import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import * as net from 'node:net';
import type { SocketFactory } from '../services/actorContracts';
import type { TargetVerdict } from './allowedHosts';

/** `dns.lookup`'s callback form, as `net.connect` calls its `lookup` option. */
type Lookup = (
  hostname: string,
  options: LookupOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
) => void;

/**
 * Service sockets that connect only to allowed addresses. A registration's host is checked when
 * it is registered, but the actor connects by name, again at every reconnection: a name whose
 * answer changed since (DNS rebinding, a moved host) would take the hub somewhere the check never
 * saw. Here the addresses the socket is about to use are checked too: those outside
 * `services.allowed_hosts` are dropped, and with none left the socket fails with `ENOTALLOWED`
 * before any packet is sent.
 */
export function guardedConnect(allowed: (address: string) => Promise<TargetVerdict>, lookup: Lookup = dnsLookup as Lookup): SocketFactory {
  const guardedLookup: Lookup = (hostname, options, callback) => {
    lookup(hostname, options, (err, address, family) => {
      if (err) return callback(err, address, family);
      const all = Array.isArray(address);
      const found: LookupAddress[] = all ? address : [{ address, family: family ?? (net.isIPv6(address) ? 6 : 4) }];
      void Promise.all(found.map((a) => allowed(a.address))).then(
        (verdicts) => {
          const kept = found.filter((_, i) => verdicts[i].ok);
          if (kept.length === 0) {
            const refusal = verdicts.find((v): v is Extract<TargetVerdict, { ok: false }> => !v.ok);
            const error: NodeJS.ErrnoException = Object.assign(
              new Error(`${hostname} now resolves outside the allowed hosts: ${refusal?.error ?? 'no address'}`),
              {
                code: 'ENOTALLOWED',
              },
            );
            return callback(error, all ? [] : '', undefined);
          }
          if (all) callback(null, kept);
          else callback(null, kept[0].address, kept[0].family);
        },
        (checkErr: Error) => callback(Object.assign(checkErr, { code: 'ENOTALLOWED' }), all ? [] : '', undefined),
      );
    });
  };
  return ({ host, port }) => net.connect({ host, port, lookup: guardedLookup as net.LookupFunction });
}
