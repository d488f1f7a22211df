import { expect } from 'chai';
import { hubProcesses, type HubProcess } from '../../helpers/hubProcess';
import { waitFor } from '../../helpers/waitFor';
import { HTTP_TRIGGERS } from '../eventLog/hubFolder';
import type { NextIds } from '../eventLog/load';
import { startDroppingService, type DropKind, type DroppingService } from './droppingService';
import { createFaultFolder, faultSeconds, registerService, sample, scrape, type FaultFolder } from './faultHub';
import { pacedLoad } from './pacedLoad';

/** Each phase's sustained load; both phases together are the minute (`HAVEN_FAULT_SECONDS` per phase). */
const PHASE_SECONDS = faultSeconds(30);
const MAX_AGE_MS = 300;
/** A delivered line's age at arrival may pass max age by this: the commit and the write before enqueueing and after the check, loopback, and this process's own turn (it runs the load too). */
const SLACK_MS = 200;
/** Reconnects back off up to this; it is well above max age, so a hub that replayed blindly would deliver lines seconds late. */
const BACKOFF = { base_ms: 50, cap_ms: 800, jitter: 0.2 };
const DROP_EVERY = [150, 400] as const;
const LANES = HTTP_TRIGGERS.slice(0, 6);
/** Between an answer and a lane's next request: a few hundred events a second, sustained, leaving the machine's other core to the hub. */
const GAP_MS = 8;
const RESULTS = ['written', 'expired', 'failed', 'overflow', 'unsupported'] as const;

