// Bundles the dashboard (web/dashboard/) into dist/dashboard/, the folder the hub serves at `/`:
// one app.js, one app.css (uPlot's included) and index.html, nothing loaded from elsewhere at run time.
// Run by `npm run build`; the browser test runs it too, so it never tests a stale bundle.
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'dashboard');

await mkdir(out, { recursive: true });
await build({
  absWorkingDir: root,
  entryPoints: { app: 'web/dashboard/main.tsx' },
  outdir: out,
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'iife',
  // Phones a few years old (Safari 14, Chrome 90 and later run ES2020).
  target: 'es2020',
  tsconfig: 'web/tsconfig.json',
  logLevel: 'warning',
});
await copyFile(join(root, 'web', 'dashboard', 'index.html'), join(out, 'index.html'));
