import { expect } from 'chai';
import { serviceRows } from '../../../streams/dashboard/serviceRows';

describe('service rows', () => {
  const listing = (name: string, status: string) => ({ name, protocol: 'TCP_SOCKET', host: '127.0.0.1', port: 9000, status });

  it('joins the registrations with their tallies, in the registrations order, with the down time at now', () => {
    const rows = serviceRows(
      [listing('B', 'backoff'), listing('A', 'connected'), listing('C', 'connecting')],
      {
        A: { delivered: 3, expired: 1, downSince: null },
        B: { delivered: 0, expired: 2, downSince: 1000 },
      },
      4500,
    );
    expect(rows.map((r) => [r.name, r.delivered, r.expired, r.downForMs])).to.deep.equal([
      ['B', 0, 2, 3500],
      ['A', 3, 1, null],
      // Never seen going down (down since before the tally began): no made-up duration.
      ['C', 0, 0, null],
    ]);
  });

  it('shows no down time for a connected service whose tally has not caught up', () => {
    const [row] = serviceRows([listing('A', 'connected')], { A: { delivered: 0, expired: 0, downSince: 10 } }, 50);
    expect(row.downForMs).to.equal(null);
  });
});
