import { startBenchHub } from '../harness/benchHub';
import type { Suite } from '../harness/context';
import { coreUsage } from '../harness/cpu';
import { startMosquitto } from '../harness/mosquitto';
import { spawnScript } from '../harness/proc';
import { formatNumber, type Row } from '../harness/report';
import { median, medianPercentiles, type Percentiles } from '../harness/stats';

interface DatagramsRun {
  readonly rate: number;
  readonly answered: number;
  readonly errors: number;
  readonly lost: number;
}

interface MqttRun {
  readonly sent: number;
  readonly acked: number;
  readonly failed: number;
  readonly lines: number;
  readonly expectedLines: number;
  readonly latency: Percentiles;
}

/** Datagrams a device may have sent without their reply: well under a default UDP receive buffer. */
const WINDOW = 64;
const MQTT_RATE = 1000;

/** The hub's OSC source on a free port, answering every datagram once its event is stored. */
const OSC_CONFIG = {
  comm: { osc: { host: '127.0.0.1', port: 0 } },
  trigger: { sources: { OSC: { enabled: true } } },
  sources: { osc: { reply: 'all' } },
};

/** The hub's embedded broker on a free port. */
const MQTT_CONFIG = { mqtt: { enabled: true, broker: { listen: { host: '127.0.0.1', port: 0 } } } };

const rates = (runs: readonly DatagramsRun[]) => runs.map((r) => r.rate);
const ms = (v: number) => formatNumber(v);

/**
 * Benchmark 9: the protocols installations speak.
 * 9a: OSC over UDP, `/haven/trigger/Stage/Mode "intro"` datagrams with a window of replies:
 * triggers accepted (stored, then `/haven/ok`) per second, against a bare `dgram` receiver that
 * decodes each with the same codec and answers `/ok`.
 * 9b: an MQTT publish (QoS 1, plain payload, to the embedded broker) to its line at a registered
 * TCP service, at 1,000/s, against Mosquitto and a hand-rolled bridge script in the same run.
 */
export const oscMqttSuite: Suite = {
  id: '9',
  title: 'OSC over UDP vs bare dgram; MQTT publish → TCP service latency',
  async run(ctx) {
    const rows: Row[] = [];
    rows.push(await oscRow(ctx));
    rows.push(await mqttRow(ctx));
    return rows;
  },
};

async function oscRow(ctx: Parameters<Suite['run']>[0]): Promise<Row> {
  const bare = spawnScript('servers/bareOsc', { core: ctx.pinning.serverCore, pinning: ctx.pinning });
  const load = spawnScript('loads/oscDatagrams', { core: ctx.pinning.loadCore, pinning: ctx.pinning });
  const hub = await startBenchHub(ctx, { name: 'osc', services: 0, wsClients: 0, config: OSC_CONFIG });
  try {
    if (hub.oscPort === null) throw new Error('the hub has no OSC source');
    const barePort = (await bare.ready).udpPort as number;
    await load.ready;
    const datagrams = async (port: number, seconds: number) => {
      const usage = coreUsage();
      const r = await load.call<DatagramsRun>('run', { port, seconds, window: WINDOW }, (seconds + 60) * 1000);
      return { ...r, cores: usage() };
    };
    await datagrams(barePort, 1);
    await datagrams(hub.oscPort, 1);
    const bareRuns: Array<DatagramsRun & { cores: number[] }> = [];
    const hubRuns: Array<DatagramsRun & { cores: number[] }> = [];
    for (let r = 0; r < ctx.runs; r++) {
      // Alternating which goes first, so neither always runs on a warmer machine.
      const pair = r % 2 === 0 ? [barePort, hub.oscPort] : [hub.oscPort, barePort];
      for (const port of pair) (port === barePort ? bareRuns : hubRuns).push(await datagrams(port, ctx.seconds));
      const h = hubRuns[r];
      const b = bareRuns[r];
      ctx.log(
        `  run ${r + 1}: bare ${Math.round(b.rate)}/s (cores ${b.cores.join(', ')}; ${b.lost} lost), hub ${Math.round(h.rate)}/s (cores ${h.cores.join(', ')}; ${h.errors} errors, ${h.lost} lost)`,
      );
    }
    const errors = hubRuns.reduce((n, r) => n + r.errors, 0);
    const lost = hubRuns.reduce((n, r) => n + r.lost, 0);
    return {
      id: '9a',
      what: 'OSC over UDP: triggers accepted/s (stored, then /haven/ok)',
      haven: { median: median(rates(hubRuns)), runs: rates(hubRuns), unit: '/s' },
      reference: { name: 'bare dgram + OSC decode', median: median(rates(bareRuns)), runs: rates(bareRuns), unit: '/s' },
      ratio: median(hubRuns.map((h, k) => h.rate / bareRuns[k].rate)),
      ratioMeaning: 'Haven ÷ bare, median of the per-pair ratios',
      target: 'reported',
      met: null,
      note: [
        `${WINDOW} datagrams in flight`,
        ...(errors ? [`${errors} replies were /haven/error`] : []),
        ...(lost ? [`${lost} datagrams got no reply`] : []),
      ].join('; '),
      detail: { bare: bareRuns, haven: hubRuns },
    };
  } finally {
    await load.stop();
    await hub.stop();
    await bare.stop();
  }
}

