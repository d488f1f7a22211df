import { expect } from 'chai';
import { createIpWhitelist, type AllowsIp } from '../../../streams/gating/ipWhitelist';

/** A list's predicate as the config compiles it, here for exact addresses only. */
const only =
  (...addresses: string[]): AllowsIp =>
  (ip) =>
    addresses.includes(ip);

describe('ipWhitelist', () => {
  it('lets every address through for a source without a list when there is no "*"', () => {
    const allowed = createIpWhitelist({ TCP: only('10.0.0.1') });
    expect(allowed('HTTP', '203.0.113.9')).to.equal(null);
    expect(allowed('HTTP', undefined)).to.equal(null);
  });

  it("checks a source's own list", () => {
    const allowed = createIpWhitelist({ TCP: only('192.168.1.0', '192.168.1.255') });
    expect(allowed('TCP', '192.168.1.0')).to.equal(null);
    expect(allowed('TCP', '192.168.1.255')).to.equal(null);
    expect(allowed('TCP', '192.168.2.0')).to.deep.equal({
      reason: 'not_whitelisted',
      message: 'Address 192.168.2.0 is not whitelisted for source TCP',
    });
  });

  it('applies "*" to every source, in addition to its own list', () => {
    const allowed = createIpWhitelist({ '*': only('127.0.0.1', '::1'), TCP: only('10.1.1.1') });
    expect(allowed('TCP', '10.1.1.1')).to.equal(null);
    expect(allowed('TCP', '127.0.0.1')).to.equal(null);
    expect(allowed('HTTP', '::1')).to.equal(null);
    expect(allowed('HTTP', '10.1.1.1')).to.deep.include({ reason: 'not_whitelisted' });
    expect(allowed('MODBUS', '192.168.0.1')).to.deep.include({ reason: 'not_whitelisted' });
  });

  it('hands the remote address to the predicate as the transport reports it', () => {
    const seen: string[] = [];
    const allowed = createIpWhitelist({
      HTTP: (ip) => {
        seen.push(ip);
        return ip === '::ffff:127.0.0.1';
      },
    });
    expect(allowed('HTTP', '::ffff:127.0.0.1')).to.equal(null);
    expect(allowed('HTTP', '::ffff:127.0.0.2')).to.deep.include({ reason: 'not_whitelisted' });
    expect(seen).to.deep.equal(['::ffff:127.0.0.1', '::ffff:127.0.0.2']);
  });

  it('accepts nobody on a list that allows nobody', () => {
    expect(createIpWhitelist({ WEB: only() })('WEB', '127.0.0.1')).to.deep.include({ reason: 'not_whitelisted' });
  });

  it('rejects an input without a remote address when a list applies, without asking the list', () => {
    const allowed = createIpWhitelist({ '*': () => true });
    expect(allowed('TCP', undefined)).to.deep.equal({
      reason: 'not_whitelisted',
      message: 'Source TCP only accepts whitelisted addresses and the remote address is unknown',
    });
  });

  it('is not fooled by source names on Object.prototype', () => {
    const allowed = createIpWhitelist({ '*': only('10.0.0.1') });
    expect(allowed('constructor', '192.168.0.1')).to.deep.include({ reason: 'not_whitelisted' });
    expect(createIpWhitelist({})('toString', '192.168.0.1')).to.equal(null);
  });
});
