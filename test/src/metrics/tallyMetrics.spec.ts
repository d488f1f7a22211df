import { expect } from 'chai';
import { Counter, Histogram, Registry } from 'prom-client';
import { tallyCounter, tallyHistogram } from '../../../src/metrics/tallyMetrics';

const BUCKETS = [0.001, 0.01, 0.1, 1];

describe('tally metrics', () => {
  it('a tally counter exposes what prom-client’s Counter would after the same counts', async () => {
    const own = new Registry();
    const reference = new Registry();
    const tally = tallyCounter({ name: 'x_total', help: 'Things.', labelNames: ['source', 'outcome'], registry: own });
    const counter = new Counter({ name: 'x_total', help: 'Things.', labelNames: ['source', 'outcome'], registers: [reference] });
    const counts: Array<[string, string, number]> = [
      ['HTTP', 'accepted', 5],
      ['HTTP', 'duplicate', 2],
      ['TCP', 'accepted', 1],
      ['MODBUS', 'not_stored', 0],
    ];
    for (const [a, b, n] of counts) {
      counter.labels(a, b).inc(n);
      for (let i = 0; i < n; i++) tally(a, b).n++;
      if (n === 0) tally(a, b);
    }
    expect(await own.metrics()).to.equal(await reference.metrics());
    expect(await own.metrics()).to.include('x_total{source="HTTP",outcome="accepted"} 5');
  });

  it('a tally histogram exposes what prom-client’s Histogram would, bucket bounds included (a value on a bound counts in it)', async () => {
    const own = new Registry();
    const reference = new Registry();
    const tally = tallyHistogram({ name: 'd_seconds', help: 'Waits.', labelNames: ['service', 'result'], buckets: BUCKETS, registry: own });
    const histogram = new Histogram({ name: 'd_seconds', help: 'Waits.', labelNames: ['service', 'result'], buckets: BUCKETS, registers: [reference] });
    const observations: Array<[string, string, number]> = [
      ['Flame', 'written', 0.0004],
      ['Flame', 'written', 0.001],
      ['Flame', 'written', 0.05],
      ['Flame', 'expired', 2],
      ['Bell', 'written', 1],
      ['Bell', 'written', 0.1000001],
    ];
    for (const [a, b, v] of observations) {
      histogram.labels(a, b).observe(v);
      tally(a, b).observe(v);
    }
    expect(await own.metrics()).to.equal(await reference.metrics());
    expect(await own.metrics()).to.include('d_seconds_bucket{le="0.001",service="Flame",result="written"} 2');
  });

  it('reset empties them as it empties prom-client’s', async () => {
    const own = new Registry();
    tallyCounter({ name: 'x_total', help: 'Things.', labelNames: ['a', 'b'], registry: own })('p', 'q').n++;
    own.resetMetrics();
    expect(await own.metrics()).to.equal('# HELP x_total Things.\n# TYPE x_total counter\n');
  });
});
