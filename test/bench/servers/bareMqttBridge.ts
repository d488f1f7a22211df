import { connect, type Socket } from 'node:net';
import { connectAsync } from 'mqtt';
import { runMain, serveRpc } from '../harness/rpc';

/**
 * Reference for benchmark 9b, the hand-rolled flow Haven replaces: a script subscribed to a
 * Mosquitto broker (`node servers/bareMqttBridge.js <brokerPort> <servicePort>`) that writes each
 * `haven/trigger/<Device>/<Control>` publish to a TCP service as one JSON line, nothing checked,
 * nothing stored.
 */
runMain(async () => {
  const [brokerPort, servicePort] = process.argv.slice(2).map(Number);
  const service: Socket = await new Promise((resolve, reject) => {
    const s = connect({ port: servicePort, host: '127.0.0.1', noDelay: true }, () => resolve(s));
    s.once('error', reject);
  });
  const client = await connectAsync(`mqtt://127.0.0.1:${brokerPort}`, { protocolVersion: 4, reconnectPeriod: 0 });
  client.on('message', (topic, payload) => {
    const name = topic.split('/').slice(2).join('.');
    service.write(`{"name":"${name}","value":${payload.toString()}}\n`);
  });
  await client.subscribeAsync('haven/trigger/#', { qos: 1 });
  serveRpc({}, {}, async () => {
    await client.endAsync();
    service.destroy();
  });
});
