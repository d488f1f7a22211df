import { expect } from 'chai';
import { splitLines } from '../../../streams/sources/splitLines';

describe('splitLines', () => {
  it('returns the complete lines and carries the unfinished rest into the next chunk', () => {
    const first = splitLines('', 'Door.Sensor On 1\nFog.Bu', 64);
    expect(first).to.deep.equal({ lines: ['Door.Sensor On 1'], carry: 'Fog.Bu', tooLong: false });
    const second = splitLines(first.carry, 'rst\n', 64);
    expect(second).to.deep.equal({ lines: ['Fog.Burst'], carry: '', tooLong: false });
  });

  it('strips \\r of CRLF endings, also when the \\r arrived at the end of the previous chunk', () => {
    expect(splitLines('', 'A\r\nB\r\n', 64).lines).to.deep.equal(['A', 'B']);
    const first = splitLines('', 'C\r', 64);
    expect(first.carry).to.equal('C\r');
    expect(splitLines(first.carry, '\n', 64).lines).to.deep.equal(['C']);
  });

  it('keeps empty lines, so each still gets its reply', () => {
    expect(splitLines('', '\n\nA\n', 64).lines).to.deep.equal(['', '', 'A']);
  });

  it('accepts a line of exactly maxLength and flags one character more, keeping the lines before it', () => {
    expect(splitLines('', `${'x'.repeat(8)}\n`, 8)).to.deep.equal({ lines: ['x'.repeat(8)], carry: '', tooLong: false });
    expect(splitLines('', `ok\n${'x'.repeat(9)}\nlater\n`, 8)).to.deep.equal({ lines: ['ok'], carry: '', tooLong: true });
  });

  it('flags an unfinished line as soon as it outgrows the bound, without waiting for its newline', () => {
    const first = splitLines('', 'x'.repeat(6), 8);
    expect(first.tooLong).to.equal(false);
    expect(splitLines(first.carry, 'xxx', 8)).to.deep.equal({ lines: [], carry: '', tooLong: true });
  });

  it('does not count a pending \\r of the line ending against the bound', () => {
    expect(splitLines('', `${'x'.repeat(8)}\r`, 8).tooLong).to.equal(false);
  });
});
