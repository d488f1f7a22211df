/**
 * A peer's address as one spelling: a dual-stack socket reports an IPv4 peer as `::ffff:1.2.3.4`,
 * a v4 socket as `1.2.3.4`. Counted per address (failed authentications, connection limits), the
 * two must be one caller.
 */
export function plainIp(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
