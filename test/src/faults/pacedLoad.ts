import { Agent } from 'node:http';
import { postJson, type Ack, type NextIds } from '../eventLog/load';
import { pause } from './faultHub';

/** What a paced load did: every acceptance, every other answer (by status and reason), and the failures. */
export interface PacedRun {
  readonly acks: Ack[];
  /** Answers other than an acceptance, as `<status> <reason>` with how many. */
  readonly refused: Map<string, number>;
  /** Requests that got no answer (the connection failed), with why. */
  readonly failed: string[];
  sent: number;
}

/**
 * POSTs `/api/trigger-event` on one keep-alive connection per trigger, one request at a time on
 * each, `gapMs` between an answer and the next request, while `running()`. A failed request is
 * recorded and its lane goes on (after `gapMs`), so a load outlives a hub that refuses for a while.
 */
export function pacedLoad(url: string, triggers: readonly string[], ids: NextIds, running: () => boolean, gapMs: number) {
  const run: PacedRun = { acks: [], refused: new Map(), failed: [], sent: 0 };
  const done = Promise.all(
    triggers.map(async (name) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        while (running()) {
          const id = ids.get(name) ?? 1;
          ids.set(name, id + 1);
          const value = id % 2 === 0 ? 'On' : 'Off';
          run.sent++;
          try {
            const answer = await postJson(agent, `${url}/api/trigger-event`, { name, value, id });
            if (answer.status === 200 && typeof answer.body?.trigger_seq === 'number' && answer.body.reason === undefined)
              run.acks.push({ name, id, value, seq: answer.body.trigger_seq, timestamp: answer.body.event.timestamp });
            else {
              const key = `${answer.status} ${answer.body?.reason ?? answer.body?.error ?? ''}`;
              run.refused.set(key, (run.refused.get(key) ?? 0) + 1);
            }
          } catch (err) {
            run.failed.push(`${name} ${id}: ${(err as Error).message}`);
          }
          if (gapMs > 0) await pause(gapMs);
        }
      } finally {
        agent.destroy();
      }
    }),
  ).then(() => undefined);
  return { run, done };
}
