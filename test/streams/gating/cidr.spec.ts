import { expect } from 'chai';
import { cidrContains, isCidrError, parseCidr, parseIp, type Cidr } from '../../../streams/gating/cidr';

function cidr(text: string): Cidr {
  const parsed = parseCidr(text);
  if (isCidrError(parsed)) throw new Error(`test setup: ${parsed.error}`);
  return parsed;
}

function contains(block: string, address: string): boolean {
  const ip = parseIp(address);
  if (ip === null) throw new Error(`test setup: ${address} is not an address`);
  return cidrContains(cidr(block), ip);
}

describe('cidr', () => {
  describe('parseIp', () => {
    it('parses IPv4 into one word', () => {
      expect(parseIp('192.168.1.10')).to.deep.equal({ family: 4, words: [(192 << 24) | (168 << 16) | (1 << 8) | 10] });
      expect(parseIp('0.0.0.0')).to.deep.equal({ family: 4, words: [0] });
      expect(parseIp('255.255.255.255')).to.deep.equal({ family: 4, words: [-1] });
    });
    it('parses IPv6 into four words, expanding ::', () => {
      expect(parseIp('::1')).to.deep.equal({ family: 6, words: [0, 0, 0, 1] });
      expect(parseIp('::')).to.deep.equal({ family: 6, words: [0, 0, 0, 0] });
      expect(parseIp('2001:db8::ff00:42:8329')).to.deep.equal({ family: 6, words: [0x20010db8, 0, 0xff00, 0x00428329] });
      expect(parseIp('2001:DB8:0:0:0:0:0:1')).to.deep.equal(parseIp('2001:db8::1'));
    });
    it('reads an IPv4-mapped IPv6 address as the IPv4 address', () => {
      expect(parseIp('::ffff:10.1.2.3')).to.deep.equal(parseIp('10.1.2.3'));
      expect(parseIp('::FFFF:a01:203')).to.deep.equal(parseIp('10.1.2.3'));
      expect(parseIp('0:0:0:0:0:ffff:10.1.2.3')).to.deep.equal(parseIp('10.1.2.3'));
    });
    it('drops a zone and brackets from a remote address', () => {
      expect(parseIp('fe80::1%eth0')).to.deep.equal(parseIp('fe80::1'));
      expect(parseIp('[::1]')).to.deep.equal(parseIp('::1'));
    });
    for (const bad of [
      '', '1.2.3', '1.2.3.4.5', '256.0.0.1', '01.2.3.4', '1.2.3.-1', 'a.b.c.d', '1.2.3.4 ',
      ':::', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '12345::', 'g::1', '1.2.3.4::', '::1.2.3',
    ]) {
      it(`refuses ${JSON.stringify(bad)}`, () => {
        expect(parseIp(bad)).to.equal(null);
      });
    }
  });

  describe('parseCidr', () => {
    it('reads a bare address as a single host (/32, /128)', () => {
      expect(cidr('10.0.0.1')).to.include({ family: 4, prefix: 32 });
      expect(cidr('::1')).to.include({ family: 6, prefix: 128 });
    });
    it('masks host bits written in the network part', () => {
      expect(cidr('10.1.2.3/8').network).to.deep.equal(cidr('10.0.0.0/8').network);
    });
    it('turns an IPv4-mapped block into the IPv4 block it covers', () => {
      expect(cidr('::ffff:10.0.0.0/104')).to.deep.include({ family: 4, prefix: 8, network: cidr('10.0.0.0/8').network });
    });
    for (const [bad, why] of [
      ['10.0.0.0/33', 'prefix'],
      ['::/129', 'prefix'],
      ['10.0.0.0/', 'prefix'],
      ['10.0.0.0/-1', 'prefix'],
      ['10.0.0.0/8/8', 'prefix'],
      ['10.0.0.0/ab', 'prefix'],
      ['::ffff:10.0.0.0/95', '96'],
      ['10.0.0', 'not an IPv4 or IPv6 address'],
      ['fe80::1%eth0/64', 'not an IPv4 or IPv6 address'],
      ['localhost', 'not an IPv4 or IPv6 address'],
    ]) {
      it(`returns an error value for ${JSON.stringify(bad)}`, () => {
        const parsed = parseCidr(bad);
        expect(isCidrError(parsed), JSON.stringify(parsed)).to.equal(true);
        expect(parsed).to.have.property('text', bad);
        expect((parsed as { error: string }).error).to.contain(why);
      });
    }
  });

  describe('cidrContains', () => {
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
      expect(contains('10.0.0.1', '10.0.0.1')).to.equal(true);
      expect(contains('10.0.0.1', '10.0.0.2')).to.equal(false);
    });
    it('matches the high half of the IPv4 space (sign bit set)', () => {
      expect(contains('128.0.0.0/1', '200.1.1.1')).to.equal(true);
      expect(contains('128.0.0.0/1', '127.255.255.255')).to.equal(false);
    });
    it('matches IPv6 across word boundaries', () => {
      expect(contains('2001:db8::/32', '2001:db8:ffff::1')).to.equal(true);
      expect(contains('2001:db8::/32', '2001:db9::')).to.equal(false);
      expect(contains('2001:db8:0:8000::/49', '2001:db8:0:ffff::1')).to.equal(true);
      expect(contains('2001:db8:0:8000::/49', '2001:db8:0:7fff::1')).to.equal(false);
      expect(contains('::/0', 'fe80::1')).to.equal(true);
      expect(contains('::1', '::1')).to.equal(true);
      expect(contains('::1', '::2')).to.equal(false);
    });
    it('matches an IPv4-mapped remote against IPv4 rules, and the reverse', () => {
      expect(contains('10.0.0.0/8', '::ffff:10.9.8.7')).to.equal(true);
      expect(contains('10.0.0.0/8', '::ffff:11.0.0.1')).to.equal(false);
      expect(contains('::ffff:127.0.0.1', '127.0.0.1')).to.equal(true);
    });
    it('never matches across families', () => {
      expect(contains('0.0.0.0/0', '::1')).to.equal(false);
      expect(contains('::/0', '127.0.0.1')).to.equal(false);
    });
  });
});
