import { expect } from 'chai';
import { INITIAL_OPC_STATE, opcTransition, type OpcMessage } from '../../../streams/services/opcTransition';
import { delivery, fold, settles, type Row, type TestDelivery } from './serviceFixtures';

describe('services/opcTransition', () => {
  it('is unsupported once started, settles every delivery unsupported, and says nothing on start after stop', () => {
    const rows: Array<Row<OpcMessage<TestDelivery>>> = [
      [0, { type: 'start' }],
      [1, { type: 'deliver', delivery: delivery('a') }],
      [2, { type: 'stop' }],
      [3, { type: 'start' }],
    ];
    const { effects } = fold(opcTransition<TestDelivery>(), INITIAL_OPC_STATE, rows);
    expect(effects.map((e) => [e.at, e.type])).to.deep.equal([
      [0, 'status'],
      [1, 'settle'],
      [2, 'status'],
      [2, 'stopped'],
    ]);
    expect(settles(effects)).to.deep.equal([['unsupported', ['a'], 'OPC is not yet supported']]);
  });
});
