import type { SchedulerLike } from 'rxjs';
import { sanitizeForLog } from '../../log';
import type { DeviceResult } from '../../../streams/power/powerContracts';

/** A device's HTTP answer: its status and its JSON body. */
export interface JsonAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** The request's abort signal fired: the device took longer than the timeout. */
const timedOut = (e: Error): boolean => e.name === 'TimeoutError' || e.name === 'AbortError';

/**
 * GET `url` and parse the answer as JSON, within `timeoutMs` on `scheduler` (the request is
 * aborted then). Any failure is a value with a sentence a person can act on; `url` never appears
 * in it, since it may carry a device password.
 */
export async function httpGetJson(url: string, timeoutMs: number, scheduler: SchedulerLike): Promise<DeviceResult<JsonAnswer>> {
  // The timeout is a timer setting, so it runs on the scheduler (AbortSignal.timeout would not).
  const abort = new AbortController();
  const deadline = scheduler.schedule(() => abort.abort(), timeoutMs);
  try {
    return await getJson(url, timeoutMs, abort.signal);
  } finally {
    deadline.unsubscribe();
  }
}

async function getJson(url: string, timeoutMs: number, signal: AbortSignal): Promise<DeviceResult<JsonAnswer>> {
  const noAnswer: DeviceResult<JsonAnswer> = { ok: false, error: `no answer within ${timeoutMs} ms` };
  let res: Response;
  try {
    res = await fetch(url, { signal, headers: { accept: 'application/json' } });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (timedOut(e)) return noAnswer;
    return { ok: false, error: `cannot reach the device: ${e.cause?.code ?? e.cause?.message ?? e.message}` };
  }
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    const e = err as Error;
    if (timedOut(e)) return noAnswer;
    return { ok: false, error: `the device closed the connection: ${e.message}` };
  }
  try {
    return { ok: true, value: { status: res.status, body: JSON.parse(text) } };
  } catch {
    return { ok: false, error: `the device answered HTTP ${res.status} with a body that is not JSON: ${sanitizeForLog(text, 80)}` };
  }
}
