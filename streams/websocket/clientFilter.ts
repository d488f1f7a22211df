/** The entities a client may see (its enabled areas' triggers and sockets); null: everything (admins). */
export type Visibility = ReadonlySet<string> | null;

/**
 * Trigger names and categories a connection asked for (`subscribe`), within what it may see;
 * absent means everything it may see. Never changed in place: a new filter replaces the old one,
 * so events already published keep being judged by the filter they were published under.
 */
export interface ClientFilter {
  readonly triggers: ReadonlySet<string>;
  readonly categories: ReadonlySet<string>;
}

/** What one connection gets: what it may see and what it asked for. Replaced whole, never changed in place. */
export interface View {
  readonly visible: Visibility;
  readonly filter: ClientFilter | undefined;
}

/** Whether `visible` lets a connection see entity `name`. */
export function canSee(visible: Visibility, name: string): boolean {
  return visible === null || visible.has(name);
}

/** Whether a connection with this view gets events of trigger (or socket) `name` in `category`. */
export function sees({ visible, filter }: View, name: string, category?: string): boolean {
  if (!canSee(visible, name)) return false;
  return filter === undefined || filter.triggers.has(name) || (category !== undefined && filter.categories.has(category));
}
