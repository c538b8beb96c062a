// Command-line options of the service benchmarks: `--name=value` pairs, and which databases to run on.
import pg from 'pg';

export type DbKind = 'pglite' | 'postgres';

/** `--a=1 --b` → Map { a: '1', b: 'true' }. */
export function parseArgs(argv: string[] = process.argv.slice(2)): Map<string, string> {
  return new Map(
    argv.map((a) => {
      const [k, ...v] = a.replace(/^--/, '').split('=');
      return [k, v.length ? v.join('=') : 'true'] as [string, string];
    }),
  );
}

/** Where the Postgres runs go: TEST_DATABASE_URL, else the local development server. */
export const LOCAL_POSTGRES = 'postgresql://postgres@127.0.0.1:5432/test';

/** Whether a Postgres answers at `url` within a second. */
export async function postgresReachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * The databases to run on: `--db=pglite|postgres|both`, else `fallback` (both, or Postgres only)
 * when a Postgres is reachable, and PGlite otherwise. Sets TEST_DATABASE_URL for freshDatabase.
 */
export async function chooseDatabases(
  wanted: string | undefined,
  fallback: 'both' | 'postgres',
): Promise<DbKind[]> {
  const url = process.env.TEST_DATABASE_URL || LOCAL_POSTGRES;
  const reachable = await postgresReachable(url);
  if (reachable) process.env.TEST_DATABASE_URL = url;
  const kinds: DbKind[] =
    wanted === 'pglite' || wanted === 'postgres'
      ? [wanted]
      : wanted === 'both' || fallback === 'both'
        ? ['pglite', 'postgres']
        : ['postgres'];
  if (kinds.includes('postgres') && !reachable) {
    if (wanted === 'postgres' || wanted === 'both') throw new Error(`no Postgres answers at ${url}`);
    return ['pglite'];
  }
  return kinds;
}
