// npm run bench:sweeps — a 100-point sweep of small training runs on one instance (PGlite, Postgres) and on two
// instances sharing one Postgres: points per second, and the scheduling overhead per point against the runs' own
// time. Each instance is a real service process (npm start's command) with WORKERS=1, so one and two instances
// compare one worker with two; rounds interleave the setups. Prints a markdown table.
//
// Options: --points=100, --rounds=3, --steps=300 (steps of each point's run), --db=pglite|postgres|both.
//
// Overhead: over the sweep's wall time (first claim to last finish) each worker is either running a point (from
// its started_at to its finished_at, the run's own time: building the net, training, storing its statistics) or
// not; the time not running, over the runs' own time, is the share the queue costs (claims, leases, outcomes).
import type { TestDatabase } from '../test/helpers/databases.ts';
import { type Instance, startInstance } from '../test/helpers/instances.ts';
import { chooseDatabases, parseArgs } from './lib/args.ts';
import { courseRun } from './lib/specs.ts';
import { median, note } from './lib/stats.ts';

const args = parseArgs();
const kinds = await chooseDatabases(args.get('db'), 'both');
// After chooseDatabases: it sets TEST_DATABASE_URL, which databases.ts reads when loaded.
const { freshDatabase } = await import('../test/helpers/databases.ts');
const POINTS = Number(args.get('points') ?? 100);
const ROUNDS = Number(args.get('rounds') ?? 3);
const STEPS = Number(args.get('steps') ?? 300);

interface Setup {
  label: string;
  kind: 'pglite' | 'postgres';
  instances: number;
}

const setups: Setup[] = [
  ...(kinds.includes('pglite')
    ? [{ label: 'PGlite, 1 instance', kind: 'pglite' as const, instances: 1 }]
    : []),
  ...(kinds.includes('postgres')
    ? [
        { label: 'Postgres, 1 instance', kind: 'postgres' as const, instances: 1 },
        { label: 'Postgres, 2 instances', kind: 'postgres' as const, instances: 2 },
      ]
    : []),
];

/** The sweep: the course's 2-10-5-1 ReLU net on 200 circles points, full batch, a seed per point. */
function sweepRequest() {
  return {
    kind: 'grid',
    name: 'bench:sweeps',
    base: {
      ...courseRun('bench:sweeps point', STEPS, 10, 200),
      training: { optimizer: { kind: 'sgd', lr: 0.05 }, steps: STEPS },
    },
    axes: [{ field: '/init/seed', values: Array.from({ length: POINTS }, (_, i) => i) }],
    maxConcurrent: 8,
  };
}

interface Round {
  pointsPerSecond: number;
  /** Mean of a run's own time (started_at → finished_at), ms. */
  ownMs: number;
  /** Per point: worker time not spent running a point, ms. */
  overheadMs: number;
  overheadShare: number;
  createMs: number;
}

async function json(url: string, init?: RequestInit): Promise<any> {
  const res = await fetch(url, init);
  return res.json();
}

async function round(setup: Setup): Promise<Round> {
  let db: TestDatabase | null = null;
  const instances: Instance[] = [];
  try {
    db = await freshDatabase(setup.kind);
    const env: Record<string, string> = {
      WORKERS: '1',
      ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : { DATA_DIR: db.dataDir }),
    };
    for (let i = 0; i < setup.instances; i++) instances.push(await startInstance(`bench-${i}`, env));
    const url = instances[0].url;
    const t0 = performance.now();
    const created = await json(`${url}/v1/sweeps`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(sweepRequest()),
    });
    const createMs = performance.now() - t0;
    if (!created.id) throw new Error(`POST /v1/sweeps: ${JSON.stringify(created)}`);
    for (;;) {
      // The list's progress (one count query), not the sweep's results table: the poll should cost the service
      // little beside the sweep it measures.
      const s = (await json(`${url}/v1/sweeps?limit=1`)).items[0];
      if (s.progress.done === s.progress.total) {
        if (s.progress.succeeded !== POINTS) throw new Error(`only ${s.progress.succeeded} points succeeded`);
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const runs: { startedAt: string; finishedAt: string }[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await json(
        `${url}/v1/runs?sweep=${created.id}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      runs.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    const starts = runs.map((r) => Date.parse(r.startedAt));
    const ends = runs.map((r) => Date.parse(r.finishedAt));
    const wall = Math.max(...ends) - Math.min(...starts);
    const own = runs.reduce((acc, _, i) => acc + (ends[i] - starts[i]), 0);
    const idle = Math.max(0, wall * setup.instances - own);
    return {
      pointsPerSecond: POINTS / (wall / 1000),
      ownMs: own / POINTS,
      overheadMs: idle / POINTS,
      overheadShare: idle / own,
      createMs,
    };
  } finally {
    for (const i of instances) await i.stop();
    await db?.drop();
  }
}

const results = new Map<string, Round[]>(setups.map((s) => [s.label, []]));
const started = Date.now();
for (let r = 0; r < ROUNDS; r++) {
  for (const setup of setups) {
    process.stderr.write(`round ${r + 1}/${ROUNDS}: ${setup.label}\n`);
    try {
      results.get(setup.label)!.push(await round(setup));
    } catch (e) {
      note(`${setup.label}: round failed: ${e instanceof Error ? e.message : e}`);
    }
  }
}

const med = (xs: number[]) => median(xs);
const span = (xs: number[], f: (x: number) => string) => `${f(Math.min(...xs))}–${f(Math.max(...xs))}`;
console.log(
  `# bench:sweeps — ${new Date().toISOString()}, node ${process.version}, ${Math.round((Date.now() - started) / 1000)} s\n`,
);
console.log(
  `${POINTS}-point sweep of ${STEPS}-step runs (2-10-5-1 ReLU, 200 circles points, statistics every 10 steps), ` +
    `WORKERS=1 per instance, ${ROUNDS} interleaved rounds (medians, min–max)\n`,
);
console.log(
  '| setup | points/s | run’s own time per point | scheduling overhead per point | overhead / own time | POST /v1/sweeps |',
);
console.log('|---|---|---|---|---|---|');
for (const setup of setups) {
  const rs = results.get(setup.label)!;
  if (rs.length === 0) {
    console.log(`| ${setup.label} | failed | | | | |`);
    continue;
  }
  const pps = rs.map((r) => r.pointsPerSecond);
  const own = rs.map((r) => r.ownMs);
  const over = rs.map((r) => r.overheadMs);
  const share = rs.map((r) => r.overheadShare * 100);
  const create = rs.map((r) => r.createMs);
  const f1 = (x: number) => x.toFixed(1);
  const f0 = (x: number) => x.toFixed(0);
  console.log(
    `| ${setup.label} | ${f1(med(pps))} (${span(pps, f1)}) | ${f0(med(own))} ms (${span(own, f0)}) | ` +
      `${f1(med(over))} ms (${span(over, f1)}) | ${f1(med(share))}% (${span(share, f1)}) | ${f0(med(create))} ms |`,
  );
}
process.exit(0);
