import ipaddr from 'ipaddr.js';

/**
 * True for an address of this machine's loopback: 127.0.0.0/8, ::1, and IPv4-mapped loopback
 * (`::ffff:127.0.0.1`, as a dual-stack socket reports an IPv4 peer). Anything unparsable is not.
 */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  // Dotted quads only: ipaddr.js alone also reads legacy forms (`127.1`), which no socket reports.
  if (bare.includes(':') ? !ipaddr.IPv6.isValid(bare) : !ipaddr.IPv4.isValidFourPartDecimal(bare)) return false;
  let parsed = ipaddr.parse(bare);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  return parsed.range() === 'loopback';
}
