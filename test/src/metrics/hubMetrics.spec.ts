import { expect } from 'chai';
import { startHub, type TestHub } from '../../helpers/hub';
import { createKey } from '../sse/sseFixtures';
import { openStream } from '../sse/sseClient';
import { startWsHub } from '../websocket/wsHarness';
import { startLineServer, type LineServer } from '../../helpers/lineServer';
import { waitFor } from '../../helpers/waitFor';
import type { TcpSource } from '../../../src/sources/tcp/tcpSource';
import type { ModbusSource } from '../../../src/sources/modbus/modbusSource';
import { connectLineClient } from '../sources/lineClient';
import { exchange } from '../sources/modbusClients';
import { parseMetrics, samplesOf, type Sample } from '../../helpers/metricsText';

async function post(hub: TestHub, path: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(hub.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

describe('GET /metrics against a real hub', () => {
  let hub: TestHub | undefined;
  let services: LineServer[] = [];

  afterEach(async () => {
    await hub?.stop();
    hub = undefined;
    await Promise.all(services.map((s) => s.close()));
    services = [];
  });

  const scrape = async (): Promise<Sample[]> => {
    const res = await fetch(`${hub!.url}/metrics`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
    return parseMetrics(await res.text());
  };
  /** The value of the one sample of `name` whose labels include `labels`; undefined when there is none. */
  const value = (samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined => {
    const found = samplesOf(samples, name, labels);
    expect(found.length, `${name} ${JSON.stringify(labels)}: ${found.length} samples`).to.be.at.most(1);
    return found[0]?.value;
  };
  const service = async (port?: number) => {
    const s = await startLineServer(port);
    services.push(s);
    return s;
  };

  it('counts answers by source and outcome, shows the seq, and times every delivery to a TCP service in buckets', async () => {
    hub = await startHub({ trigger: { gating: { min_interval_ms: 60_000 } } });
    const flame = await service();
    expect((await post(hub, '/api/register', { name: 'FlameServer', port: flame.port, host: '127.0.0.1' })).status).to.equal(200);

    expect((await post(hub, '/api/trigger-event', { name: 'RedTelephone.Button_1', value: 'On', id: 10 })).status).to.equal(200);
    expect((await post(hub, '/api/trigger-event', { name: 'RedTelephone.Button_1', value: 'On', id: 10 })).body.reason).to.equal('duplicate');
    expect((await post(hub, '/api/trigger-event', { name: 'RedTelephone.Button_1', value: 'Off', id: 11 })).body.reason).to.equal('min_interval');
    expect((await post(hub, '/api/trigger-event', { name: 'No.Such', value: 1 })).status).to.equal(404);
    expect((await post(hub, '/api/trigger-event', { name: 'Dial.Number', value: 3 })).status).to.equal(200);
    await flame.waitForLines(2);

    let samples: Sample[] = [];
    await waitFor(async () => {
      samples = await scrape();
      return value(samples, 'haven_service_delivery_seconds_count', { service: 'FlameServer', result: 'written' }) === 2;
    }, 'both deliveries settled');

    const inputs = samples.filter((s) => s.name === 'haven_inputs_total').map((s) => [s.labels.source, s.labels.outcome, s.value]);
    expect(inputs).to.have.deep.members([
      ['HTTP', 'accepted', 2],
      ['HTTP', 'duplicate', 1],
      ['HTTP', 'min_interval', 1],
      ['HTTP', 'unknown_trigger', 1],
    ]);
    expect(value(samples, 'haven_seq')).to.equal(2);

    // Cumulative buckets, one per bound and +Inf, every one holding both deliveries from 10 s on.
    const buckets = samples.filter(
      (s) => s.name === 'haven_service_delivery_seconds_bucket' && s.labels.service === 'FlameServer' && s.labels.result === 'written',
    );
    expect(buckets.map((b) => b.labels.le)).to.deep.equal([
      '0.0005',
      '0.001',
      '0.0025',
      '0.005',
      '0.01',
      '0.025',
      '0.05',
      '0.1',
      '0.25',
      '0.5',
      '1',
      '2.5',
      '5',
      '10',
      '+Inf',
    ]);
    buckets.reduce((previous, b) => (expect(b.value).to.be.at.least(previous), b.value), 0);
    expect(value(samples, 'haven_service_delivery_seconds_bucket', { service: 'FlameServer', result: 'written', le: '10' })).to.equal(2);
    expect(value(samples, 'haven_service_delivery_seconds_bucket', { service: 'FlameServer', result: 'written', le: '+Inf' })).to.equal(2);
    expect(value(samples, 'haven_service_delivery_seconds_sum', { service: 'FlameServer', result: 'written' })).to.be.within(0, 20);
    expect(value(samples, 'haven_service_delivery_seconds_count', { result: 'expired' })).to.equal(undefined);

    // Two accepted inputs in two requests: two batches, each stored once.
    expect(value(samples, 'haven_eventlog_write_seconds_count')).to.equal(2);
    expect(value(samples, 'haven_eventlog_write_seconds_bucket', { le: '+Inf' })).to.equal(2);

    expect(value(samples, 'haven_service_connected', { service: 'FlameServer', protocol: 'TCP_SOCKET' })).to.equal(1);
    expect(value(samples, 'haven_service_mailbox_depth', { service: 'FlameServer' })).to.equal(0);
    expect(value(samples, 'haven_service_reconnects_total', { service: 'FlameServer' })).to.equal(0);
    expect(value(samples, 'haven_clients', { component: 'websocket' })).to.equal(0);
    expect(value(samples, 'haven_clients', { component: 'sse' })).to.equal(0);
    expect(value(samples, 'haven_client_backlog_bytes', { component: 'sse' })).to.equal(0);
    // The process's own metrics come with every hub's.
    expect(value(samples, 'process_cpu_user_seconds_total')).to.be.greaterThan(0);
    expect(value(samples, 'nodejs_heap_size_total_bytes')).to.be.greaterThan(0);
  });

  it('counts the inputs refused before the gateway too, by source and reason (HTTP fast path and Koa, WEB, TCP lines, Modbus exceptions)', async () => {
    hub = await startHub({});
    const raw = (path: string, body: string, type: string) => fetch(hub!.url + path, { method: 'POST', headers: { 'content-type': type }, body });
    expect((await raw('/api/trigger-event', '{"value":1}', 'application/json')).status, 'fast path, not a trigger').to.equal(400);
    expect((await raw('/api/trigger-event', '{"name":', 'application/json')).status, 'fast path, not JSON').to.equal(400);
    expect((await raw('/api/trigger-status', 'name=Dial.Number', 'text/plain')).status, 'Koa, not JSON').to.equal(415);
    expect((await raw('/api/trigger-status', '{"name":7}', 'application/json')).status, 'Koa, not a trigger').to.equal(400);
    expect((await raw('/api/web/trigger-event', '{}', 'application/json')).status, 'WEB, not a trigger').to.equal(400);
    // Decided by the gateway: counted by its reason, once, not again as a refusal.
    expect((await raw('/api/trigger-status', '{"name":"No.Such","value":1}', 'application/json')).status).to.equal(404);

    const tcp = hub.component<TcpSource>('TCP').address()!;
    const device = await connectLineClient(tcp.port);
    device.write('just words and no trigger\nDial.Number 3\n');
    const replies = `${(await device.waitForReplies(2)).join('\n')}\n`;
    device.destroy();
    expect(replies).to.match(/^ERR bad_line .*\nOK \d+\n$/);
    const modbus = hub.component<ModbusSource>('MODBUS').address()!;
    // Function code 0x63 does not exist: exception 01.
    const answer = await exchange(modbus.port, [Buffer.from([0, 1, 0, 0, 0, 2, 1, 0x63])], (seen) => seen.bytes.length >= 9);
    expect([...answer.bytes.subarray(7)]).to.deep.equal([0xe3, 0x01]);

    const samples = await scrape();
    const inputs = samples.filter((x) => x.name === 'haven_inputs_total').map((x) => [x.labels.source, x.labels.outcome, x.value]);
    expect(inputs).to.have.deep.members([
      ['HTTP', 'invalid_body', 3],
      ['HTTP', 'unsupported_media_type', 1],
      ['HTTP', 'unknown_trigger', 1],
      ['WEB', 'invalid_body', 1],
      ['TCP', 'bad_line', 1],
      ['TCP', 'accepted', 1],
      ['MODBUS', 'illegal_function', 1],
    ]);
  });

  it('shows what waits at a service that is down, and counts its reconnect', async () => {
    hub = await startHub({ services: { max_age_ms: 60_000, backoff: { base_ms: 20, cap_ms: 50 } } });
    const first = await service();
    const { port } = first;
    await post(hub, '/api/register', { name: 'Lights', port, host: '127.0.0.1' });
    await first.close();
    await waitFor(async () => value(await scrape(), 'haven_service_connected', { service: 'Lights' }) === 0, 'Lights to be down');

    await post(hub, '/api/trigger-event', { name: 'Dial.Number', value: 1 });
    await post(hub, '/api/trigger-event', { name: 'Dial.Number', value: 2 });
    const waiting = await scrape();
    expect(value(waiting, 'haven_service_mailbox_depth', { service: 'Lights' })).to.equal(2);
    expect(value(waiting, 'haven_service_unsettled_events')).to.equal(2);

    const back = await service(port);
    await back.waitForLines(2);
    await waitFor(async () => value(await scrape(), 'haven_service_delivery_seconds_count', { service: 'Lights', result: 'written' }) === 2, 'both written');
    const samples = await scrape();
    expect(value(samples, 'haven_service_reconnects_total', { service: 'Lights' })).to.equal(1);
    expect(value(samples, 'haven_service_mailbox_depth', { service: 'Lights' })).to.equal(0);
    expect(value(samples, 'haven_service_unsettled_events')).to.equal(0);
    expect(value(samples, 'haven_service_connected', { service: 'Lights' })).to.equal(1);
  });

  it('shows each power socket: on, its running instances, its last amperage and power', async () => {
    hub = await startHub({ power: { sockets: [{ name: 'Lamp', driver: 'simulated', sampling_interval_ms: 20, load_watts: 460, voltage: 230 }] } } as never);
    expect(value(await scrape(), 'haven_power_socket_running_instances', { socket: 'Lamp' })).to.equal(0);
    expect(value(await scrape(), 'haven_power_socket_on', { socket: 'Lamp' })).to.equal(0);
    expect((await post(hub, '/api/instance', { emergencyStopTimeout: 60_000, socket: 'Lamp', instanceId: 'lamp-1' })).status).to.equal(200);
    let samples: Sample[] = [];
    await waitFor(async () => {
      samples = await scrape();
      return value(samples, 'haven_power_socket_current_amperes', { socket: 'Lamp' }) !== undefined;
    }, 'a power sample');
    expect(value(samples, 'haven_power_socket_on', { socket: 'Lamp' })).to.equal(1);
    expect(value(samples, 'haven_power_socket_running_instances', { socket: 'Lamp' })).to.equal(1);
    expect(value(samples, 'haven_power_socket_current_amperes', { socket: 'Lamp' })).to.be.closeTo(2, 0.2);
    expect(value(samples, 'haven_power_socket_power_watts', { socket: 'Lamp' })).to.be.closeTo(460, 50);
  });

  it('counts the connected WebSocket clients and SSE streams', async () => {
    const wsHub = await startWsHub();
    hub = wsHub.hub;
    await wsHub.login(wsHub.adminToken);
    await wsHub.login(wsHub.adminToken);
    const stream = await openStream(`${hub.url}/api/events/stream?apiKey=${createKey(hub, 'default').key}`);
    try {
      const samples = await scrape();
      expect(value(samples, 'haven_clients', { component: 'websocket' })).to.equal(2);
      expect(value(samples, 'haven_clients', { component: 'sse' })).to.equal(1);
      expect(value(samples, 'haven_client_backlog_messages', { component: 'websocket' })).to.equal(0);
    } finally {
      stream.close();
      await wsHub.stop();
      hub = undefined;
    }
  });

  it('keeps the series of two hubs in one process apart', async () => {
    hub = await startHub();
    const other = await startHub();
    try {
      await post(hub, '/api/trigger-event', { name: 'Dial.Number', value: 1 });
      const res = await fetch(`${other.url}/metrics`);
      const samples = parseMetrics(await res.text());
      expect(value(samples, 'haven_inputs_total', { outcome: 'accepted' })).to.equal(undefined);
      expect(value(samples, 'haven_seq')).to.equal(0);
      expect(value(await scrape(), 'haven_seq')).to.equal(1);
    } finally {
      await other.stop();
    }
  });

  it('serves at metrics.path, and not at all when metrics.enabled is false', async () => {
    hub = await startHub({ metrics: { path: '/prom' } } as never);
    expect((await fetch(`${hub.url}/prom`)).status).to.equal(200);
    expect((await fetch(`${hub.url}/metrics`)).status).to.equal(404);
    await hub.stop();
    hub = await startHub({ metrics: { enabled: false } } as never);
    expect((await fetch(`${hub.url}/metrics`)).status).to.equal(404);
  });
});
