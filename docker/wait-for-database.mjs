// Waits until DATABASE_URL accepts a connection and answers `SELECT 1`, for at most DB_WAIT_SECONDS.
// Exit 0: ready. Exit 1: gave up, or an error that waiting cannot fix (bad password, no such database).
// Plain JavaScript on purpose: it runs before the service, without the TypeScript loader.
import pg from 'pg';

const url = process.env.DATABASE_URL;
const raw = process.env.DB_WAIT_SECONDS ?? '60';
const seconds = Number(raw);
if (!url) {
  console.error('wait-for-database: DATABASE_URL is not set');
  process.exit(1);
}
if (!Number.isInteger(seconds) || seconds < 0) {
  console.error(`wait-for-database: DB_WAIT_SECONDS=${JSON.stringify(raw)} must be a non-negative integer`);
  process.exit(1);
}

// Name the server without the password: host, port and database only.
let where = 'the database';
try {
  const u = new URL(url);
  where = `${u.hostname}:${u.port || 5432}${u.pathname}`;
} catch {
  // The service's own config check reports a malformed URL with a clearer message; keep waiting generic.
}

// SQLSTATE classes retrying cannot fix: 28 = invalid authorization, 3D000 = database does not exist.
const permanent = (code) => typeof code === 'string' && (code.startsWith('28') || code === '3D000');

const deadline = Date.now() + seconds * 1000;
let lastError = '';
for (let attempt = 1; ; attempt++) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    await client.end();
    if (attempt > 1) console.error(`wait-for-database: ${where} is ready`);
    process.exit(0);
  } catch (err) {
    await client.end().catch(() => {});
    lastError = err instanceof Error ? err.message : String(err);
    if (permanent(err?.code)) {
      console.error(`wait-for-database: ${where}: ${lastError}`);
      process.exit(1);
    }
  }
  if (Date.now() >= deadline) break;
  if (attempt === 1)
    console.error(`wait-for-database: waiting up to ${seconds}s for ${where} (${lastError})`);
  await new Promise((resolve) => setTimeout(resolve, 1000));
}
console.error(`wait-for-database: ${where} not reachable after ${seconds}s: ${lastError}`);
process.exit(1);
