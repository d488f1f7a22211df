import { expect } from 'chai';
import * as net from 'node:net';
import { asyncScheduler, Subject } from 'rxjs';
import type { Decision, RejectReason, TriggerEvent } from '../../../streams/contracts';
import { validateHavenConfig } from '../../../src/config/loadConfig';
import type { HavenConfig } from '../../../src/config/havenConfig';
import { createLogger } from '../../../src/log';
import { createEmbeddedBroker } from '../../../src/mqtt/embeddedBroker';
import { createMqttComponent, inputTopicsOf, outputTopicsOf } from '../../../src/mqtt/mqttComponent';
import { InputNotTaken, type LinkEvents, type LinkPublish, type MqttLink } from '../../../src/mqtt/mqttLink';
import { freePort } from '../../helpers/lineServer';

const log = createLogger('test', 'silent');

/** The component on an embedded broker at `port`, with a gateway that accepts nothing. */
function component(port: number) {
  const config = (validateHavenConfig({ mqtt: { enabled: true, broker: { listen: { host: '127.0.0.1', port } } } }, 'test') as HavenConfig).mqtt;
  const link = createEmbeddedBroker({
    listen: config.broker.listen,
    isInput: inputTopicsOf(config).isInput,
    isOutput: outputTopicsOf(config),
    wallMs: Date.now,
    graceMs: 100,
    scheduler: asyncScheduler,
    log,
  });
  return createMqttComponent({
    config,
    sourceEnabled: true,
    link,
    expirySeconds: 2,
    maxInFlight: 16,
    report: async (input) => ({ accepted: false, input: { ...input, ticket: 0, receivedAt: 0 }, reason: 'unknown_trigger', message: 'none here' }),
    committed$: new Subject<TriggerEvent>(),
    cache: () => ({}),
    log,
  });
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

describe('MQTT component lifecycle', () => {
  it('leaves nothing listening when stopped while it is still starting', async () => {
    const port = await freePort();
    const mqtt = component(port);
    const started = mqtt.start();
    await mqtt.stop();
    await started;
    expect(await accepts(port)).to.equal(false);
    expect(mqtt.health()).to.include({ state: 'stopped' });
  });

  it('runs, then stops for good, its stop re-entrant', async () => {
    const port = await freePort();
    const mqtt = component(port);
    await mqtt.start();
    expect(await accepts(port)).to.equal(true);
    expect(mqtt.health()).to.include({ state: 'ok' });
    await Promise.all([mqtt.stop(), mqtt.stop()]);
    expect(await accepts(port)).to.equal(false);
  });
});

describe('MQTT component input (the LinkInput contract)', () => {
  it('rejects with InputNotTaken only when nothing was stored (not_stored, overflow), and answers every refusal on haven/error', async () => {
    const config = (validateHavenConfig({ mqtt: { enabled: true } }, 'test') as HavenConfig).mqtt;
    let events: LinkEvents | undefined;
    const published: LinkPublish[] = [];
    const link: MqttLink = {
      start: async (e) => void (events = e),
      publish: (message, done) => (published.push(message), done()),
      address: () => null,
      detail: () => 'a fake link',
      healthy: () => true,
      stopping: () => undefined,
      stop: async () => undefined,
    };
    let next: RejectReason | 'accepted' = 'accepted';
    const mqtt = createMqttComponent({
      config,
      sourceEnabled: true,
      link,
      expirySeconds: 2,
      maxInFlight: 16,
      report: async (input) => {
        const raw = { ...input, ticket: 0, receivedAt: 0 };
        return (
          next === 'accepted' ? { accepted: true, input: raw, event: {} } : { accepted: false, input: raw, reason: next, message: `said ${next}` }
        ) as Decision;
      },
      committed$: new Subject<TriggerEvent>(),
      cache: () => ({}),
      log,
    });
    await mqtt.start();
    const outcomes: string[] = [];
    for (const reason of ['accepted', 'not_stored', 'overflow', 'not_durable', 'unknown_trigger', 'duplicate', 'cooldown'] as const) {
      next = reason;
      outcomes.push(
        await events!.input('haven/trigger/Stage/Mode', Buffer.from('intro'), '127.0.0.1').then(
          () => 'acknowledge',
          (err: unknown) => (err instanceof InputNotTaken ? `not taken: ${err.reason}, ${err.message}` : `other: ${String(err)}`),
        ),
      );
    }
    expect(outcomes).to.deep.equal([
      'acknowledge',
      'not taken: not_stored, said not_stored',
      'not taken: overflow, said overflow',
      'acknowledge',
      'acknowledge',
      'acknowledge',
      'acknowledge',
    ]);
    // A QoS 0 publisher learns of each refusal on the error topic, those not taken too.
    expect(published.map((p) => [p.topic, JSON.parse(p.payload.toString()).reason])).to.deep.equal(
      ['not_stored', 'overflow', 'not_durable', 'unknown_trigger', 'duplicate', 'cooldown'].map((r) => ['haven/error/haven/trigger/Stage/Mode', r]),
    );
    await mqtt.stop();
  });
});
