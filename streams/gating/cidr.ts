/**
 * An IP address as 32-bit words: one word for IPv4, four for IPv6. An IPv4-mapped IPv6 address
 * (`::ffff:1.2.3.4`) is parsed as the IPv4 address it carries, so IPv4 rules match it.
 */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly words: readonly number[];
}

/** A parsed CIDR block (`10.0.0.0/8`, `fe80::/10`; a bare address is /32 or /128). */
export interface Cidr {
  readonly family: 4 | 6;
  readonly prefix: number;
  /** The network words, already masked (host bits in the text are ignored). */
  readonly network: readonly number[];
  readonly masks: readonly number[];
  /** As written in the config, for messages. */
  readonly text: string;
}

/** What `parseCidr` returns for text that is not a CIDR block. */
export interface CidrError {
  readonly error: string;
  readonly text: string;
}

/** True when `parseCidr` failed. */
export function isCidrError(value: Cidr | CidrError): value is CidrError {
  return 'error' in value;
}

/**
 * Parses `address[/prefix]`. Returns a `CidrError` (never throws) so the config loader can report
 * every bad entry at start. An IPv4-mapped block with prefix ≥ 96 becomes the IPv4 block it covers.
 */
export function parseCidr(text: string): Cidr | CidrError {
  if (typeof text !== 'string') return { error: 'a CIDR block must be a string', text: String(text) };
  const slash = text.indexOf('/');
  const addressText = (slash < 0 ? text : text.slice(0, slash)).trim();
  const address = parseIp(addressText, false);
  if (address === null) return { error: `'${addressText}' is not an IPv4 or IPv6 address`, text };
  const mapped = address.family === 4 && addressText.includes(':');
  const bits = address.family === 4 ? 32 : 128;
  let prefix = bits;
  if (slash >= 0) {
    const prefixText = text.slice(slash + 1).trim();
    const fullBits = mapped ? 128 : bits;
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > fullBits) {
      return { error: `prefix '${prefixText}' must be a whole number from 0 to ${fullBits}`, text };
    }
    prefix = Number(prefixText);
    if (mapped) {
      if (prefix < 96) return { error: 'an IPv4-mapped block needs a prefix of at least 96', text };
      prefix -= 96;
    }
  }
  const masks = address.words.map((_, i) => maskWord(prefix - 32 * i));
  const network = address.words.map((w, i) => w & masks[i]);
  return { family: address.family, prefix, network, masks, text };
}

/** True when `address` lies inside `cidr` (families must agree; mapped IPv4 counts as IPv4). */
export function cidrContains(cidr: Cidr, address: IpAddress): boolean {
  if (cidr.family !== address.family) return false;
  for (let i = 0; i < cidr.network.length; i++) {
    if ((address.words[i] & cidr.masks[i]) !== cidr.network[i]) return false;
  }
  return true;
}

/**
 * Parses an IPv4 or IPv6 address as a transport reports it; null when it is neither. A zone
 * (`fe80::1%eth0`) is dropped for remote addresses (`allowZone`), refused in config.
 */
export function parseIp(text: string, allowZone = true): IpAddress | null {
  if (typeof text !== 'string') return null;
  if (!text.includes(':')) {
    const v4 = parseIpv4(text);
    return v4 === null ? null : { family: 4, words: [v4] };
  }
  let body = text;
  const zone = body.indexOf('%');
  if (zone >= 0) {
    if (!allowZone) return null;
    body = body.slice(0, zone);
  }
  if (body.startsWith('[') && body.endsWith(']')) body = body.slice(1, -1);
  const words = parseIpv6(body);
  if (words === null) return null;
  if (words[0] === 0 && words[1] === 0 && words[2] === 0xffff) return { family: 4, words: [words[3]] };
  return { family: 6, words };
}

/** Signed 32-bit, like every `&` result, so the comparison in `cidrContains` needs no conversion. */
function parseIpv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    // Leading zeros are refused: some stacks read them as octal, so `010` would be ambiguous.
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = (value << 8) | octet;
  }
  return value | 0;
}

function parseIpv6(text: string): number[] | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  // A dotted IPv4 may only end the address, so the head of a `::` split may not hold one.
  const head = groups(halves[0], halves.length === 1);
  const tail = halves.length === 2 ? groups(halves[1], true) : [];
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const words: number[] = [];
  for (let i = 0; i < 8; i += 2) words.push(((all[i] << 16) | all[i + 1]) | 0);
  return words;
}

/** Hex groups of one side of `::`; a trailing dotted IPv4 counts as two groups. */
function groups(text: string, mayEndInIpv4: boolean): number[] | null {
  if (text === '') return [];
  const parts = text.split(':');
  const out: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (mayEndInIpv4 && i === parts.length - 1 && part.includes('.')) {
      const v4 = parseIpv4(part);
      if (v4 === null) return null;
      out.push((v4 >>> 16) & 0xffff, v4 & 0xffff);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) {
      out.push(parseInt(part, 16));
    } else {
      return null;
    }
  }
  return out;
}

function maskWord(bits: number): number {
  if (bits <= 0) return 0;
  if (bits >= 32) return -1;
  return (-1 << (32 - bits)) | 0;
}
