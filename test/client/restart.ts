// A service that can be closed and started again on the same database and port (for reconnect tests).
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { migrateDatabase } from '../../src/db/client.ts';
import type { TestDatabase } from '../helpers/databases.ts';
import { freePort } from '../helpers/instances.ts';

export interface Restartable {
  url: string;
  /** Closes the running app (its streams close with it) and starts a new one on the same port. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function restartableService(
  db: TestDatabase,
  env: Record<string, string> = {},
): Promise<Restartable> {
  const port = await freePort();
  const start = async () => {
    const config = loadConfig({
      DATABASE_URL: db.databaseUrl,
      DATA_DIR: db.dataDir,
      WORKERS: '1',
      POLL_MS: '50',
      LEASE_MS: '3000',
      SHUTDOWN_GRACE_MS: '200',
      RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'silent',
      ...env,
    });
    await migrateDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
    const app = await buildApp({ config, logger: false, pingMs: 1000 });
    await app.listen({ port, host: '127.0.0.1' });
    return app;
  };
  let app = await start();
  return {
    url: `http://127.0.0.1:${port}`,
    async restart() {
      await app.close();
      app = await start();
    },
    close: () => app.close(),
  };
}
