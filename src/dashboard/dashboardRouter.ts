import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Router from '@koa/router';
import { findRoot } from '../config/repositoryPaths';

/** Where `npm run build` writes the dashboard bundle (web/build.mjs), relative to the project. */
export const DASHBOARD_DIST = join('dist', 'dashboard');

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * The dashboard's files: `GET /` is its page, `GET /dashboard/<file>` its bundle. Served from the
 * build's output, never fetched from elsewhere, so a phone on the booth's network needs only the hub.
 * Unbuilt, `/` says how to build it instead of answering 404.
 */
export function createDashboardRouter(dir: string = join(findRoot(__dirname), DASHBOARD_DIST)): Router {
  const router = new Router();
  const send = async (ctx: Router.RouterContext, file: string) => {
    const ext = file.slice(file.lastIndexOf('.'));
    let body: Buffer;
    try {
      body = await readFile(join(dir, file));
    } catch {
      if (file !== 'index.html') ctx.throw(404, `No dashboard file '${file}'`);
      // Set here, not thrown: the error path hides the message of a 5xx, and this one says what to do.
      ctx.status = 503;
      ctx.body = { error: 'The dashboard is not built: run `npm run build`' };
      return;
    }
    ctx.type = TYPES[ext] ?? 'application/octet-stream';
    // The bundle's names do not change between builds: the browser revalidates instead of keeping an old one.
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = body!;
  };
  router.get('/', (ctx) => send(ctx, 'index.html'));
  // A flat folder of plain names: nothing outside it can be named.
  router.get('/dashboard/:file([A-Za-z0-9_-]+\\.[a-z]+)', (ctx) => send(ctx, ctx.params.file));
  return router;
}
