// Prometheus names read as one word each: gradscope_process_cpu_user_seconds_total, not …_process_process_….
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { migrateDatabase } from '../../src/db/client.ts';
import { freshDatabase, type TestDatabase } from '../helpers/databases.ts';

describe('/metrics names', () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  beforeAll(async () => {
    db = await freshDatabase('pglite');
    const config = loadConfig({ DATA_DIR: db.dataDir, WORKERS: '1', RATE_LIMIT_PER_MINUTE: '0' });
    await migrateDatabase({ dataDir: config.DATA_DIR });
    app = await buildApp({ config });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('prefixes the default process metrics once, without doubling a word', async () => {
    const text = (await app.inject({ url: '/metrics' })).body;
    const names = [...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]);
    expect(names).toContain('gradscope_process_cpu_user_seconds_total');
    expect(names).toContain('gradscope_nodejs_heap_size_used_bytes');
    expect(names.every((n) => n.startsWith('gradscope_'))).toBe(true);
    const doubled = names.filter((n) => /(?:^|_)([a-z]+)_\1_/.test(n));
    expect(doubled).toEqual([]);
  });
});
