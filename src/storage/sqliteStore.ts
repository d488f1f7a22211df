import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Collection, Store } from './store';

/**
 * The store in one SQLite file (`<dataDir>/haven.db`), one table of JSON documents. WAL with
 * synchronous=NORMAL: a crash loses at most the last transactions, never corrupts the file.
 * `dataDir` `:memory:` keeps everything in memory (tests).
 */
export function createSqliteStore(dataDir: string): Store {
  let file = ':memory:';
  if (dataDir !== ':memory:') {
    mkdirSync(dataDir, { recursive: true });
    file = join(dataDir, 'haven.db');
  }
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE IF NOT EXISTS documents (
    collection TEXT NOT NULL,
    id TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (collection, id)
  )`);
  const getStmt = db.prepare<[string, string], { body: string }>('SELECT body FROM documents WHERE collection = ? AND id = ?');
  const putStmt = db.prepare('INSERT INTO documents (collection, id, body) VALUES (?, ?, ?) ON CONFLICT(collection, id) DO UPDATE SET body = excluded.body');
  const delStmt = db.prepare('DELETE FROM documents WHERE collection = ? AND id = ?');
  const allStmt = db.prepare<[string], { id: string; body: string }>('SELECT id, body FROM documents WHERE collection = ? ORDER BY rowid');

  const collections = new Map<string, Collection<unknown>>();
  const collection = <T>(name: string): Collection<T> => {
    let c = collections.get(name);
    if (!c) {
      c = {
        get: (id) => {
          const row = getStmt.get(name, id);
          return row ? JSON.parse(row.body) : undefined;
        },
        put: (id, value) => void putStmt.run(name, id, JSON.stringify(value)),
        delete: (id) => delStmt.run(name, id).changes > 0,
        entries: () => allStmt.all(name).map((row) => [row.id, JSON.parse(row.body)] as [string, unknown]),
      };
      collections.set(name, c);
    }
    return c as Collection<T>;
  };
  return {
    collection,
    transaction: (fn) => db.transaction(fn)(),
    close: () => {
      if (db.open) db.close();
    },
  };
}
