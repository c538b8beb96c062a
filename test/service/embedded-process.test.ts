// When the embedded database's process dies: requests answer 503 problem+json with Retry-After (as in a
// Postgres outage) and /readyz is not ready until the service has started the process again, with the data.
import { describe, expect, it } from 'vitest';
import { freshDatabase } from '../helpers/databases.ts';
import { http, type RunningService, startService, waitFor } from '../helpers/service.ts';
import { probe } from '../helpers/specs.ts';

describe('the embedded database process dies', () => {
  it('answers 503 with Retry-After and is not ready meanwhile, then serves the same data again', {
    timeout: 180_000,
  }, async () => {
    const db = await freshDatabase('pglite');
    const svc = await startService(db);
    try {
      await crashAndRecover(svc);
    } finally {
      await svc.close();
      await db.drop();
    }
  });
});

async function crashAndRecover(svc: RunningService): Promise<void> {
  const run = (await http(`${svc.url}/v1/runs`, { body: probe, headers: { prefer: 'wait=20' } })).body;
  expect(run.status).toBe('succeeded');
  const embedded = svc.app.database.embedded;
  if (!embedded) throw new Error('the service did not open an embedded database');
  await embedded.crash();

  const during = await http(`${svc.url}/v1/runs/${run.id}`);
  expect(during.status).toBe(503);
  expect(during.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(during.headers.get('retry-after')).toMatch(/^\d+$/);
  expect(during.body.code).toBe('unavailable');
  const ready = await http(`${svc.url}/readyz`);
  expect(ready.status).toBe(503);
  expect(ready.body.checks.database).toBe(false);

  await waitFor(async () => (await http(`${svc.url}/readyz`)).status === 200, 30_000, 'ready again');
  const after = await http(`${svc.url}/v1/runs/${run.id}`);
  expect(after.status).toBe(200);
  expect(after.body.status).toBe('succeeded');
  const next = (await http(`${svc.url}/v1/runs`, { body: probe, headers: { prefer: 'wait=20' } })).body;
  expect(next.status).toBe('succeeded');
}
