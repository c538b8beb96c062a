// Control traffic (lease renewals, claims, outcomes) has its own connections on Postgres: it goes on while
// every connection of the read pool waits on a blocked query (issue 12 §2: subscribers' history reads
// starved the leases). On PGlite there is one connection and the control client is the same one.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, migrateDatabase, openDatabase } from '../../src/db/client.ts';
import { createRunStore } from '../../src/db/run-store.ts';
import { freshDatabase, POSTGRES_URL, type TestDatabase } from '../helpers/databases.ts';
import { queuedRun } from './harness.ts';

describe.skipIf(!POSTGRES_URL)(
  `control pool [postgres]${POSTGRES_URL ? '' : ' (skipped: TEST_DATABASE_URL is not set)'}`,
  () => {
    let fresh: TestDatabase;
    let db: Database;
    beforeAll(async () => {
      fresh = await freshDatabase('postgres');
      await migrateDatabase(fresh);
      // A read pool of two connections, both to be held by blocked reads below.
      db = await openDatabase(fresh, { poolSize: 2 });
    });
    afterAll(async () => {
      await db?.close();
      await fresh?.drop();
    });

    it('renews leases, claims and stores outcomes while every read connection waits on a lock', async () => {
      const store = createRunStore(db);
      const running = await queuedRun(db);
      const queued = await queuedRun(db);
      expect((await store.claimRuns('me', 1, 60_000, 3, [])).map((r) => r.id)).toEqual([running]);

      // Another session locks the statistics table; two history reads then hold both read connections.
      const locker = new pg.Client({ connectionString: fresh.databaseUrl });
      await locker.connect();
      try {
        await locker.query('BEGIN');
        await locker.query('LOCK TABLE run_steps IN ACCESS EXCLUSIVE MODE');
        let readsDone = 0;
        const reads = [1, 2].map(() =>
          store.readSteps(running, { fromStep: 0, limit: 10 }).then((rows) => {
            readsDone++;
            return rows;
          }),
        );
        // Both reads are on the server, waiting for the lock (so both read connections are taken).
        for (;;) {
          // Statistics views are a snapshot per transaction: clear it to see the reads arrive.
          await locker.query('SELECT pg_stat_clear_snapshot()');
          const { rows } = await locker.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%FROM run_steps%'`,
          );
          if (rows[0].n >= 2) break;
          await new Promise((r) => setTimeout(r, 20));
        }
        // Without its own pool, each of these would wait for a read connection (and fail after 5 s).
        expect(await store.renewLeases('me', [running], 60_000)).toEqual([running]);
        expect((await store.claimRuns('me', 1, 60_000, 3, [])).map((r) => r.id)).toEqual([queued]);
        expect(await store.finishRun(queued, 'me', { status: 'succeeded', summary: { ok: true } })).toBe(
          true,
        );
        expect(readsDone).toBe(0);
        await locker.query('COMMIT');
        expect((await Promise.all(reads)).map((rows) => rows.length)).toEqual([0, 0]);
      } finally {
        await locker.end();
      }
    });
  },
);

describe('control client [pglite]', () => {
  it('is the one client of the single embedded connection', async () => {
    const fresh = await freshDatabase('pglite');
    try {
      await migrateDatabase(fresh);
      const db = await openDatabase(fresh);
      expect(db.control).toBe(db.prisma);
      await db.close();
    } finally {
      await fresh.drop();
    }
    // Migrating a fresh PGlite takes a while on a loaded machine.
  }, 180_000);
});
