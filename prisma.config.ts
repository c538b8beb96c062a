// Prisma CLI configuration (generate, migrate dev/diff/status): the schema engine reaches the database
// through a driver adapter, Postgres via pg when DATABASE_URL is set, else embedded PGlite in DATA_DIR
// (the service's own variables), so the CLI never downloads a native engine. The service itself
// applies migrations in process (src/db/migrate.ts), not through this CLI.
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { defineConfig, type PrismaConfig } from 'prisma/config';

type AdapterFactory = Awaited<ReturnType<Extract<PrismaConfig, { engine: 'js' }>['adapter']>>;

/** The service's default DATA_DIR (src/config.ts). */
const DEFAULT_DATA_DIR = './data/pglite';

// The CLI calls adapter() more than once per command. Two PGlite instances on one folder would both
// write to it (and one left open kept `migrate deploy` from ever exiting): build it once.
let adapterFactory: Promise<AdapterFactory> | undefined;

async function createAdapterFactory(): Promise<AdapterFactory> {
  const databaseUrl = process.env.DATABASE_URL;
  if (databaseUrl) return postgresFactory(databaseUrl);
  const dataDir = process.env.DATA_DIR || DEFAULT_DATA_DIR;
  // PGlite creates only the last path segment; make the parents too.
  mkdirSync(dataDir, { recursive: true });
  return pgliteFactory(dataDir);
}

/**
 * pglite-prisma-adapter 0.6, with script execution fixed. The schema engine replays migrations on
 * the shadow database through `executeRaw` with no arguments, and 0.6 sends that through PGlite's
 * `query` (extended protocol: one statement only), so `migrate dev` failed on the second migration
 * with "cannot insert multiple commands into a prepared statement"; and its `executeScript` does
 * not await the script. Both go to PGlite's `exec` here. The shadow database is an in-memory PGlite.
 */
async function pgliteFactory(dataDir: string): Promise<AdapterFactory> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PrismaPGlite } = await import('pglite-prisma-adapter');
  type Adapter = Awaited<ReturnType<InstanceType<typeof PrismaPGlite>['connect']>>;
  const withScripts = (
    adapter: Adapter,
    db: InstanceType<typeof PGlite>,
    onDispose?: () => Promise<void>,
  ) => {
    const exec = async (sql: string) => {
      try {
        const results = await db.exec(sql);
        return results.at(-1)?.affectedRows ?? 0;
      } catch (e) {
        // Throws the DriverAdapterError the engine understands.
        return (adapter as unknown as { onError(e: unknown): never }).onError(e);
      }
    };
    return new Proxy(adapter, {
      get(target, key, receiver) {
        if (key === 'executeScript') return async (script: string) => void (await exec(script));
        if (key === 'executeRaw') {
          return (q: { sql: string; args: unknown[] }) =>
            q.args.length === 0 ? exec(q.sql) : target.executeRaw(q as never);
        }
        if (key === 'dispose' && onDispose) return onDispose;
        return Reflect.get(target, key, receiver);
      },
    });
  };
  const main = await PGlite.create(dataDir);
  const factory = new PrismaPGlite(main);
  const fixed = {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => withScripts(await factory.connect(), main),
    async connectToShadowDb() {
      const shadow = await PGlite.create('memory://');
      return withScripts(await new PrismaPGlite(shadow).connect(), shadow, () => shadow.close());
    },
  };
  // The cast: pglite-prisma-adapter 0.6 is typed against @prisma/driver-adapter-utils 6.10, whose
  // argument-type union differs from the one prisma/config names; at run time they agree.
  return fixed as unknown as AdapterFactory;
}

/**
 * @prisma/adapter-pg, with its shadow database made safe: 7.10 creates the scratch database, then
 * connects with `{ ...config, database }`, where a connectionString wins over `database`, so the
 * shadow replay ran in the real database. (Commands that need a shadow database still fail on
 * Postgres afterwards: 7.10 cannot read the `"char"` columns the engine's introspection selects.
 * Write migrations with scripts/db-new-migration.sh, which uses PGlite.)
 */
async function postgresFactory(url: string): Promise<AdapterFactory> {
  const { PrismaPg } = await import('@prisma/adapter-pg');
  // allowExitOnIdle: idle pooled connections do not hold the CLI open for pg's 10 s idle timeout.
  const open = (connectionString: string) => new PrismaPg({ connectionString, allowExitOnIdle: true });
  const main = open(url);
  return {
    provider: main.provider,
    adapterName: main.adapterName,
    connect: () => main.connect(),
    async connectToShadowDb() {
      const name = `prisma_shadow_${randomUUID().replaceAll('-', '')}`;
      const admin = await main.connect();
      await admin.executeScript(`CREATE DATABASE "${name}"`);
      const shadowUrl = new URL(url);
      shadowUrl.pathname = `/${name}`;
      const shadow = await open(shadowUrl.toString()).connect();
      const dispose = async () => {
        await shadow.dispose();
        await admin.executeScript(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await admin.dispose();
      };
      return new Proxy(shadow, { get: (t, k, r) => (k === 'dispose' ? dispose : Reflect.get(t, k, r)) });
    },
  };
}

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join('prisma', 'schema.prisma'),
  migrations: { path: path.join('prisma', 'migrations') },
  adapter() {
    adapterFactory ??= createAdapterFactory();
    return adapterFactory;
  },
});
