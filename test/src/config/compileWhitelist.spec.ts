import { expect } from 'chai';
import { compileWhitelist, whitelistErrors } from '../../../src/config/compileWhitelist';

/** Whether `address` may report under a whitelist of the one `block`. */
function contains(block: string, address: string): boolean {
  return compileWhitelist({ T: [block] }).T(address);
}

/** Why `entry` is refused: the text in parentheses of its one whitelist error. */
function whyRefused(entry: string): string {
  const errors = whitelistErrors({ T: [entry] });
  expect(errors, entry).to.have.length(1);
  expect(errors[0].startsWith(`T: ${entry} (`), errors[0]).to.equal(true);
  return errors[0];
}

describe('compileWhitelist', () => {
  describe('blocks', () => {
    it('matches IPv4 at both ends of a block and not one past them', () => {
      expect(contains('192.168.1.0/24', '192.168.1.0')).to.equal(true);
      expect(contains('192.168.1.0/24', '192.168.1.255')).to.equal(true);
      expect(contains('192.168.1.0/24', '192.168.0.255')).to.equal(false);
      expect(contains('192.168.1.0/24', '192.168.2.0')).to.equal(false);
    });
    it('handles prefixes that do not fall on an octet, and /0 and /32', () => {
      expect(contains('10.0.0.0/13', '10.7.255.255')).to.equal(true);
      expect(contains('10.0.0.0/13', '10.8.0.0')).to.equal(false);
      expect(contains('0.0.0.0/0', '203.0.113.9')).to.equal(true);
      expect(contains('10.0.0.1/32', '10.0.0.1')).to.equal(true);
      expect(contains('10.0.0.1/32', '10.0.0.2')).to.equal(false);
    });
    it('reads a bare address as a single host (/32, /128)', () => {
      expect(contains('10.0.0.1', '10.0.0.1')).to.equal(true);
      expect(contains('10.0.0.1', '10.0.0.0')).to.equal(false);
      expect(contains('::1', '::1')).to.equal(true);
      expect(contains('::1', '::2')).to.equal(false);
    });
    it('ignores host bits written in the network part', () => {
      expect(contains('10.1.2.3/8', '10.200.0.1')).to.equal(true);
      expect(contains('10.1.2.3/8', '11.0.0.0')).to.equal(false);
    });
    it('matches the high half of the IPv4 space', () => {
      expect(contains('128.0.0.0/1', '200.1.1.1')).to.equal(true);
      expect(contains('128.0.0.0/1', '127.255.255.255')).to.equal(false);
    });
    it('matches IPv6 across word boundaries, in any spelling', () => {
      expect(contains('2001:db8::/32', '2001:db8:ffff::1')).to.equal(true);
      expect(contains('2001:db8::/32', '2001:db9::')).to.equal(false);
      expect(contains('2001:db8:0:8000::/49', '2001:db8:0:ffff::1')).to.equal(true);
      expect(contains('2001:db8:0:8000::/49', '2001:db8:0:7fff::1')).to.equal(false);
      expect(contains('::/0', 'fe80::1')).to.equal(true);
      expect(contains('2001:DB8:0:0:0:0:0:1', '2001:db8::1')).to.equal(true);
    });
    it('matches an IPv4-mapped IPv6 remote against IPv4 blocks, and a mapped entry against IPv4 remotes', () => {
      expect(contains('127.0.0.1', '::ffff:127.0.0.1')).to.equal(true);
      expect(contains('127.0.0.1', '::ffff:127.0.0.2')).to.equal(false);
      expect(contains('10.0.0.0/8', '::ffff:10.9.8.7')).to.equal(true);
      expect(contains('10.0.0.0/8', '::FFFF:a01:203')).to.equal(true);
      expect(contains('10.0.0.0/8', '0:0:0:0:0:ffff:10.1.2.3')).to.equal(true);
      expect(contains('10.0.0.0/8', '::ffff:11.0.0.1')).to.equal(false);
      expect(contains('::ffff:127.0.0.1', '127.0.0.1')).to.equal(true);
      expect(contains('::ffff:10.0.0.0/104', '10.255.0.1')).to.equal(true);
      expect(contains('::ffff:10.0.0.0/104', '11.0.0.1')).to.equal(false);
    });
    it('never matches across families', () => {
      expect(contains('0.0.0.0/0', '::1')).to.equal(false);
      expect(contains('::/0', '127.0.0.1')).to.equal(false);
    });
    it('drops a zone and brackets from a remote address', () => {
      expect(contains('fe80::/10', 'fe80::1%eth0')).to.equal(true);
      expect(contains('::1', '[::1]')).to.equal(true);
    });
    for (const bad of [
      '',
      '1.2.3',
      '10.1',
      '1.2.3.4.5',
      '256.0.0.1',
      '01.2.3.4',
      '010.0.0.1',
      '0x7f.0.0.1',
      '1.2.3.-1',
      'a.b.c.d',
      '1.2.3.4 ',
      ':::',
      '1::2::3',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7',
      '12345::',
      'g::1',
      '1.2.3.4::',
      '::1.2.3',
      '::ffff:01.2.3.4',
    ]) {
      it(`matches no block for the remote ${JSON.stringify(bad)}, which is not an address`, () => {
        expect(contains('0.0.0.0/0', bad) || contains('::/0', bad)).to.equal(false);
      });
    }
  });

  describe('whitelistErrors', () => {
    for (const [bad, why] of [
      ['10.0.0.0/33', "prefix '33' must be a whole number from 0 to 32"],
      ['::/129', "prefix '129' must be a whole number from 0 to 128"],
      ['10.0.0.0/', "prefix '' must be"],
      ['10.0.0.0/-1', "prefix '-1' must be"],
      ['10.0.0.0/8/8', "prefix '8/8' must be"],
      ['10.0.0.0/ab', "prefix 'ab' must be"],
      ['::ffff:10.0.0.0/129', 'from 0 to 128'],
      ['::ffff:10.0.0.0/95', 'an IPv4-mapped block needs a prefix of at least 96'],
      ['10.0.0', "'10.0.0' is not an IPv4 or IPv6 address"],
      ['010.0.0.0/8', "'010.0.0.0' is not an IPv4 or IPv6 address"],
      ['fe80::1%eth0/64', "'fe80::1%eth0' is not an IPv4 or IPv6 address"],
      ['localhost', "'localhost' is not an IPv4 or IPv6 address"],
    ]) {
      it(`refuses ${JSON.stringify(bad)}, saying why`, () => {
        expect(whyRefused(bad)).to.contain(why);
      });
    }

    it('lists every invalid entry, source by source, and nothing for valid ones', () => {
      const config = { TCP: ['10.0.0.0/8', '10.0.0.0/40'], WEB: ['nope'] };
      expect(whitelistErrors(config)).to.deep.equal([
        "TCP: 10.0.0.0/40 (prefix '40' must be a whole number from 0 to 32)",
        "WEB: nope ('nope' is not an IPv4 or IPv6 address)",
      ]);
      expect(whitelistErrors({ TCP: ['10.0.0.0/8', '::1', ' 192.168.0.0 / 16 ', '[::1]/128', '10.0.0.0/08'] })).to.deep.equal([]);
      expect(whitelistErrors({ TCP: [42 as unknown as string] })).to.deep.equal(['TCP: 42 (a CIDR block must be a string)']);
    });

    it('is what compileWhitelist refuses to compile', () => {
      expect(() => compileWhitelist({ TCP: ['10.0.0.0/8', '10.0.0.0/40'], WEB: ['nope'] })).to.throw(/Invalid IP whitelist: TCP: 10\.0\.0\.0\/40.*WEB: nope/);
    });
  });

  describe('lists', () => {
    it('compiles one predicate per source, "*" included; an empty list allows nobody', () => {
      const whitelists = compileWhitelist({ '*': ['127.0.0.1'], TCP: ['10.0.0.0/8', '::1'], WEB: [] });
      expect(Object.keys(whitelists)).to.deep.equal(['*', 'TCP', 'WEB']);
      expect(whitelists.TCP('10.1.1.1')).to.equal(true);
      expect(whitelists.TCP('::1')).to.equal(true);
      expect(whitelists.TCP('127.0.0.1')).to.equal(false);
      expect(whitelists['*']('127.0.0.1')).to.equal(true);
      expect(whitelists.WEB('127.0.0.1')).to.equal(false);
    });
  });
});
