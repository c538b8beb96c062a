// Writes the service's OpenAPI document (GET /openapi.json, as served with AUTH_TOKENS and the rate limit on)
// to the file named by the first argument, for the linters in scripts/test.sh.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { migrateDatabase } from '../src/db/client.ts';

const out = process.argv[2];
if (!out) throw new Error('usage: openapi-doc.ts <file>');
const dir = mkdtempSync(join(tmpdir(), 'gradscope-openapi-'));
try {
  const config = loadConfig({
    DATA_DIR: join(dir, 'pglite'),
    AUTH_TOKENS: 'lint',
    LOG_LEVEL: 'silent',
    WORKERS: '1',
  });
  await migrateDatabase({ dataDir: config.DATA_DIR });
  const app = await buildApp({ config });
  const res = await app.inject({ method: 'GET', url: '/openapi.json' });
  if (res.statusCode !== 200) throw new Error(`GET /openapi.json answered ${res.statusCode}`);
  writeFileSync(out, `${JSON.stringify(res.json(), null, 2)}\n`);
  await app.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
