import { existsSync } from 'node:fs';
import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log';
import type { Registration } from './registration';
import { normalizeRegistration } from './registrationInput';

/** The seed server's persistence file, looked for in the data dir at startup. */
export const LEGACY_FILE = 'service_registrations.json';

/**
 * The entries of a seed-era `service_registrations.json`, in any of the shapes it was written in:
 * an array of registrations, `{ "services": [...] }` (the `GET /api/registrations` answer), or an
 * object keyed by service name (the name may then be missing from the value).
 */
export function legacyEntries(json: unknown): unknown[] {
  if (Array.isArray(json)) return json;
  if (!json || typeof json !== 'object') return [];
  const obj = json as Record<string, unknown>;
  if (Array.isArray(obj.services)) return obj.services;
  return Object.entries(obj).map(([name, value]) => (value && typeof value === 'object' && !Array.isArray(value) ? { name, ...(value as object) } : value));
}

/** What the import needs from the dispatcher. */
export interface LegacyImportDeps {
  readonly isKnown: (name: string) => boolean;
  /** Stores what was found; runs before the file is renamed, so a failure here leaves it for next time. */
  readonly persist: (found: Registration[]) => void;
  readonly utcNow: () => string;
  readonly log: Logger;
}

/**
 * Reads `<dataDir>/service_registrations.json` if it exists, hands the registrations in it that
 * `isKnown` does not know yet to `persist` and returns them; only then renames the file to
 * `.imported`, so the next start does not import it again. A file that is not JSON is logged and
 * left in place; an entry that is not a registration is logged and skipped.
 */
export async function importLegacyRegistrations(dataDir: string, deps: LegacyImportDeps): Promise<Registration[]> {
  const { isKnown, persist, utcNow, log } = deps;
  const file = join(dataDir, LEGACY_FILE);
  if (!existsSync(file)) return [];
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    log.error(`${file} is not readable JSON; not imported`, { error: String(error) });
    return [];
  }
  const found: Registration[] = [];
  const seen = new Set<string>();
  for (const entry of legacyEntries(json)) {
    const result = normalizeRegistration(entry, utcNow());
    if (!result.ok) {
      log.warn(`${LEGACY_FILE}: skipped an entry: ${result.error}`);
      continue;
    }
    const { name } = result.registration;
    if (isKnown(name) || seen.has(name)) continue;
    seen.add(name);
    found.push(result.registration);
  }
  persist(found);
  try {
    await rename(file, `${file}.imported`);
  } catch (error) {
    log.warn(`could not rename ${file} after importing it`, { error: String(error) });
  }
  log.info(`imported ${found.length} registration(s) from ${LEGACY_FILE}`);
  return found;
}