describe('faults: a registered service that drops its connection every few hundred events under sustained load', function () {
  this.timeout(PHASE_SECONDS * 1000 + 30_000);
  const hubs = hubProcesses();
  const ids: NextIds = new Map();
  const figures: string[] = [];
  let folder: FaultFolder;
  let hub: HubProcess;
  let url: string;
  let service: DroppingService | undefined;
  let registered = '';

  before(async () => {
    folder = await createFaultFolder('haven-drops-');
    folder.configureWith({ fsync: 'everysec' }, { services: { backoff: BACKOFF } });
    hub = hubs.start(folder.configFile, folder.dataDir);
    ({ url } = await hub.ready);
  });
  afterEach(async function () {
    if (service) {
      // Unregistered, or the next phase's load would go on feeding this one's retries and expiries.
      const res = await fetch(`${url}/api/register/${registered}`, { method: 'DELETE', headers: { authorization: `Bearer ${folder.adminToken}` } });
      expect(res.status, `DELETE /api/register/${registered}`).to.equal(200);
    }
    if (this.currentTest?.state === 'failed')
      console.log(
        `hub's log:\n${hub
          .log()
          .split('\n')
          .filter((l) => !l.includes('ECONNREFUSED'))
          .slice(-60)
          .join('\n')}`,
      );
    await service?.close();
    service = undefined;
  });
  after(async () => {
    await hubs.killAll();
    folder?.remove();
    if (process.env.HAVEN_TEST_FIGURES) console.log(figures.join('\n'));
  });

  const phase = async (kind: DropKind) => {
    const name = `Dropping-${kind}`;
    service = await startDroppingService(kind, DROP_EVERY[0], DROP_EVERY[1]);
    registered = name;
    await registerService(url, folder.adminToken, { name, port: service.port, max_age_ms: MAX_AGE_MS, fields: ['seq'] });
    const seqBefore = service.arrivals.length;
    const started = Date.now();
    const { run, done } = pacedLoad(url, LANES, ids, () => Date.now() - started < PHASE_SECONDS * 1000, GAP_MS);
    await done;
    expect(run.failed, 'requests without an answer').to.deep.equal([]);
    expect([...run.refused], 'answers other than accepted').to.deep.equal([]);
    // Every accepted event settles at the service within max age plus a write, or when its connection is lost: wait for all of them.
    const settled = (text: string) => RESULTS.reduce((sum, result) => sum + sample(text, 'haven_service_delivery_seconds_count', { service: name, result }), 0);
    let text = '';
    await waitFor(async () => settled((text = await scrape(url))) >= run.acks.length, `${run.acks.length} deliveries settled at ${name}`, 10_000);
    await untilQuiet(service);
    const count = (result: string) => sample(text, 'haven_service_delivery_seconds_count', { service: name, result });
    const arrivals = service.arrivals.slice(seqBefore);
    const acked = new Map(run.acks.map((a) => [a.seq, a]));

    expect(service.malformed, 'lines without a seq').to.deep.equal([]);
    const problems: string[] = [];
    let last = 0;
    for (const a of arrivals) {
      if (a.seq <= last) problems.push(`seq ${a.seq} after seq ${last} (connection ${a.connection}): ${a.seq === last ? 'a duplicate' : 'out of order'}`);
      if (!acked.has(a.seq)) problems.push(`seq ${a.seq} was delivered but never acknowledged`);
      else if (acked.get(a.seq)!.timestamp !== a.timestamp)
        problems.push(`seq ${a.seq}: timestamp ${a.timestamp}, acknowledged ${acked.get(a.seq)!.timestamp}`);
      const age = a.atMs - Date.parse(a.timestamp);
      if (age > MAX_AGE_MS + SLACK_MS) problems.push(`seq ${a.seq} arrived ${age} ms after its timestamp (max age ${MAX_AGE_MS})`);
      last = Math.max(last, a.seq);
    }
    expect(problems, `${problems.length} problem(s), first: ${problems.slice(0, 5).join('; ')}`).to.deep.equal([]);
    expect(count('failed'), 'failed deliveries').to.equal(0);
    expect(count('overflow'), 'overflowed deliveries').to.equal(0);
    // The fault did happen, and was recovered from many times.
    expect(service.drops(), 'drops').to.be.at.least(5);
    expect(count('expired'), 'expired deliveries').to.be.above(0);
    expect(arrivals.length, 'deliveries').to.be.above(0);
    expect(sample(text, 'haven_service_reconnects_total', { service: name }), 'reconnects counted').to.equal(service.connections() - 1);
    const lostOnTheWire = count('written') - arrivals.length;
    figures.push(
      `${name}: ${PHASE_SECONDS} s, ${run.acks.length} events accepted, ${service.drops()} drops, ${service.connections() - 1} reconnects; ` +
        `${arrivals.length} delivered (each once, in order, none older than ${MAX_AGE_MS} + ${SLACK_MS} ms), ${count('expired')} expired, ` +
        `${lostOnTheWire} written to a connection the service had reset`,
    );
    return { acked: run.acks.length, arrivals: arrivals.length, expired: count('expired'), written: count('written') };
  };

  it('a service that closes its connection: every event is delivered once and in order, or counted expired; none arrives late', async () => {
    const { acked, arrivals, expired, written } = await phase('end');
    expect(written, 'written = delivered: nothing the service read was lost').to.equal(arrivals);
    expect(arrivals + expired, 'delivered + expired = accepted').to.equal(acked);
  });

  it('a service that resets its connection: none twice, none out of order, none late; only lines the kernel had taken before the reset are lost', async () => {
    const { acked, arrivals, expired, written } = await phase('reset');
    expect(written + expired, 'written + expired = accepted').to.equal(acked);
    expect(arrivals, 'delivered').to.be.at.most(written);
  });
});

/** Resolves once no line arrived at `service` for 200 ms: every write the hub made has come in (they were all settled before). */
async function untilQuiet(service: DroppingService): Promise<void> {
  let seen = -1;
  let since = Date.now();
  await waitFor(
    () => {
      if (service.arrivals.length !== seen) [seen, since] = [service.arrivals.length, Date.now()];
      return Date.now() - since >= 200;
    },
    'the service to receive the last lines',
    5000,
  );
}
