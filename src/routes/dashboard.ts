// The dashboard: web/dist (built by `npm run build:web`) served at `/`. index.html is revalidated on every load;
// the bundles carry a content hash in their names, so they are cached for a year. Without a build, `/` answers
// a 503 problem that says how to make one.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { problemOf, sendProblem } from '../http/problems.ts';

export interface DashboardOptions {
  /** The built dashboard (default: web/dist of this checkout). */
  root?: string;
}

export const DEFAULT_DASHBOARD_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../web/dist');

/** esbuild's entryNames '[name]-[hash]': app-7QK2M4ZD.js, style-…css, and their source maps. */
const HASHED = /-[A-Z0-9]{8}\.(js|css)(\.map)?$/;

export const dashboardRoutes: FastifyPluginAsync<DashboardOptions> = async (app, opts) => {
  const root = opts.root ?? DEFAULT_DASHBOARD_ROOT;

  if (!existsSync(join(root, 'index.html'))) {
    app.log.warn({ root }, 'dashboard not built: run `npm run build:web`');
    const notBuilt = async (req: FastifyRequest, reply: FastifyReply) => {
      reply.header('cache-control', 'no-store');
      return sendProblem(reply, {
        ...problemOf(
          'unavailable',
          `The dashboard has not been built (${root} has no index.html): run \`npm run build:web\`, then ` +
            'reload. The API works without it; its documentation is at /docs.',
          req.url,
        ),
        title: 'The dashboard has not been built',
      });
    };
    app.get('/', { schema: { hide: true } }, notBuilt);
    app.get('/index.html', { schema: { hide: true } }, notBuilt);
    return;
  }

  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    index: ['index.html'],
    // Other paths fall through to the app's 404 problem; `/` is the explicit route below.
    wildcard: true,
    cacheControl: false,
    schemaHide: true,
    setHeaders(reply, path) {
      const hashed = HASHED.test(path);
      reply.header(
        'cache-control',
        hashed
          ? 'public, max-age=31536000, immutable'
          : path.endsWith('.html')
            ? 'no-cache'
            : 'public, max-age=3600',
      );
    },
  });

  // An explicit route for `/`, so that `app.hasRoute({ method: 'GET', url: '/' })` tells whether the dashboard is
  // registered, and the page is never cached without revalidation.
  app.get('/', { schema: { hide: true } }, (_req, reply) => {
    reply.header('cache-control', 'no-cache');
    return reply.sendFile('index.html');
  });
};
