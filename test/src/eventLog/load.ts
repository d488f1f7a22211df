import { Agent, request } from 'node:http';
import { connectLineClient } from '../sources/lineClient';
import type { Seen } from './watchers';

/** An input the hub acknowledged as accepted: what was sent and the seq it answered. */
export interface Ack {
  readonly name: string;
  readonly id: number;
  readonly value: string;
  readonly seq: number;
  /** The event's timestamp as the answer carried it (HTTP only; a TCP line answers `OK <seq>`). */
  readonly timestamp?: string;
}

/** An HTTP acknowledgement as the event a client should have received. */
export const seenOfAck = (a: Ack): Seen => ({ seq: a.seq, name: a.name, value: a.value, id: a.id, timestamp: a.timestamp! });

/** What one load run did so far. */
export interface LoadRun {
  readonly acks: Ack[];
  /** Inputs sent, answered or not. */
  sent: number;
  /** Answers other than an acceptance, and connections that failed before the crash: none expected. */
  readonly unexpected: string[];
}

/** A load that is running: `run` fills as answers come; `done` resolves once every connection has ended. */
export interface Load {
  readonly run: LoadRun;
  readonly done: Promise<void>;
}

/** How the test steers a load: lanes send while `running()`; a failure counts as expected once `crashed()`; `sent()` after each write. */
export interface LoadControl {
  running(): boolean;
  crashed(): boolean;
  sent(): void;
}

/** Per trigger, the next id to send: above every id ever sent, answered or not, so a restarted hub never sees one twice. */
export type NextIds = Map<string, number>;

const takeId = (ids: NextIds, name: string): number => {
  const id = ids.get(name) ?? 1;
  ids.set(name, id + 1);
  return id;
};
const valueOf = (id: number): string => (id % 2 === 0 ? 'On' : 'Off');

/** One POST with a JSON body on `agent`; rejects when the connection fails. */
export function postJson(agent: Agent | undefined, url: string, body: unknown): Promise<{ status: number; body: any }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined }));
        res.on('error', reject);
      },
    );
    req.setTimeout(5000, () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', reject);
    req.end(payload);
  });
}

/** The cache, as `GET /api/trigger-status` shows it. */
export async function getTriggerStatus(url: string): Promise<{ triggers: Record<string, unknown> }> {
  const res = await fetch(`${url}/api/trigger-status`);
  if (res.status !== 200) throw new Error(`GET /api/trigger-status answered ${res.status}`);
  return (await res.json()) as { triggers: Record<string, unknown> };
}

/** POSTs one event of `name` with its next id; resolves with its acknowledgement, fails on anything else. */
export async function postEvent(url: string, name: string, ids: NextIds): Promise<Ack> {
  const id = takeId(ids, name);
  const value = valueOf(id);
  const answer = await postJson(undefined, `${url}/api/trigger-event`, { name, value, id });
  if (answer.status !== 200 || answer.body.reason !== undefined) throw new Error(`${name} ${id} not accepted: ${answer.status} ${JSON.stringify(answer.body)}`);
  return { name, id, value, seq: answer.body.trigger_seq, timestamp: answer.body.event.timestamp };
}

/**
 * POSTs `/api/trigger-event` on one keep-alive connection per trigger, one request at a time on
 * each (so a trigger's ids reach the hub in order), while `running()`; a lane ends when its
 * connection fails (the crash). Every acknowledged answer is recorded.
 */
export function httpLoad(url: string, triggers: readonly string[], ids: NextIds, control: LoadControl): Load {
  const run: LoadRun = { acks: [], sent: 0, unexpected: [] };
  const lanes = Promise.all(
    triggers.map(async (name) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        while (control.running()) {
          const id = takeId(ids, name);
          const value = valueOf(id);
          run.sent++;
          let answer;
          try {
            const answered = postJson(agent, `${url}/api/trigger-event`, { name, value, id });
            control.sent();
            answer = await answered;
          } catch (err) {
            if (!control.crashed()) run.unexpected.push(`${name} ${id}: ${(err as Error).message} before the crash`);
            return;
          }
          if (answer.status === 200 && typeof answer.body?.trigger_seq === 'number' && answer.body.reason === undefined)
            run.acks.push({ name, id, value, seq: answer.body.trigger_seq, timestamp: answer.body.event.timestamp });
          else run.unexpected.push(`${name} ${id}: ${answer.status} ${JSON.stringify(answer.body)}`);
        }
      } finally {
        agent.destroy();
      }
    }),
  );
  return { run, done: lanes.then(() => undefined) };
}

/**
 * Writes `NAME VALUE ID` lines to the TCP source, one connection per trigger, in bursts of
 * `burst` lines and each burst's replies awaited, while `running()`. Replies come in line order,
 * so reply i is line i's; every `OK <seq>` is recorded.
 */
export function tcpLoad(port: number, triggers: readonly string[], ids: NextIds, control: LoadControl, burst = 4): Load {
  const run: LoadRun = { acks: [], sent: 0, unexpected: [] };
  const lanes = Promise.all(
    triggers.map(async (name) => {
      const client = await connectLineClient(port);
      const lines: { id: number; value: string }[] = [];
      let taken = 0;
      const take = (): void => {
        for (; taken < client.replies.length; taken++) {
          const ok = /^OK (\d+)$/.exec(client.replies[taken]);
          const { id, value } = lines[taken];
          if (ok) run.acks.push({ name, id, value, seq: Number(ok[1]) });
          else run.unexpected.push(`${name} ${id}: ${client.replies[taken]}`);
        }
      };
      try {
        while (control.running()) {
          let text = '';
          for (let i = 0; i < burst; i++) {
            const id = takeId(ids, name);
            lines.push({ id, value: valueOf(id) });
            text += `${name} ${valueOf(id)} ${id}\n`;
          }
          run.sent += burst;
          client.write(text);
          control.sent();
          try {
            await client.waitForReplies(lines.length);
          } catch (err) {
            if (!control.crashed()) run.unexpected.push(`${name}: ${(err as Error).message} before the crash`);
            return;
          } finally {
            take();
          }
        }
      } finally {
        client.destroy();
      }
    }),
  );
  return { run, done: lanes.then(() => undefined) };
}
