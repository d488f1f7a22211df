import { expect } from 'chai';
import { formatDecision, formatError } from '../../../streams/sources/formatReply';
import { event, raw } from '../fixtures';

describe('formatReply', () => {
  it('answers an acceptance with OK and its seq', () => {
    expect(formatDecision({ accepted: true, input: raw('Phone.Button'), event: event('Phone.Button', { seq: 42 }) })).to.equal('OK 42\n');
  });

  it('answers a rejection with ERR, its reason and its message', () => {
    const line = formatDecision({ accepted: false, input: raw('Phone.Button'), reason: 'cooldown', message: 'Source TCP is cooling down' });
    expect(line).to.equal('ERR cooldown Source TCP is cooling down\n');
  });

  it('keeps the reply on one printable line and bounds its length', () => {
    expect(formatError('unknown_trigger', "Trigger 'a\rb\u0000' not found")).to.equal("ERR unknown_trigger Trigger 'a b ' not found\n");
    const long = formatError('bad_line', 'x'.repeat(1000));
    expect(long).to.have.length('ERR bad_line '.length + 300 + '…\n'.length);
    expect(long.indexOf('\n')).to.equal(long.length - 1);
  });
});
