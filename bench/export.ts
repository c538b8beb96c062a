// npm run bench:export — server memory while a long run's statistics export streams: a 50-layer run of
// 10,000 and of 100,000 recorded steps (synthetic rows made by the database), exported as long CSV (every step ×
// layer × 18 fields), wide CSV and NDJSON over real HTTP; the service's resident memory is sampled from /proc
// every 20 ms. Bounded means the 100,000-step export peaks no higher than the 10,000-step one.
//
// Options: --db=pglite|postgres|both (default: Postgres when one answers, else PGlite), --steps=10000,100000,
// --layers=50, --formats=csv,csv-wide,ndjson.

import type { RunSpec } from '../src/core/index.ts';
import { FIELD_COUNT } from '../src/core/index.ts';
import { floatsToBase64 } from '../src/db/bytes.ts';
import { migrateDatabase, openDatabase } from '../src/db/client.ts';
import { specToText } from '../src/db/run-record.ts';
import { createRun } from '../src/db/runs-repository.ts';
import { chooseDatabases, parseArgs } from './lib/args.ts';
import { Bench } from './lib/harness.ts';
import { mb, note, sleep } from './lib/stats.ts';

const args = parseArgs();
const kinds = await chooseDatabases(args.get('db'), 'postgres');
const sizes = (args.get('steps') ?? '10000,100000').split(',').map(Number);
const LAYERS = Number(args.get('layers') ?? 50);
const formats = (args.get('formats') ?? 'csv,csv-wide,ndjson').split(',');
const QUERY: Record<string, string> = {
  csv: 'format=csv',
  'csv-wide': 'format=csv&layout=wide',
  ndjson: 'format=ndjson',
};

/** Stores `steps` synthetic steps of a LAYERS-layer run (finished, so no worker touches it); returns its id. */
async function storeRun(db: { databaseUrl?: string; dataDir: string }, steps: number): Promise<string> {
  const config = { databaseUrl: db.databaseUrl, dataDir: db.dataDir };
  await migrateDatabase(config);
  const database = await openDatabase(config);
  try {
    const spec = { kind: 'train', network: { inputSize: 8, layers: [] } } as unknown as RunSpec;
    const { run } = await createRun(database.prisma, {
      kind: 'train',
      name: `export ${steps}`,
      specText: specToText(spec),
      totalSteps: steps,
      layerCount: LAYERS,
    });
    await database.prisma
      .$executeRaw`UPDATE runs SET status = 'succeeded', finished_at = now() WHERE id = ${run.id}::uuid`;
    // The rows are made by the database from 16 distinct layer blobs: storing 100,000 × 3.6 KB through the
    // service's insert path would take most of the benchmark's time, and is measured in bench:service.
    let seed = 12345;
    const value = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return (seed / 2 ** 32) * 10 ** ((seed % 9) - 6);
    };
    const blobs = Array.from({ length: 16 }, () => {
      const layers = new Float32Array(LAYERS * FIELD_COUNT);
      for (let i = 0; i < layers.length; i++) layers[i] = i % FIELD_COUNT === 17 ? Number.NaN : value();
      return floatsToBase64(layers);
    });
    for (let from = 0; from < steps; from += 10_000) {
      const to = Math.min(steps, from + 10_000) - 1;
      await database.prisma.$executeRaw`
        INSERT INTO run_steps (run_id, step, loss, grad_norm, train_accuracy, test_accuracy, layers, histograms)
        SELECT ${run.id}::uuid, g, 1.0 / (g + 1), 0.5 + g * 1e-6, CASE WHEN g % 100 = 0 THEN 0.5 END, NULL,
               decode((${blobs}::text[])[g % 16 + 1], 'base64'), NULL
        FROM generate_series(${from}::int, ${to}::int) AS g`;
    }
    await database.prisma.$executeRaw`UPDATE runs SET last_step = ${steps - 1} WHERE id = ${run.id}::uuid`;
    return run.id;
  } finally {
    await database.close();
  }
}

interface Row {
  kind: string;
  steps: number;
  format: string;
  bytes: number;
  lines: number;
  seconds: number;
  rssBefore: number;
  rssPeak: number;
  heapBefore: number;
  heapPeak: number;
}

const rows: Row[] = [];
for (const kind of kinds) {
  for (const steps of sizes) {
    let id = '';
    const t0 = Date.now();
    const b = await Bench.start(kind, {}, async (db) => {
      id = await storeRun(db, steps);
    });
    note(`${kind}: stored ${steps} steps × ${LAYERS} layers in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    try {
      for (const format of formats) {
        await b.memory(true);
        await sleep(200);
        const rssBefore = b.rss();
        const heapBefore = (await b.memory(false)).heapUsed;
        let rssPeak = rssBefore;
        let heapPeak = heapBefore;
        const sampler = setInterval(() => {
          rssPeak = Math.max(rssPeak, b.rss());
        }, 20);
        // The V8 heap as the service sees it (answered between chunks; a stalled loop answers late).
        let sampling = true;
        const heapSampler = (async () => {
          while (sampling) {
            heapPeak = Math.max(heapPeak, (await b.memory(false)).heapUsed);
            await sleep(100);
          }
        })();
        const started = performance.now();
        const res = await fetch(`${b.url}/v1/runs/${id}/metrics?${QUERY[format]}`);
        if (res.status !== 200 || !res.body) throw new Error(`export: HTTP ${res.status}`);
        let bytes = 0;
        let lines = 0;
        for await (const chunk of res.body) {
          bytes += chunk.byteLength;
          for (let i = 0; i < chunk.byteLength; i++) if (chunk[i] === 10) lines++;
        }
        const seconds = (performance.now() - started) / 1000;
        clearInterval(sampler);
        sampling = false;
        await heapSampler;
        rssPeak = Math.max(rssPeak, b.rss());
        const expected =
          (format === 'csv' ? 1 : 0) +
          steps * (format === 'csv-wide' ? 1 : LAYERS) +
          (format === 'csv-wide' ? 1 : 0);
        if (lines !== expected) throw new Error(`${format}: ${lines} lines, expected ${expected}`);
        rows.push({ kind, steps, format, bytes, lines, seconds, rssBefore, rssPeak, heapBefore, heapPeak });
        note(
          `${kind} ${steps} ${format}: ${mb(bytes)} in ${seconds.toFixed(1)} s, RSS ${mb(rssBefore)} → peak ` +
            `${mb(rssPeak)}, heap ${mb(heapBefore)} → peak ${mb(heapPeak)}`,
        );
      }
    } finally {
      await b.close();
    }
  }
}

console.log(
  `# bench:export — ${new Date().toISOString()}, node ${process.version}, ${LAYERS} layers × 18 fields\n`,
);
console.log(
  '| database | recorded steps | format | rows | size | time | MB/s | service RSS before → peak | V8 heap used before → peak |',
);
console.log('|---|---:|---|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.kind} | ${r.steps.toLocaleString('en-US')} | ${r.format} | ${r.lines.toLocaleString('en-US')} | ${mb(r.bytes)} | ` +
      `${r.seconds.toFixed(1)} s | ${(r.bytes / 1024 / 1024 / r.seconds).toFixed(0)} | ${mb(r.rssBefore)} → ${mb(r.rssPeak)} | ` +
      `${mb(r.heapBefore)} → ${mb(r.heapPeak)} |`,
  );
}
