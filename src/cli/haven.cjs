#!/usr/bin/env node
// `npx haven …` and the package's `bin`. It runs before anything is built, so it is plain CommonJS.
//
// The source through tsx when tsx is installed: `npm ci` installs the devDependencies, so a fresh
// clone works at once, always runs the code as it is checked out (never a stale dist/), and neither
// `npm ci` nor CI pays for a build it may not need (a `prepare` script would build on every install).
// Without tsx (an install without devDependencies), the build that `npm run build` left in dist/.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..', '..');
const built = join(root, 'dist', 'src', 'cli', 'cli.js');
let tsx;
try {
  tsx = require.resolve('tsx/cjs', { paths: [root] });
} catch {
  tsx = undefined;
}
if (tsx) {
  require(tsx);
  require(join(root, 'src', 'cli', 'cli.ts')).runAsProgram(process.argv.slice(2));
} else if (existsSync(built)) {
  require(built).runAsProgram(process.argv.slice(2));
} else {
  process.stderr.write('haven: nothing to run: install the devDependencies (npm ci) or build it (npm run build)\n');
  process.exit(1);
}
