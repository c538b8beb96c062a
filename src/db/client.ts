// Opens the database: embedded PGlite in a folder, or Postgres at a URL, behind one Prisma client.
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { DatabaseConfig } from './config.ts';
import { type Prisma, PrismaClient } from './generated/client.ts';
import { openPglite } from './pglite.ts';

export type { DatabaseConfig } from './config.ts';
export type { PrismaClient } from './generated/client.ts';
export { type MigrationResult, migrateDatabase } from './migrate.ts';

type ClientAdapter = NonNullable<Prisma.PrismaClientOptions['adapter']>;

export type DatabaseKind = 'pglite' | 'postgres';

export interface Database {
  prisma: PrismaClient;
  /**
   * The client of control traffic (claims, lease renewals, outcomes): on Postgres its own small pool, so that
   * it never waits for a connection behind reads; on PGlite the same client as `prisma` (one connection; the
   * reads ahead of it are bounded instead, see src/stream/step-history.ts).
   */
  control: PrismaClient;
  kind: DatabaseKind;
  /** Disconnects Prisma and closes the pool or the PGlite instance; safe to call twice. */
  close(): Promise<void>;
  /** True when a trivial query answers within `timeoutMs` (default 2 s); false once closed. */
  ping(timeoutMs?: number): Promise<boolean>;
}

export interface OpenOptions {
  /** Postgres pool size (default: pg's 10). */
  poolSize?: number;
  /** Connections of the Postgres control pool (default 2: a renewal or claim beside a large outcome). */
  controlPoolSize?: number;
  /** Called with errors of idle pooled connections (e.g. the server restarted). */
  onPoolError?(err: Error): void;
}

/** Opens (never migrates) the database the config names. Pair with `close()`. */
export async function openDatabase(config: DatabaseConfig, opts: OpenOptions = {}): Promise<Database> {
  if (config.databaseUrl) {
    // adapter-pg 7.10 beside the 6.19 client, deliberately: the Prisma CLI (prisma.config.ts) needs
    // 7.10, since 6.19's adapter cannot deserialize Postgres' `name` type that `migrate status` and
    // `deploy` read; and one adapter for both keeps one pg stack. test/db runs every query here on it.
    const pool = (max: number | undefined) =>
      new PrismaPg(
        {
          connectionString: config.databaseUrl,
          // A database that stops answering (not just refusing) must not hang requests: fail over to 503.
          connectionTimeoutMillis: 5000,
          ...(max ? { max } : {}),
        },
        { onPoolError: opts.onPoolError },
      );
    const control = new PrismaClient({ adapter: pool(opts.controlPoolSize ?? 2) });
    return wrap(
      new PrismaClient({ adapter: pool(opts.poolSize) }),
      'postgres',
      () => control.$disconnect(),
      control,
    );
  }
  const pglite = await openPglite(config.dataDir);
  // The cast: pglite-prisma-adapter 0.6 is typed against @prisma/driver-adapter-utils 6.10, whose
  // argument-type union differs from the 6.19 client's; at run time they agree.
  const adapter = new PrismaPGlite(pglite) as unknown as ClientAdapter;
  return wrap(new PrismaClient({ adapter }), 'pglite', () => pglite.close());
}

function wrap(
  prisma: PrismaClient,
  kind: DatabaseKind,
  closeDriver: () => Promise<void>,
  control: PrismaClient = prisma,
): Database {
  let closing: Promise<void> | null = null;
  return {
    prisma,
    control,
    kind,
    close() {
      closing ??= prisma.$disconnect().finally(closeDriver);
      return closing;
    },
    async ping(timeoutMs = 2000) {
      // After $disconnect Prisma would quietly open a new pool on the next query.
      if (closing) return false;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      const query = prisma.$queryRaw<{ ok: number }[]>`SELECT 1 AS ok`.then(
        (rows) => rows[0]?.ok === 1,
        () => false,
      );
      try {
        return await Promise.race([query, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
