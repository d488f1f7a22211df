import type { Store } from '../storage/store';
import { createDirectory, type Directory } from './directory';
import { createTokenStore, type TokenStore } from './tokenStore';

/** Where admins, clients and their tokens are kept: what the runtime's guard, the WebSocket transport and the CLI share. */
export interface AdminStores {
  readonly directory: Directory;
  readonly tokens: TokenStore;
  readonly utcNow: () => string;
}

/** The directory and token store over `store`. One per process: the directory caches its clients. */
export function createAdminStores(store: Store, utcNow: () => string): AdminStores {
  return { directory: createDirectory(store), tokens: createTokenStore(store, utcNow), utcNow };
}
