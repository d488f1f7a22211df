import { lookup as dnsLookup } from 'node:dns/promises';
import { networkInterfaces } from 'node:os';
import { inBlocks, parseAddress, parseBlock, type Block } from '../config/ipBlocks';

/** Whether a registration may point at a host, and if not, why (the answer's `error`). */
export type TargetVerdict = { readonly ok: true } | { readonly ok: false; readonly error: string };

/** Every address a host name stands for (an address stands for itself). */
export type ResolveHost = (host: string) => Promise<string[]>;

export interface AllowedHostsDeps {
  /** `services.allowed_hosts`; null: loopback plus {@link ownSubnets}. */
  readonly entries: readonly string[] | null;
  /** Default: `dns.lookup(host, { all: true })`, what the service sockets connect through. */
  readonly resolve?: ResolveHost;
  /** The machine's interfaces' CIDRs (for the default list); default from `os.networkInterfaces()`. */
  readonly subnets?: () => string[];
}

const LOOPBACK = ['127.0.0.0/8', '::1/128'];
/** RFC 1123 host names, and the single-label names of a LAN (`printer`, `localhost`). */
const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

/** The subnet of every interface of this machine (`192.168.1.0/24` for 192.168.1.20/24). */
function ownSubnets(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .map((i) => i.cidr)
    .filter((c): c is string => typeof c === 'string');
}

const defaultResolve: ResolveHost = async (host) => (await dnsLookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** A config entry as a block; null when it is none (then it may be a host name). */
function blockOf(entry: string): Block | null {
  const block = parseBlock(entry);
  return typeof block === 'string' ? null : block;
}

/** A resolved or registered address; zones and brackets are how sockets and users write them. */
const addressOf = (text: string) => parseAddress(text, true);

/** Entries of `services.allowed_hosts` that are neither a CIDR block, an address nor a host name (the config loader refuses them). */
export function allowedHostsErrors(entries: readonly string[] | null): string[] {
  return (entries ?? []).filter((e) => blockOf(e) === null && (e.includes('/') || !HOST_NAME.test(e)));
}

/**
 * The check of `services.allowed_hosts`, made before any connection: the registration's host is
 * resolved, and every address it resolves to must lie in an allowed block or be an address of an
 * allowed name (names are resolved at each check, so a moved name is followed). An address the
 * name resolves to outside the list refuses the whole registration: the socket could pick it.
 */
export function createAllowedHosts({ entries, resolve = defaultResolve, subnets = ownSubnets }: AllowedHostsDeps): (host: string) => Promise<TargetVerdict> {
  const list = entries ?? [...LOOPBACK, ...subnets()];
  const blocks = list.map(blockOf).filter((b): b is Block => b !== null);
  const names = list.filter((e) => blockOf(e) === null);
  const described = entries ? `services.allowed_hosts (${list.join(', ')})` : 'services.allowed_hosts (by default loopback and the subnets of this machine)';

  return async (host) => {
    let addresses: string[];
    try {
      addresses = addressOf(host) ? [host] : await resolve(host);
    } catch (err) {
      return {
        ok: false,
        error: `Host '${host}' could not be resolved (${(err as { code?: string }).code ?? 'lookup failed'}); registrations may only point to ${described}`,
      };
    }
    const parsed = addresses.map((text) => ({ text, address: addressOf(text) }));
    const notInBlocks = parsed.filter(({ address }) => !address || !inBlocks(address, blocks));
    // The listed names are looked up only for what the blocks did not allow: no DNS at all on a list of blocks.
    const nameAddresses = notInBlocks.length === 0 ? [] : (await Promise.all(names.map((n) => resolve(n).catch(() => [] as string[])))).flat().map(addressOf);
    const outside = notInBlocks
      .filter(({ address }) => !address || !nameAddresses.some((a) => a !== null && a.kind() === address.kind() && a.toString() === address.toString()))
      .map(({ text }) => text);
    if (outside.length === 0 && addresses.length > 0) return { ok: true };
    const where = outside.length === 1 && outside[0] === host ? `'${host}'` : `'${host}' (${outside.join(', ')})`;
    return { ok: false, error: `Host ${where} is not allowed: registrations may only point to ${described}` };
  };
}
