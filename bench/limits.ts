// npm run bench:limits — what the limits the embedded database once forced cost the event loop now, per
// database: the longest stall (monitorEventLoopDelay, 1 ms resolution) while one statement stores a slice of
// 50-layer statistics rows (TelemetrySink's WRITE_SLICE), and the rate; and, on the service, the longest
// stall of a POST /v1/runs with inline data per body size (BODY_LIMIT_BYTES). Prints markdown tables.
//
// Options: --db=pglite|postgres|both (default: both when a Postgres answers), --slices=250,1000,2500,5000,
// --rows=10000, --bodies-kib=512,1024,2048,4096, --reps=3.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { FIELD_COUNT, type RunSpec } from '../src/core/index.ts';
import { migrateDatabase, openDatabase } from '../src/db/client.ts';
import { specToText } from '../src/db/run-record.ts';
import { insertSteps } from '../src/db/run-steps.ts';
import { createRun } from '../src/db/runs-repository.ts';
import type { StepRow } from '../src/model/run.ts';
import { chooseDatabases, type DbKind, parseArgs } from './lib/args.ts';
import { Bench } from './lib/harness.ts';
import { inlineRunBody } from './lib/specs.ts';
import { median } from './lib/stats.ts';

const args = parseArgs();
const kinds = await chooseDatabases(args.get('db'), 'both');
const list = (k: string, d: string) => (args.get(k) ?? d).split(',').map(Number);
const slices = list('slices', '250,1000,2500,5000');
const totalRows = Number(args.get('rows') ?? 10_000);
const bodiesKiB = list('bodies-kib', '512,1024,2048,4096');
const reps = Number(args.get('reps') ?? 3);
const LAYERS = 50;

function stepRow(step: number): StepRow {
  const layers = new Float32Array(LAYERS * FIELD_COUNT);
  for (let i = 0; i < layers.length; i++) layers[i] = Math.sin(step * 31 + i) * 1e-3;
  return {
    step,
    loss: 1 / (step + 1),
    gradNorm: 0.5,
    trainAccuracy: null,
    testAccuracy: null,
    layers,
    histograms: null,
  };
}

/**
 * Longest event-loop stall while `work` runs, and the event loop's busy time (ms; utilization counts this
 * thread only, so the embedded database's own thread is not in it). On a loaded machine stalls include
 * time the OS gave to other processes; the busy time per statement is the cleaner figure.
 */
async function stallDuring(work: () => Promise<void>): Promise<{ stallMs: number; busyMs: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  const elu = performance.eventLoopUtilization();
  h.enable();
  await work();
  h.disable();
  return { stallMs: h.max / 1e6, busyMs: performance.eventLoopUtilization(elu).active };
}

async function sliceRows(kind: DbKind): Promise<string[]> {
  const { freshDatabase } = await import('../test/helpers/databases.ts');
  const t = await freshDatabase(kind);
  await migrateDatabase(t);
  const db = await openDatabase(t);
  const out: string[] = [];
  try {
    for (const slice of slices) {
      const stalls: number[] = [];
      const busy: number[] = [];
      const rates: number[] = [];
      for (let r = 0; r < reps; r++) {
        const { run } = await createRun(db.prisma, {
          kind: 'train',
          specText: specToText({ kind: 'train' } as unknown as RunSpec),
          totalSteps: totalRows,
          layerCount: LAYERS,
        });
        const rows = Array.from({ length: totalRows }, (_, i) => stepRow(i));
        const t0 = performance.now();
        const m = await stallDuring(async () => {
          for (let i = 0; i < rows.length; i += slice) {
            await insertSteps(db.pool, run.id, rows.slice(i, i + slice));
            await new Promise((res) => setImmediate(res));
          }
        });
        stalls.push(m.stallMs);
        busy.push(m.busyMs / Math.ceil(totalRows / slice));
        rates.push(totalRows / ((performance.now() - t0) / 1000));
      }
      out.push(
        `| ${kind} | ${slice} | ${median(busy).toFixed(1)} | ${median(stalls).toFixed(0)} (${Math.min(...stalls).toFixed(0)}–${Math.max(...stalls).toFixed(0)}) | ${median(rates).toFixed(0)} |`,
      );
    }
  } finally {
    await db.close();
    await t.drop();
  }
  return out;
}

async function bodyRows(kind: DbKind): Promise<string[]> {
  const limit = Math.max(...bodiesKiB) * 1024 + 1024;
  const b = await Bench.start(kind, { BODY_LIMIT_BYTES: String(limit) });
  const out: string[] = [];
  try {
    for (const kib of bodiesKiB) {
      const body = inlineRunBody(kib * 1024);
      const stalls: number[] = [];
      const statuses = new Set<number>();
      for (let r = 0; r < reps; r++) {
        await new Promise((res) => setTimeout(res, 300));
        await b.takeMaxStallMs();
        const res = await fetch(`${b.url}/v1/runs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        await res.arrayBuffer();
        statuses.add(res.status);
        stalls.push(await b.takeMaxStallMs());
      }
      out.push(
        `| ${kind} | ${(body.length / 1024).toFixed(0)} KiB | ${[...statuses].join(', ')} | ${median(stalls).toFixed(0)} | ${Math.max(...stalls).toFixed(0)} |`,
      );
    }
  } finally {
    await b.close();
  }
  return out;
}

const slicesOut: string[] = [];
const bodiesOut: string[] = [];
for (const kind of kinds) {
  slicesOut.push(...(await sliceRows(kind)));
  bodiesOut.push(...(await bodyRows(kind)));
}
console.log(`# bench:limits — ${new Date().toISOString()}, node ${process.version}\n`);
console.log(
  `## Storing ${totalRows.toLocaleString('en')} rows of ${LAYERS}-layer statistics in slices (one insertSteps each), ${reps} reps (medians, min–max)\n`,
);
console.log(
  '| database | rows per statement | event loop busy ms per statement | longest event-loop stall ms | rows/s |\n| --- | --- | --- | --- | --- |',
);
console.log(slicesOut.join('\n'));
console.log(`\n## POST /v1/runs with inline data, ${reps} reps\n`);
console.log(
  '| database | body | status | median stall ms | worst stall ms |\n| --- | --- | --- | --- | --- |',
);
console.log(bodiesOut.join('\n'));
process.exit(0);
