import { expect } from 'chai';
import { createClock } from '../../../src/runtime/clock';
import { createVirtualTime, type VirtualTime } from '../../helpers/virtualTime';
import { startWsHub, type TestClient, type WsHub } from './wsHarness';

const EPOCH = Date.UTC(2026, 0, 1);

/** One round trip through the hub's HTTP listener: every turn queued before it has run. */
async function roundTrip(h: WsHub): Promise<void> {
  await (await fetch(`${h.hub.url}/healthz`)).text();
}

/**
 * `websocket.flush_interval_ms` on the whole hub, its clock virtual: a quiet hub writes a message
 * in the turn it happened; one that comes within the interval of the last write waits for it.
 */
describe('WebSocket writes under load, at most every websocket.flush_interval_ms (virtual time)', () => {
  let h: WsHub | undefined;
  let time: VirtualTime;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  const start = async (flushIntervalMs?: number) => {
    time = createVirtualTime();
    h = await startWsHub(flushIntervalMs === undefined ? {} : { websocket: { flush_interval_ms: flushIntervalMs } }, {
      scheduler: time.scheduler,
      clock: createClock(() => EPOCH + time.scheduler.now()),
    });
    return { hub: h, client: await h.login(h.adminToken) };
  };

  const fire = (hub: WsHub, value: string) => hub.fire('Stage.Mode', value);
  const triggers = (client: TestClient) => client.ofType('trigger').map((m) => m.data.value);

  for (const [setting, intervalMs] of [
    ['default', 16],
    ['40', 40],
  ] as const) {
    it(`flushes a quiet hub's message at once, and one within ${intervalMs} ms of the last write when that time is up (${setting})`, async () => {
      const { hub, client } = await start(setting === 'default' ? undefined : intervalMs);
      // The `connected` message was the last write, at virtual 0: past the interval, an event goes at once.
      time.advance(intervalMs);
      await fire(hub, 'intro');
      await client.waitFor((m) => m.type === 'trigger' && m.data.value === 'intro');

      // The next, in the same millisecond, waits until the interval since that write is up.
      await fire(hub, 'finale');
      time.advance(intervalMs - 1);
      await roundTrip(hub);
      await roundTrip(hub);
      expect(triggers(client), `at ${intervalMs - 1} ms`).to.deep.equal(['intro']);
      time.advance(1);
      await client.waitFor((m) => m.type === 'trigger' && m.data.value === 'finale');
      expect(triggers(client)).to.deep.equal(['intro', 'finale']);
    });
  }
});
