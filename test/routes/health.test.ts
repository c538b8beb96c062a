// Probes stay out of the info log: a liveness poll every few seconds must not write two lines each time.
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { migrateDatabase } from '../../src/db/client.ts';
import { freshDatabase, type TestDatabase } from '../helpers/databases.ts';

describe('/healthz and /readyz logging', () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  const lines: { level: number; msg: string; url?: string }[] = [];

  beforeAll(async () => {
    db = await freshDatabase('pglite');
    const config = loadConfig({ DATA_DIR: db.dataDir, WORKERS: '1', RATE_LIMIT_PER_MINUTE: '0' });
    await migrateDatabase({ dataDir: config.DATA_DIR });
    const stream = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) {
          const o = JSON.parse(line);
          lines.push({ level: o.level, msg: o.msg, url: o.req?.url ?? o.url });
        }
        done();
      },
    });
    app = await buildApp({ config, logger: { level: 'info', stream } });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('logs no info line for a probe, and still logs other requests', async () => {
    const before = lines.length;
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/v1/runs?limit=1' })).statusCode).toBe(200);
    const logged = lines.slice(before);
    expect(logged.filter((l) => l.url === '/healthz' || l.url === '/readyz')).toEqual([]);
    // The ordinary request is logged (incoming + completed): the probes' silence is not a silent logger.
    expect(logged.filter((l) => l.url === '/v1/runs?limit=1').length).toBeGreaterThan(0);
  });
});
