// Opening and closing the database: folders created, health pings, idempotent close.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateDatabase, openDatabase } from '../../src/db/client.ts';
import { DB_KINDS, freshDatabase, type TestDatabase } from '../helpers/databases.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

for (const { kind, skip } of DB_KINDS) {
  describe.skipIf(skip !== false)(`openDatabase [${kind}]${skip ? ` (skipped: ${skip})` : ''}`, () => {
    it('opens, answers pings, and closes once however often it is asked', async () => {
      const t: TestDatabase = await freshDatabase(kind);
      cleanups.push(() => t.drop());
      await migrateDatabase(t);
      const db = await openDatabase(t);
      expect(db.kind).toBe(kind);
      expect(await db.ping()).toBe(true);
      await Promise.all([db.close(), db.close()]);
      await db.close();
      expect(await db.ping()).toBe(false);
    });
  });
}

describe('openDatabase', () => {
  it('creates a missing PGlite folder, parents included', async () => {
    const root = mkdtempSync(join(tmpdir(), 'gradscope-open-'));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    const db = await openDatabase({ dataDir: join(root, 'a', 'b', 'pglite') });
    cleanups.push(() => db.close());
    expect(await db.ping()).toBe(true);
  });

  it('pings false, without throwing, when Postgres is unreachable', async () => {
    const db = await openDatabase({ databaseUrl: 'postgresql://postgres@127.0.0.1:1/none', dataDir: '' });
    cleanups.push(() => db.close());
    expect(await db.ping(1000)).toBe(false);
  });
});
