import { expect } from 'chai';
import { parseTimeArg } from '../../../src/cli/timeArg';

describe('cli/timeArg', () => {
  const NOW = Date.UTC(2026, 11, 2, 12, 0, 0);
  let tz: string | undefined;
  beforeEach(() => {
    tz = process.env.TZ;
    // Ten hours behind UTC, so local and UTC midnight are far apart.
    process.env.TZ = 'Pacific/Honolulu';
  });
  afterEach(() => {
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
  });

  it('reads a date alone as local midnight, as a date and time without a zone is local', () => {
    expect(parseTimeArg('2026-12-02T00:00', NOW)).to.equal(Date.UTC(2026, 11, 2, 10, 0));
    expect(parseTimeArg('2026-12-02', NOW)).to.equal(Date.UTC(2026, 11, 2, 10, 0));
  });

  it('reads a zone where there is one, now, and a time ago', () => {
    expect(parseTimeArg('2026-12-02T10:00:00Z', NOW)).to.equal(Date.UTC(2026, 11, 2, 10, 0));
    expect(parseTimeArg('2026-12-02T11:00+01:00', NOW)).to.equal(Date.UTC(2026, 11, 2, 10, 0));
    expect(parseTimeArg('now', NOW)).to.equal(NOW);
    expect(parseTimeArg('90s', NOW)).to.equal(NOW - 90_000);
    expect(parseTimeArg('2h', NOW)).to.equal(NOW - 7_200_000);
  });

  it('is undefined for anything else', () => {
    for (const text of ['yesterday', '2026-13-45', '2026-12-02 10:00', '10x', '']) expect(parseTimeArg(text, NOW), text).to.equal(undefined);
  });
});