async function mqttRow(ctx: Parameters<Suite['run']>[0]): Promise<Row> {
  const hub = await startBenchHub(ctx, { name: 'mqtt', services: 1, wsClients: 0, config: MQTT_CONFIG });
  const refs = spawnScript('loads/hubClients', { core: ctx.pinning.loadCore, pinning: ctx.pinning });
  const mosquitto = await startMosquitto(ctx, 'mqtt-reference');
  try {
    if (hub.mqttPort === null) throw new Error('the hub has no embedded MQTT broker');
    await refs.ready;
    let bridge: ReturnType<typeof spawnScript> | null = null;
    if (mosquitto) {
      const [servicePort] = await refs.call<number[]>('services', { count: 1 });
      bridge = spawnScript('servers/bareMqttBridge', {
        core: ctx.pinning.serverCore,
        pinning: ctx.pinning,
        args: [String(mosquitto.port), String(servicePort)],
      });
      await bridge.ready;
    }
    const paced = (proc: typeof refs, port: number, seconds: number) =>
      proc.call<MqttRun>('mqttPaced', { port, rate: MQTT_RATE, seconds, qos: 1 }, (seconds + 30) * 1000);
    await paced(hub.clients, hub.mqttPort, 2);
    if (mosquitto) await paced(refs, mosquitto.port, 2);
    const hubRuns: MqttRun[] = [];
    const refRuns: MqttRun[] = [];
    for (let r = 0; r < ctx.runs; r++) {
      hubRuns.push(await paced(hub.clients, hub.mqttPort, ctx.seconds));
      if (mosquitto) refRuns.push(await paced(refs, mosquitto.port, ctx.seconds));
      const h = hubRuns[r].latency;
      const ref = refRuns[r]?.latency;
      ctx.log(
        `  run ${r + 1}: hub p50 ${ms(h.p50)} / p99 ${ms(h.p99)} / max ${ms(h.max)} ms, ${hubRuns[r].lines}/${hubRuns[r].expectedLines} lines` +
          (ref ? `; mosquitto + bridge p50 ${ms(ref.p50)} / p99 ${ms(ref.p99)} / max ${ms(ref.max)} ms` : ''),
      );
    }
    await bridge?.stop();
    const p = medianPercentiles(hubRuns.map((r) => r.latency));
    const lost = hubRuns.reduce((n, r) => n + r.expectedLines - r.lines, 0);
    const failed = hubRuns.reduce((n, r) => n + r.failed, 0);
    const refP = refRuns.length ? medianPercentiles(refRuns.map((r) => r.latency)) : null;
    return {
      id: '9b',
      what: `MQTT publish (QoS 1) → TCP service line at ${MQTT_RATE.toLocaleString('en-US')}/s: p50 / p99 / p99.9`,
      haven: { median: p.p99, runs: hubRuns.map((r) => r.latency.p99), unit: 'ms', display: `${ms(p.p50)} / ${ms(p.p99)} / ${ms(p.p999)} ms` },
      ...(refP
        ? {
            reference: {
              name: 'Mosquitto + bridge script',
              median: refP.p99,
              runs: refRuns.map((r) => r.latency.p99),
              unit: 'ms',
              display: `${ms(refP.p50)} / ${ms(refP.p99)} / ${ms(refP.p999)} ms`,
            },
          }
        : {}),
      target: 'reported',
      met: null,
      note: [
        'embedded broker, 1 TCP_SOCKET service; the PUBACK leaves once the event is stored',
        ...(refP ? [] : ['no mosquitto installed: no reference']),
        ...(lost > 0 ? [`${lost} lines never arrived`] : []),
        ...(failed > 0 ? [`${failed} publishes failed`] : []),
      ].join('; '),
      detail: { haven: hubRuns, reference: refRuns },
    };
  } finally {
    await refs.stop();
    await mosquitto?.proc.stop();
    await hub.stop();
  }
}
