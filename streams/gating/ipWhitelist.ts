import type { Rejection } from '../contracts';

/** True when a remote address (as the transport reports it) is on one source's list. */
export type AllowsIp = (ip: string) => boolean;

/**
 * The allowed remote addresses per source name, each list already compiled to a predicate (the
 * config's CIDR blocks, by `src/config/compileWhitelist.ts`). The `'*'` predicate applies to every
 * source, in addition to the source's own. A source with neither accepts every address.
 */
export type IpWhitelists = Readonly<Record<string, AllowsIp>>;

/** Decides one input: null when its remote address may report for its source. */
export type IpWhitelist = (source: string, remote: string | undefined) => Rejection | null;

/**
 * Looks each source's predicates up once; the returned check only calls them per input. A source
 * with a list rejects an input without a remote address (nothing to check it against).
 */
export function createIpWhitelist(whitelists: IpWhitelists): IpWhitelist {
  const everySource = Object.prototype.hasOwnProperty.call(whitelists, '*') ? whitelists['*'] : null;
  const bySource = new Map<string, AllowsIp>();
  for (const source of Object.keys(whitelists)) {
    const allows = whitelists[source];
    if (source !== '*') bySource.set(source, everySource === null ? allows : (ip) => allows(ip) || everySource(ip));
  }
  return (source, remote) => {
    const allows = bySource.get(source) ?? everySource;
    if (allows === null || (remote !== undefined && allows(remote))) return null;
    return {
      reason: 'not_whitelisted',
      message:
        remote === undefined
          ? `Source ${source} only accepts whitelisted addresses and the remote address is unknown`
          : `Address ${remote} is not whitelisted for source ${source}`,
    };
  };
}
