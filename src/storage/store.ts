/**
 * The embedded store behind a small interface, so a Redis store can join later: named collections
 * of JSON documents keyed by id. Writes are synchronous and durable when they return.
 */
export interface Collection<T> {
  get(id: string): T | undefined;
  put(id: string, value: T): void;
  /** True when something was deleted. */
  delete(id: string): boolean;
  /** Every document, in insertion order of their ids. */
  entries(): Array<[string, T]>;
}

export interface Store {
  collection<T>(name: string): Collection<T>;
  /** Runs `fn` atomically: every write in it lands, or none does. */
  transaction<R>(fn: () => R): R;
  close(): void;
}
