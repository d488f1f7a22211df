import { expect } from 'chai';
import { createLocalBus } from '../../../src/bus/localBus';
import type { PowerEvent } from '../../../src/bus/bus';
import type { PowerComponent } from '../../../src/power/powerComponent';
import type { SocketConfig } from '../../../src/power/powerConfig';
import type { RuntimeOptions } from '../../../src/runtime/runtime';
import { startHub, type TestHub } from '../../helpers/hub';
import type { VirtualTime } from '../../helpers/virtualTime';
import { waitFor } from '../../helpers/waitFor';
import type { FakeDevice } from './fakeDevices';

/** One HTTP exchange with the hub: status, JSON body, headers. */
export interface Answer {
  readonly status: number;
  readonly body: any;
  readonly headers: Headers;
}

export async function call(hub: TestHub, method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(hub.url + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

export { waitFor } from '../../helpers/waitFor';

/**
 * What `ask` answers from a device that holds its request open: the timeout runs on virtual time,
 * so this waits for the request to reach the device (real I/O), checks nothing is answered a ms
 * before `timeoutMs`, then moves the clock past it.
 */
export async function answerAtTimeout<T>(device: FakeDevice, time: VirtualTime, timeoutMs: number, ask: () => Promise<T>): Promise<T> {
  const before = device.requests.length;
  let settled = false;
  const answer = ask().finally(() => (settled = true));
  await waitFor(() => device.requests.length > before, 'the request to reach the device');
  time.advance(timeoutMs - 1);
  await new Promise((r) => setImmediate(r));
  expect(settled, 'answered before the timeout').to.equal(false);
  time.advance(1);
  return answer;
}

/** A hub with the given sockets (and power options, and runtime options such as a scheduler), collecting every power event from its bus, from the start on. */
export async function startPowerHub(
  sockets: Array<Partial<SocketConfig> & Pick<SocketConfig, 'name' | 'driver'>>,
  power: Record<string, unknown> = {},
  dataDir?: string,
  options: Partial<RuntimeOptions> = {},
) {
  const bus = createLocalBus();
  const events: PowerEvent[] = [];
  const subscription = bus.messages$<PowerEvent>('power').subscribe((e) => events.push(e));
  const hub = await startHub({ power: { sockets, ...power } } as any, { ...options, dataDir, bus: () => bus }).catch((err) => {
    subscription.unsubscribe();
    throw err;
  });
  return {
    hub,
    events,
    power: () => hub.component<PowerComponent>('power'),
    /** Events of one type, in order. */
    of: (type: PowerEvent['type']) => events.filter((e) => e.type === type),
    async stop(opts?: { keepData?: boolean }) {
      subscription.unsubscribe();
      await hub.stop(opts);
    },
  };
}

export type PowerHub = Awaited<ReturnType<typeof startPowerHub>>;

/** The seed's InstanceData fields, every one of them. */
export const SEED_INSTANCE_FIELDS = [
  'id',
  'energy',
  'amperagePerSecond',
  'emergencyStopTimeout',
  'startTimestamp',
  'stopTimestamp',
  'powerOnTimestamp',
  'powerOffTimestamp',
  'isEmergencyStopped',
  'isManuallyStopped',
];

/** The seed's serverData fields. */
export const SEED_SERVER_FIELDS = ['runningInstances', 'instancesStopping', 'latestEmergencyStopTimeoutInstanceId', 'powerStatus'];
