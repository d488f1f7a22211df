import { expect } from 'chai';
import { createIpWhitelist, whitelistErrors } from '../../../streams/gating/ipWhitelist';

describe('ipWhitelist', () => {
  it('lets every address through for a source without a list when there is no "*"', () => {
    const allowed = createIpWhitelist({ TCP: ['10.0.0.0/8'] });
    expect(allowed('HTTP', '203.0.113.9')).to.equal(null);
    expect(allowed('HTTP', undefined)).to.equal(null);
  });

  it("checks a source's own list, at the edges of its blocks", () => {
    const allowed = createIpWhitelist({ TCP: ['192.168.1.0/24'] });
    expect(allowed('TCP', '192.168.1.0')).to.equal(null);
    expect(allowed('TCP', '192.168.1.255')).to.equal(null);
    expect(allowed('TCP', '192.168.2.0')).to.deep.equal({
      reason: 'not_whitelisted',
      message: 'Address 192.168.2.0 is not whitelisted for source TCP',
    });
  });

  it('applies "*" to every source, in addition to its own list', () => {
    const allowed = createIpWhitelist({ '*': ['127.0.0.1', '::1'], TCP: ['10.0.0.0/8'] });
    expect(allowed('TCP', '10.1.1.1')).to.equal(null);
    expect(allowed('TCP', '127.0.0.1')).to.equal(null);
    expect(allowed('HTTP', '::1')).to.equal(null);
    expect(allowed('HTTP', '10.1.1.1')).to.deep.include({ reason: 'not_whitelisted' });
    expect(allowed('MODBUS', '192.168.0.1')).to.deep.include({ reason: 'not_whitelisted' });
  });

  it('matches an IPv4-mapped remote against IPv4 entries', () => {
    const allowed = createIpWhitelist({ HTTP: ['127.0.0.1'] });
    expect(allowed('HTTP', '::ffff:127.0.0.1')).to.equal(null);
    expect(allowed('HTTP', '::ffff:127.0.0.2')).to.deep.include({ reason: 'not_whitelisted' });
  });

  it('accepts nobody on an empty list', () => {
    expect(createIpWhitelist({ WEB: [] })('WEB', '127.0.0.1')).to.deep.include({ reason: 'not_whitelisted' });
  });

  it('rejects an input without a usable remote address when a list applies', () => {
    const allowed = createIpWhitelist({ '*': ['0.0.0.0/0'] });
    expect(allowed('TCP', undefined)).to.deep.equal({
      reason: 'not_whitelisted',
      message: 'Source TCP only accepts whitelisted addresses and the remote address is unknown',
    });
    expect(allowed('TCP', 'not-an-ip')).to.deep.include({ reason: 'not_whitelisted' });
  });

  it('is not fooled by source names on Object.prototype', () => {
    const allowed = createIpWhitelist({ '*': ['10.0.0.0/8'] });
    expect(allowed('constructor', '192.168.0.1')).to.deep.include({ reason: 'not_whitelisted' });
    expect(createIpWhitelist({})('toString', '192.168.0.1')).to.equal(null);
  });

  it('lists every invalid entry and refuses to compile them', () => {
    const config = { TCP: ['10.0.0.0/8', '10.0.0.0/40'], WEB: ['nope'] };
    expect(whitelistErrors(config)).to.have.length(2);
    expect(whitelistErrors(config)[0]).to.match(/^TCP: 10\.0\.0\.0\/40 \(/);
    expect(() => createIpWhitelist(config)).to.throw(/Invalid IP whitelist: TCP: 10\.0\.0\.0\/40.*WEB: nope/);
    expect(whitelistErrors({ TCP: ['10.0.0.0/8', '::1'] })).to.deep.equal([]);
  });
});
