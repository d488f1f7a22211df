import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root: the nearest folder above `from` with a package.json (works from src and dist). */
export function findRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${from}`);
    dir = up;
  }
  return dir;
}

/**
 * Where the repository's `config/` folder is, wherever the code runs from (src or dist). Its own
 * module, apart from the loader: the validators' generator reads the schemas there, and must not
 * load the generated validators it is about to rewrite.
 */
export const CONFIG_DIR = join(findRoot(__dirname), 'config');
