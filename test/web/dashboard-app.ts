// The service with its dashboard on a fresh PGlite, and a headless Chromium, for the browser tests.
import type { FastifyInstance } from 'fastify';
import { type Browser, chromium } from 'playwright-core';
import { buildWeb } from '../../scripts/build-web.ts';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { migrateDatabase } from '../../src/db/client.ts';
import { dashboardRoutes } from '../../src/routes/dashboard.ts';
import { freshDatabase } from '../helpers/databases.ts';

/** Debian's chromium; playwright must never download a browser of its own. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

export interface DashboardApp {
  app: FastifyInstance;
  url: string;
  browser: Browser;
  close(): Promise<void>;
}

/**
 * Builds the bundle, starts the service (WORKERS as given, then `env` over the test defaults) on a fresh PGlite
 * and launches Debian's Chromium.
 */
export async function startDashboardApp(
  workers = 1,
  env: Record<string, string> = {},
): Promise<DashboardApp> {
  await buildWeb();
  const db = await freshDatabase('pglite');
  const config = loadConfig({
    DATA_DIR: db.dataDir,
    WORKERS: String(workers),
    POLL_MS: '50',
    RATE_LIMIT_PER_MINUTE: '0',
    LOG_LEVEL: 'silent',
    PORT: '0',
    HOST: '127.0.0.1',
    ...env,
  });
  await migrateDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
  const app = await buildApp({ config });
  if (!app.hasRoute({ method: 'GET', url: '/' })) await app.register(dashboardRoutes);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no TCP address');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  return {
    app,
    url: `http://127.0.0.1:${address.port}`,
    browser,
    async close() {
      await browser.close();
      await app.close();
      await db.drop();
    },
  };
}
