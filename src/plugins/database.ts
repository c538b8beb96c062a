// The database as a fastify plugin: opens PGlite or Postgres (or adopts one a test opened), exposes the
// RunStore and the cross-instance notifier, and closes them on shutdown (a PGlite left open keeps the
// process alive).
import fp from 'fastify-plugin';
import type { Config } from '../config.ts';
import { type Database, openDatabase } from '../db/client.ts';
import { createRunStore } from '../db/run-store.ts';
import { createSweepStore } from '../db/sweep-store.ts';
import type { RunStore } from '../model/store.ts';
import type { SweepStore } from '../model/sweep.ts';
import { localNotifier, type Notifier } from '../stream/notifier.ts';
import { PgNotifier } from '../stream/pg-notifier.ts';

declare module 'fastify' {
  interface FastifyInstance {
    database: Database;
    store: RunStore;
    sweepStore: SweepStore;
    notifier: Notifier;
  }
}

export const databasePlugin = fp<{ config: Config; database?: Database }>(
  async (app, { config, database }) => {
    const db =
      database ??
      (await openDatabase(
        { databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR },
        {
          onPoolError: (err) =>
            app.log.warn({ err }, 'database connection lost; it will be re-opened on demand'),
        },
      ));
    const notifier =
      db.kind === 'postgres' && config.DATABASE_URL
        ? new PgNotifier(config.DATABASE_URL, config.INSTANCE_ID, app.log)
        : localNotifier;
    app.decorate('database', db);
    app.decorate('store', createRunStore(db));
    app.decorate('sweepStore', createSweepStore(db));
    app.decorate('notifier', notifier);
    app.addHook('onClose', async () => {
      await notifier.close();
      if (!database) await db.close();
    });
  },
  { name: 'database' },
);
