import { readFileSync, writeFileSync } from 'node:fs';
import { parseMetrics, samplesOf } from '../../helpers/metricsText';
import { createHubFolder, type HubFolder, type JournalSettings } from '../eventLog/hubFolder';

/** A hub folder (catalog, config, data, an admin token and an API key) whose config gets `extra` sections on top of the crash tests' ones. */
export interface FaultFolder extends HubFolder {
  /** Rewrites the config: the crash tests' settings with `journal`, then each section of `extra` merged over its own. */
  configureWith(journal: JournalSettings, extra: Record<string, Record<string, unknown>>): void;
}

export async function createFaultFolder(prefix: string): Promise<FaultFolder> {
  const folder = await createHubFolder(prefix);
  return {
    ...folder,
    configureWith(journal, extra) {
      folder.configure(journal);
      const config = JSON.parse(readFileSync(folder.configFile, 'utf8')) as Record<string, Record<string, unknown>>;
      for (const [section, fields] of Object.entries(extra)) config[section] = { ...config[section], ...fields };
      writeFileSync(folder.configFile, JSON.stringify(config));
    },
  };
}

/** `GET /metrics` as text. */
export async function scrape(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`);
  if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}`);
  return res.text();
}

/** The value of the first sample of `name` in `text` whose labels include `labels`; 0 when there is none. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  return samplesOf(parseMetrics(text), name, labels)[0]?.value ?? 0;
}

/**
 * `POST /api/register` for a TCP_SOCKET service on 127.0.0.1:`port`, with the folder's admin token
 * (the folder has an admin, so management needs it even from loopback); fails unless answered 200.
 */
export async function registerService(
  url: string,
  adminToken: string,
  registration: { name: string; port: number; max_age_ms?: number; fields?: string[] },
): Promise<void> {
  const res = await fetch(`${url}/api/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ host: '127.0.0.1', protocol: 'TCP_SOCKET', ...registration }),
  });
  if (res.status !== 200) throw new Error(`POST /api/register answered ${res.status}: ${await res.text()}`);
}

/** Seconds a sustained-load fault runs: `HAVEN_FAULT_SECONDS`, else `fallback`. */
export function faultSeconds(fallback: number): number {
  const fromEnv = Number(process.env.HAVEN_FAULT_SECONDS);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : fallback;
}

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
