// node --import tsx bench/store.ts [--params=2000000] [--rounds=5] [--db=pglite,postgres] — how long finishRun
// takes to store a finished run's outcome with its initial and final weights (params float64 each), per
// database; prints a markdown table of the median, min and max milliseconds and how many attempts failed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { RunSpec } from '../src/core/index.ts';
import { type Database, migrateDatabase, openDatabase } from '../src/db/client.ts';
import { claimRuns, finishRun } from '../src/db/run-queue.ts';
import { specToText } from '../src/db/run-record.ts';
import { createRun } from '../src/db/runs-repository.ts';
import { type DbKind, LOCAL_POSTGRES, parseArgs, postgresReachable } from './lib/args.ts';
import { median } from './lib/stats.ts';

const args = parseArgs();
const params = Number(args.get('params') ?? 2_000_000);
const rounds = Number(args.get('rounds') ?? 5);
const kinds = (args.get('db') ?? 'pglite,postgres').split(',') as DbKind[];

/** Deterministic, full-precision doubles (a 64-bit LCG), so the bytes do not compress or repeat. */
function weights(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  let s = BigInt(seed);
  for (let i = 0; i < n; i++) {
    s = (s * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
    out[i] = Number(s >> 11n) / 2 ** 53 - 0.5;
  }
  return out;
}

async function open(kind: DbKind): Promise<{ db: Database; drop(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gradscope-bench-store-'));
  let databaseUrl: string | undefined;
  const name = `gradscope_bench_store_${process.pid}`;
  const base = process.env.TEST_DATABASE_URL ?? LOCAL_POSTGRES;
  if (kind === 'postgres') {
    if (!(await postgresReachable(base))) throw new Error(`no Postgres at ${base}`);
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(base);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
  }
  const config = { databaseUrl, dataDir: join(dataDir, 'pglite') };
  await migrateDatabase(config);
  const db = await openDatabase(config);
  return {
    db,
    async drop() {
      await db.close();
      if (kind === 'postgres') {
        const admin = new pg.Client({ connectionString: base });
        await admin.connect();
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.end();
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const SPEC = { kind: 'train', network: { inputSize: 2, layers: [] } } as unknown as RunSpec;

console.log(
  `finishRun with initial + final weights of ${params.toLocaleString('en')} float64 each, ${rounds} rounds`,
);
console.log('\n| database | median ms | min ms | max ms | failed attempts |\n|---|---|---|---|---|');
for (const kind of kinds) {
  const { db, drop } = await open(kind);
  const ms: number[] = [];
  const errors: string[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      await createRun(db.prisma, { kind: 'train', specText: specToText(SPEC), totalSteps: 1, layerCount: 1 });
      const [claimed] = await claimRuns(db.prisma, 'bench', 1, 600_000);
      if (!claimed) throw new Error('nothing claimed');
      const initial = weights(params, 2 * r + 1);
      const final = weights(params, 2 * r + 2);
      const t0 = performance.now();
      try {
        const ok = await finishRun(db.prisma, claimed.id, 'bench', {
          status: 'succeeded',
          summary: { final: { loss: 0.5 } },
          weights: { initial, final },
        });
        if (!ok) throw new Error('finishRun returned false');
        ms.push(performance.now() - t0);
      } catch (e) {
        errors.push(
          `${((performance.now() - t0) / 1000).toFixed(1)} s: ${(e as Error).message.split('\n')[0]}`,
        );
      }
    }
  } finally {
    await drop();
  }
  const fmt = (x: number | undefined) => (x === undefined ? '–' : x.toFixed(0));
  console.log(
    `| ${kind} | ${fmt(ms.length ? median(ms) : undefined)} | ${fmt(Math.min(...ms))} | ${fmt(Math.max(...ms))} | ${errors.length} of ${rounds} |`,
  );
  for (const e of errors) console.log(`  ${kind} failed after ${e}`);
}
