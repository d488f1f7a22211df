import type { AllowsIp, IpWhitelists } from '../../streams/gating/ipWhitelist';
import { inBlocks, parseAddress, parseBlock, type Block } from './ipBlocks';

/**
 * The config's `trigger.gating.whitelist`: allowed remote addresses per source name, as CIDR
 * blocks or bare addresses. The `'*'` list applies to every source, in addition to the source's
 * own. A source with neither list accepts every address; an empty list (and no `'*'`) accepts none.
 */
export type WhitelistConfig = Readonly<Record<string, readonly string[]>>;

/**
 * Every invalid entry of a whitelist config, as `source: text (why)`; empty when all parse. The
 * config loader reports them at start, so a hub never runs on a list it reads differently.
 */
export function whitelistErrors(config: WhitelistConfig): string[] {
  return parseLists(config).errors;
}

/** Each source's blocks, parsed once, and every entry that is not one. */
function parseLists(config: WhitelistConfig): { readonly lists: ReadonlyArray<readonly [string, Block[]]>; readonly errors: string[] } {
  const errors: string[] = [];
  const lists = Object.entries(config).map(([source, entries]) => {
    const blocks: Block[] = [];
    for (const entry of entries) {
      const block = parseBlock(entry);
      if (typeof block === 'string') errors.push(`${source}: ${String(entry)} (${block})`);
      else blocks.push(block);
    }
    return [source, blocks] as const;
  });
  return { lists, errors };
}

/**
 * Compiles each source's list to the predicate the gateway calls per input. Throws on an invalid
 * entry: the config loader refuses those at start ({@link whitelistErrors}), so reaching here with
 * one is a programming error.
 */
export function compileWhitelist(config: WhitelistConfig): IpWhitelists {
  const { lists, errors } = parseLists(config);
  if (errors.length > 0) throw new Error(`Invalid IP whitelist: ${errors.join('; ')}`);
  return Object.fromEntries(lists.map(([source, blocks]) => [source, matcher(blocks)]));
}

/**
 * One list as a predicate: true when the address lies in one of its blocks. An address is only
 * matched against blocks of its own family (ipaddr.js's `match` throws across families); an
 * IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, as a dual-stack socket reports IPv4 peers) counts
 * as IPv4.
 */
function matcher(blocks: readonly Block[]): AllowsIp {
  return (ip) => {
    const address = parseAddress(ip, true);
    return address !== null && inBlocks(address, blocks);
  };
}
