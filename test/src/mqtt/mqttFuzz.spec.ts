import { expect } from 'chai';
import fc from 'fast-check';
import { connectAsync, type MqttClient } from 'mqtt';
import * as net from 'node:net';
import type { MqttComponent } from '../../../src/mqtt/mqttComponent';
import { wireMqtt } from '../../../src/runtime/components';
import { startHub, type TestHub } from '../../helpers/hub';
import { waitFor } from '../../helpers/waitFor';

const MAX_PAYLOAD = 512;

/** Topics near the ones Haven reads (levels of any text, empty, dotted, very long) and a few it does not. */
const topic: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('haven/trigger/Stage/Mode', 'haven/trigger/Flame/Intensity', 'haven/status/Dial/Number', 'haven/trigger/Fog/Burst'),
  fc
    .tuple(fc.constantFrom('haven/trigger', 'haven/status', 'haven/trigger/', 'haven'), fc.array(fc.string({ maxLength: 20 }), { maxLength: 5 }))
    .map(([prefix, levels]) => [prefix, ...levels].join('/'))
    // A PUBLISH may not name a wildcard; the client library refuses it before it is sent.
    .filter((t) => !/[#+\u0000]/.test(t)),
  fc.string({ minLength: 1, maxLength: 40 }).filter((t) => !/[#+\u0000]/.test(t)),
);

/** Payloads: values, JSON objects of any shape, JSON cut short, bytes that are not UTF-8, too long. */
const payload: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constantFrom('intro', 'ON', 'off', '42.5', '', '-1', 'null', '{"value":"finale","id":3}').map((s) => Buffer.from(s)),
  fc.json().map((s) => Buffer.from(s)),
  fc.json().map((s) => Buffer.from(s.slice(0, Math.max(0, s.length - 1)))),
  fc.object({ maxDepth: 2 }).map((o) => Buffer.from(JSON.stringify({ value: o }))),
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
  fc.integer({ min: MAX_PAYLOAD - 2, max: MAX_PAYLOAD + 200 }).map((n) => Buffer.alloc(n, 0x31)),
);

describe('MQTT on the embedded broker under bad input (property tests)', () => {
  let hub: TestHub | undefined;
  let port = 0;
  const clients: MqttClient[] = [];
  const sockets: net.Socket[] = [];
  afterEach(async () => {
    sockets.splice(0).forEach((s) => s.destroy());
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  });
  after(async () => hub?.stop());

  async function ensureHub(): Promise<void> {
    if (hub) return;
    hub = await startHub({ mqtt: { enabled: true, max_payload_bytes: MAX_PAYLOAD } } as never, {
      components: (config, deps) => [wireMqtt(config, deps)],
    });
    port = hub.component<MqttComponent>('MQTT').address()!.port;
  }

  async function client(): Promise<MqttClient> {
    const c = await connectAsync(`mqtt://127.0.0.1:${port}`, { protocolVersion: 4, reconnectPeriod: 0 });
    clients.push(c);
    return c;
  }

  it('acknowledges every QoS 1 publish, answers each refusal with a reason on haven/error, and accepts the next good one', async () => {
    await ensureHub();
    const device = await client();
    const errors: Array<{ topic: string; body: Record<string, unknown> }> = [];
    const watcher = await client();
    watcher.on('message', (t, body) => t.startsWith('haven/error/') && errors.push({ topic: t, body: JSON.parse(body.toString()) }));
    await watcher.subscribeAsync('haven/error/#', { qos: 1 });
    // The good publish after each input goes to a trigger the inputs never name, watched on its own event topic.
    const good: string[] = [];
    watcher.on('message', (t) => t === 'haven/event/Door/Sensor' && good.push(t));
    await watcher.subscribeAsync('haven/event/Door/Sensor', { qos: 1 });
    await fc.assert(
      fc.asyncProperty(topic, payload, fc.constantFrom(0 as const, 1 as const), async (t, body, qos) => {
        const expected = good.length + 1;
        await device.publishAsync(t, body, { qos });
        await device.publishAsync('haven/trigger/Door/Sensor', 'On', { qos: 1 });
        await waitFor(() => good.length === expected, 'the good publish accepted and published');
        expect(device.connected, 'the device stays connected').to.equal(true);
      }),
      { numRuns: 300 },
    );
    await waitFor(() => errors.length > 0, 'some refusals');
    for (const e of errors) {
      expect(e.topic.startsWith('haven/error/')).to.equal(true);
      expect(e.body.reason)
        .to.be.a('string')
        .and.match(/^[a-z_]+$/);
      expect(e.body.message).to.be.a('string').and.not.empty;
      expect(e.topic).to.equal(`haven/error/${e.body.topic}`);
    }
    const reasons = new Set(errors.map((e) => e.body.reason));
    for (const r of ['unknown_topic', 'bad_payload', 'payload_too_large']) expect([...reasons]).to.include(r);
  });

  it('drops a connection that speaks no MQTT, and keeps serving the others', async () => {
    await ensureHub();
    const good = await client();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 300 }), async (bytes) => {
        const socket = net.connect(port, '127.0.0.1');
        sockets.push(socket);
        socket.on('error', () => undefined);
        await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
        socket.write(bytes);
        socket.end();
        await new Promise<void>((resolve) => socket.once('close', () => resolve()));
        const before = hub!.runtime.lastSeq();
        await good.publishAsync('haven/trigger/Fog/Burst', '', { qos: 1 });
        expect(hub!.runtime.lastSeq()).to.equal(before + 1);
      }),
      { numRuns: 100 },
    );
  });
});
