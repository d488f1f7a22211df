import { parseAddress } from '../config/ipBlocks';

/**
 * True for an address of this machine's loopback: 127.0.0.0/8, ::1, and IPv4-mapped loopback
 * (`::ffff:127.0.0.1`, as a dual-stack socket reports an IPv4 peer). Anything unparsable is not.
 */
export function isLoopback(address: string | undefined): boolean {
  return address !== undefined && parseAddress(address, true)?.range() === 'loopback';
}
