import { expect } from 'chai';
import * as net from 'node:net';
import { asyncScheduler, Subject } from 'rxjs';
import type { TriggerEvent } from '../../../streams/contracts';
import { validateHavenConfig } from '../../../src/config/loadConfig';
import type { HavenConfig } from '../../../src/config/havenConfig';
import { createLogger } from '../../../src/log';
import { createEmbeddedBroker } from '../../../src/mqtt/embeddedBroker';
import { createMqttComponent, inputTopicsOf, outputTopicsOf } from '../../../src/mqtt/mqttComponent';
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
