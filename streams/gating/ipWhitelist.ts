import type { Rejection } from '../contracts';
import { cidrContains, isCidrError, parseCidr, parseIp, type Cidr } from './cidr';

/**
 * Allowed remote addresses per source name, as CIDR blocks or bare addresses. The `'*'` list
 * applies to every source, in addition to the source's own list. A source with neither list
 * accepts every address; an empty list (and no `'*'`) accepts none.
 */
export type WhitelistConfig = Readonly<Record<string, readonly string[]>>;

/** Decides one input: null when its remote address may report for its source. */
export type IpWhitelist = (source: string, remote: string | undefined) => Rejection | null;

/** Every invalid entry of a whitelist config, as `source: text (why)`; empty when all parse. */
export function whitelistErrors(config: WhitelistConfig): string[] {
  const errors: string[] = [];
  for (const [source, entries] of Object.entries(config)) {
    for (const entry of entries) {
      const parsed = parseCidr(entry);
      if (isCidrError(parsed)) errors.push(`${source}: ${String(entry)} (${parsed.error})`);
    }
  }
  return errors;
}

/**
 * Compiles a whitelist once; the returned check parses only the remote address per input.
 * Throws on an invalid entry: the config loader reports those at start with `whitelistErrors`,
 * so reaching here with one is a programming error, not a runtime condition.
 *
 * A source with a list rejects an input without a remote address (nothing to check it against).
 */
export function createIpWhitelist(config: WhitelistConfig): IpWhitelist {
  const errors = whitelistErrors(config);
  if (errors.length > 0) throw new Error(`Invalid IP whitelist: ${errors.join('; ')}`);
  const compile = (entries: readonly string[] | undefined): Cidr[] => (entries ?? []).map((e) => parseCidr(e) as Cidr);
  const everySource = Object.prototype.hasOwnProperty.call(config, '*') ? compile(config['*']) : null;
  const bySource = new Map<string, readonly Cidr[]>();
  for (const [source, entries] of Object.entries(config)) {
    if (source !== '*') bySource.set(source, [...compile(entries), ...(everySource ?? [])]);
  }
  return (source, remote) => {
    const rules = bySource.get(source) ?? everySource;
    if (rules === null) return null;
    const address = remote === undefined ? null : parseIp(remote);
    if (address !== null) {
      for (const rule of rules) if (cidrContains(rule, address)) return null;
    }
    return {
      reason: 'not_whitelisted',
      message:
        address === null
          ? `Source ${source} only accepts whitelisted addresses and the remote address ${remote === undefined ? 'is unknown' : `'${remote}' is not an IP address`}`
          : `Address ${remote} is not whitelisted for source ${source}`,
    };
  };
}
