// The database as a fastify plugin: opens PGlite (served from its own thread) or Postgres (or adopts one a
// test opened), exposes the RunStore and the cross-instance notifier, and closes them on shutdown (an
// embedded database left open keeps the process alive). The embedded database is one process's: its
// notifier stays local (its one shared session could not route LISTEN/NOTIFY anyway, see pglite-wire.ts).
import fp from 'fastify-plugin';
import type { Config } from '../config.ts';
import { type Database, migrateDatabase, openDatabase } from '../db/client.ts';
import type { EmbeddedPostgres } from '../db/pglite.ts';
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

export interface DatabaseOptions {
  config: Config;
  /** An already open database (tests). */
  database?: Database;
  /** The embedded server, already being started on config.DATA_DIR (main.ts). */
  embedded?: Promise<EmbeddedPostgres>;
  migrate?: boolean;
}

export const databasePlugin = fp<DatabaseOptions>(
  async (app, { config, database, embedded, migrate }) => {
    const db =
      database ??
      (await openDatabase(
        { databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR },
        {
          started: embedded,
          onPoolError: (err) =>
            app.log.warn({ err }, 'database connection lost; it will be re-opened on demand'),
          embedded: {
            onUnexpectedExit: (err) =>
              app.log.error(
                { err },
                'the embedded database process stopped; restarting it (requests get 503)',
              ),
            onRestartFailed: (err) =>
              app.log.error({ err }, 'the embedded database process did not restart; trying again'),
            onRestarted: () => app.log.warn('the embedded database process serves again'),
          },
        },
      ));
    // Through the open database: an embedded folder is opened once (PGlite's start-up is most of a cold
    // start), and on Postgres the same as a separate step.
    if (migrate) {
      const migration = await migrateDatabase({ databaseUrl: db.url, dataDir: config.DATA_DIR }).catch(
        async (e) => {
          if (!database) await db.close();
          throw e;
        },
      );
      if (migration.applied.length) app.log.info({ applied: migration.applied }, 'database migrated');
      if (migration.modified.length)
        app.log.warn({ modified: migration.modified }, 'applied migrations were edited since');
      if (migration.unknown.length)
        app.log.warn(
          { unknown: migration.unknown },
          'the database has migrations this release does not know',
        );
    }
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
