// Opens the database: embedded PGlite in a folder, or Postgres at a URL, behind one Prisma client and `pg`.
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { DatabaseConfig } from './config.ts';
import { PrismaClient } from './generated/client.ts';
import { type EmbeddedObserver, type EmbeddedPostgres, startEmbeddedPostgres } from './pglite.ts';

export type { DatabaseConfig } from './config.ts';
export type { PrismaClient } from './generated/client.ts';
export { type MigrationResult, migrateDatabase } from './migrate.ts';

export type DatabaseKind = 'pglite' | 'postgres';

export interface Database {
  prisma: PrismaClient;
  /**
   * The `pg` pool `prisma` queries through, for the few hot reads sent as plain SQL (run-read.ts): they skip
   * Prisma's query compiler, a third of a request's CPU on this loop.
   */
  pool: pg.Pool;
  /**
   * The client of control traffic (claims, lease renewals, outcomes): on Postgres its own small pool, so that
   * it never waits for a connection behind reads; on PGlite the same client as `prisma` (one connection; the
   * reads ahead of it are bounded instead, see src/stream/step-history.ts).
   */
  control: PrismaClient;
  kind: DatabaseKind;
  /** The postgresql:// URL it answers at (PGlite: its server's socket), e.g. for `migrateDatabase`. */
  url: string;
  /** Disconnects Prisma and closes the pool (and the embedded server's thread); safe to call twice. */
  close(): Promise<void>;
  /** True when a trivial query answers within `timeoutMs` (default 2 s); false once closed. */
  ping(timeoutMs?: number): Promise<boolean>;
  /** PGlite: its server thread (restarted on its own should it die). */
  embedded?: EmbeddedPostgres;
}

export interface OpenOptions {
  /** Postgres pool size (default: pg's 10). */
  poolSize?: number;
  /** Connections of the Postgres control pool (default 2: a renewal or claim beside a large outcome). */
  controlPoolSize?: number;
  /** Called with errors of idle pooled connections (e.g. the server restarted). */
  onPoolError?(err: Error): void;
  /** The embedded database's process: its unexpected end (queries fail as an outage until it is restarted). */
  embedded?: EmbeddedObserver;
  /** The embedded server, already being started (main.ts: PGlite opens while the app's modules load). */
  started?: Promise<EmbeddedPostgres>;
}

/**
 * Opens (never migrates) the database the config names. Pair with `close()`. Both kinds go through the
 * same `pg` pool and Prisma adapter: the embedded PGlite is served over the wire protocol from a worker
 * thread of its own (pglite.ts), so its queries never run on this event loop.
 */
export async function openDatabase(config: DatabaseConfig, opts: OpenOptions = {}): Promise<Database> {
  if (config.databaseUrl) {
    const url = config.databaseUrl;
    const control = postgresClient(url, { ...opts, poolSize: opts.controlPoolSize ?? 2 });
    return wrap(postgresClient(url, opts), 'postgres', url, () => control.close(), control.prisma);
  }
  const embedded = await (opts.started ?? startEmbeddedPostgres(config.dataDir));
  embedded.observe(opts.embedded ?? {});
  return {
    ...wrap(postgresClient(embedded.url, opts), 'pglite', embedded.url, () => embedded.close()),
    embedded,
  };
}

/** A Prisma client on a `pg` pool of its own, the pool beside it, and how to close both. */
interface PooledClient {
  prisma: PrismaClient;
  pool: pg.Pool;
  close(): Promise<void>;
}

function postgresClient(connectionString: string, opts: OpenOptions): PooledClient {
  const pool = new pg.Pool({
    connectionString,
    // A database that stops answering (not just refusing) must not hang requests: fail over to 503.
    connectionTimeoutMillis: 5000,
    ...(opts.poolSize ? { max: opts.poolSize } : {}),
  });
  // Before Prisma's first query too (its adapter listens only once connected): an idle connection's error
  // without a listener would end the process.
  pool.on('error', (err) => opts.onPoolError?.(err));
  // adapter-pg 7.10 beside the 6.19 client, deliberately: the Prisma CLI (prisma.config.ts) needs
  // 7.10, since 6.19's adapter cannot deserialize Postgres' `name` type that `migrate status` and
  // `deploy` read; and one adapter for both keeps one pg stack. test/db runs every query here on it.
  // The pool is ours: Prisma's $disconnect leaves it open, close() ends it after.
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  let closing: Promise<void> | null = null;
  return {
    prisma,
    pool,
    close() {
      closing ??= prisma.$disconnect().finally(() => pool.end());
      return closing;
    },
  };
}

function wrap(
  client: PooledClient,
  kind: DatabaseKind,
  url: string,
  closeDriver: () => Promise<void>,
  control: PrismaClient = client.prisma,
): Database {
  const { prisma, pool } = client;
  let closing: Promise<void> | null = null;
  return {
    prisma,
    pool,
    control,
    kind,
    url,
    close() {
      closing ??= client.close().finally(closeDriver);
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
