import ipaddr from 'ipaddr.js';

/** An address of either family; an IPv4-mapped IPv6 address is read as the IPv4 one it carries. */
export type Address = ipaddr.IPv4 | ipaddr.IPv6;
/** A CIDR block: its network address and prefix length. */
export type Block = [Address, number];

/**
 * True when `address` lies in one of `blocks`. Only blocks of its own family are tried
 * (ipaddr.js's `match` throws across families).
 */
export function inBlocks(address: Address, blocks: readonly Block[]): boolean {
  return blocks.some(([network, prefix]) => network.kind() === address.kind() && address.match(network, prefix));
}

/**
 * `address[/prefix]` as a block, or why it is not one. A bare address is /32 or /128; host bits
 * are ignored; an IPv4-mapped block with prefix ≥ 96 becomes the IPv4 block it covers.
 */
export function parseBlock(text: unknown): Block | string {
  if (typeof text !== 'string') return 'a CIDR block must be a string';
  const slash = text.indexOf('/');
  const addressText = (slash < 0 ? text : text.slice(0, slash)).trim();
  const address = parseAddress(addressText, false);
  if (address === null) return `'${addressText}' is not an IPv4 or IPv6 address`;
  const mapped = address.kind() === 'ipv4' && addressText.includes(':');
  const bits = address.kind() === 'ipv4' ? 32 : 128;
  if (slash < 0) return [address, bits];
  const prefixText = text.slice(slash + 1).trim();
  const writtenBits = mapped ? 128 : bits;
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > writtenBits) return `prefix '${prefixText}' must be a whole number from 0 to ${writtenBits}`;
  const prefix = Number(prefixText);
  if (!mapped) return [address, prefix];
  return prefix < 96 ? 'an IPv4-mapped block needs a prefix of at least 96' : [address, prefix - 96];
}

/**
 * Parses an address strictly, an IPv4-mapped one as the IPv4 address it carries; null when it is
 * neither IPv4 nor IPv6. ipaddr.js alone also reads the legacy IPv4 forms (`10.1` is 10.0.0.1,
 * `010` is octal 8), which no transport reports and a config should not be read as, so dotted
 * quads must be four plain decimals. A zone (`fe80::1%eth0`) is dropped for remote addresses
 * (`allowZone`), refused in config.
 */
export function parseAddress(text: string, allowZone: boolean): Address | null {
  if (!text.includes(':')) return ipaddr.IPv4.isValidFourPartDecimal(text) ? ipaddr.IPv4.parse(text) : null;
  const body = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if ((!allowZone && body.includes('%')) || !ipaddr.IPv6.isValid(body)) return null;
  const bare = body.split('%')[0];
  const tail = bare.slice(bare.lastIndexOf(':') + 1);
  if (tail.includes('.') && !ipaddr.IPv4.isValidFourPartDecimal(tail)) return null;
  const address = ipaddr.IPv6.parse(body);
  return address.isIPv4MappedAddress() ? address.toIPv4Address() : address;
}
