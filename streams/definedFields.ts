/** `partial` without its `undefined` fields: `{ ...defaults, ...partial }` would let an explicit `undefined` erase a default. */
export function definedFields<T extends object>(partial: Partial<T>): Partial<T> {
  return Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<T>;
}
