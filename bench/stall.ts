// npm run bench:stall — the worst event-loop stall one request causes, per endpoint, each at the largest
// body or answer it takes: evaluate at its limit (and a 16 MiB body, refused now, accepted before), a run
// with inline data at BODY_LIMIT_BYTES (and at 2 and 4 MiB on a second service with a 4 MiB limit), a run whose
// small body asks for a million generated rows, a sweep whose base carries inline data, a run, its history, model
// and metrics (10,000 points), a page of 100 runs, and a WebSocket subscriber replaying a 10,000-step history.
// Prints markdown.
//
// Options: --db=pglite|postgres (default pglite), --reps=5. The service runs in a child process
// (bench/lib/server-child.ts) whose event-loop delay monitor reports the longest stall after each request, with
// the CPU time its main thread spent meanwhile (the loop's own work: on a loaded machine the stall also
// counts the time the scheduler kept the thread waiting).
import WebSocket from 'ws';
import { chooseDatabases, parseArgs } from './lib/args.ts';
import { Bench } from './lib/harness.ts';
import { courseRun } from './lib/specs.ts';

const args = parseArgs();
const [kind] = await chooseDatabases(args.get('db') ?? 'pglite', 'postgres');
const reps = Number(args.get('reps') ?? 5);

const r = (i: number) => Math.sin(i * 12.9898) * 0.12345678901234568;
/** An evaluate request of a (inputSize → hidden tanh → 1 sigmoid) network on 512 rows, at full precision. */
function evaluateBody(inputSize: number, hidden: number, rows = 512): string {
  let k = 0;
  const row = (n: number) => Array.from({ length: n }, () => r(k++));
  return JSON.stringify({
    network: {
      inputSize,
      layers: [
        { units: hidden, activation: 'tanh' },
        { units: 1, activation: 'sigmoid' },
      ],
      loss: 'binary_cross_entropy',
    },
    weights: [
      { W: Array.from({ length: hidden }, () => row(inputSize)), b: row(hidden) },
      { W: [row(hidden)], b: [0] },
    ],
    features: Array.from({ length: rows }, () => row(inputSize)),
    labels: Array.from({ length: rows }, (_, i) => i % 2),
  });
}

/** A train spec with inline data of `n` two-feature samples (full precision). */
function inlineRunBody(n: number): string {
  let k = 0;
  return JSON.stringify({
    kind: 'train',
    name: 'stall-inline',
    network: {
      inputSize: 2,
      layers: [
        { units: 4, activation: 'tanh' },
        { units: 1, activation: 'sigmoid' },
      ],
      loss: 'binary_cross_entropy',
    },
    init: { weights: { scheme: 'xavier_normal' }, seed: 1 },
    data: {
      source: 'inline',
      features: Array.from({ length: n }, () => [r(k++), r(k++)]),
      labels: Array.from({ length: n }, (_, i) => i % 2),
    },
    training: { optimizer: { kind: 'sgd', lr: 0.01 }, steps: 1 },
  });
}

/** Largest n whose body stays under `limit` bytes. */
function largestFitting(limit: number, body: (n: number) => string, lo: number, hi: number): number {
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (Buffer.byteLength(body(mid)) <= limit) lo = mid;
    else hi = mid;
  }
  return lo;
}

const EVALUATE_LIMIT = 4 * 1024 * 1024;
const BODY_LIMIT = 512 * 1024;
/** The larger limits of the second service: what inline data would cost the loop if BODY_LIMIT_BYTES were raised. */
const WIDE_BODY_LIMIT = 4 * 1024 * 1024;
const b = await Bench.start(kind, { EVALUATE_BODY_LIMIT_BYTES: String(EVALUATE_LIMIT) });
const before = await Bench.start(kind, {
  EVALUATE_BODY_LIMIT_BYTES: String(16 * 1024 * 1024 + 1024),
  BODY_LIMIT_BYTES: String(WIDE_BODY_LIMIT),
});
try {
  const json = { 'content-type': 'application/json' };
  // The widest input whose network stays within 100,000 parameters and whose body within the limit.
  const hiddenFor = (n: number) => Math.floor((100_000 - 1) / (n + 2));
  const inputSize = largestFitting(EVALUATE_LIMIT, (n) => evaluateBody(n, hiddenFor(n)), 10, 1000);
  const atLimit = evaluateBody(inputSize, hiddenFor(inputSize));
  const big = evaluateBody(1000, 99);
  const bigPadded = big.length < 16 * 2 ** 20 ? evaluateBody(1300, 76) : big;
  const inlineFor = (limit: number) => inlineRunBody(largestFitting(limit, inlineRunBody, 100, 200_000));
  const inline = inlineFor(BODY_LIMIT);
  const inline2 = inlineFor(2 * 1024 * 1024);
  const inline4 = inlineFor(WIDE_BODY_LIMIT);
  // A small body whose data the service generates: the core's checks build all its rows.
  const { name: _n, ...oneRun } = JSON.parse(inlineRunBody(1));
  const generated = JSON.stringify({ ...oneRun, data: { source: 'circles', n: 1_000_000, seed: 1 } });
  // A grid sweep of two points over that inline spec (its base carries the data).
  const sweepBody = (n: number) => {
    const { name: _, ...base } = JSON.parse(inlineRunBody(n));
    return JSON.stringify({
      kind: 'grid',
      name: 'stall-sweep',
      base,
      axes: [{ field: '/training/optimizer/lr', values: [0.01, 0.1] }],
    });
  };
  const sweep = sweepBody(largestFitting(BODY_LIMIT, sweepBody, 100, 20_000));
  const seed = await (
    await fetch(`${b.url}/v1/runs`, {
      method: 'POST',
      headers: { ...json, prefer: 'wait=60' },
      body: JSON.stringify(courseRun('stall-metrics', 10_000, 1)),
    })
  ).json();
  const cases: {
    what: string;
    on: Bench;
    url: string;
    init: RequestInit;
    bytes: number;
    ws?: boolean;
  }[] = [
    {
      what: `POST /v1/evaluate, ${mib(atLimit)} (at the 4 MiB limit)`,
      on: b,
      url: '/v1/evaluate',
      init: { method: 'POST', headers: json, body: atLimit },
      bytes: atLimit.length,
    },
    {
      what: `POST /v1/evaluate, ${mib(bigPadded)}: 413 now`,
      on: b,
      url: '/v1/evaluate',
      init: { method: 'POST', headers: json, body: bigPadded },
      bytes: bigPadded.length,
    },
    {
      what: `POST /v1/evaluate, ${mib(bigPadded)} under the old 16 MiB limit (before)`,
      on: before,
      url: '/v1/evaluate',
      init: { method: 'POST', headers: json, body: bigPadded },
      bytes: bigPadded.length,
    },
    {
      what: `POST /v1/runs, inline data, ${mib(inline)} (BODY_LIMIT_BYTES)`,
      on: b,
      url: '/v1/runs',
      init: { method: 'POST', headers: json, body: inline },
      bytes: inline.length,
    },
    ...[inline2, inline4].map((body) => ({
      what: `POST /v1/runs, inline data, ${mib(body)} (if BODY_LIMIT_BYTES were 4 MiB)`,
      on: before,
      url: '/v1/runs',
      init: { method: 'POST', headers: json, body },
      bytes: body.length,
    })),
    {
      what: `POST /v1/runs, ${generated.length} bytes: 1,000,000 generated rows (circles)`,
      on: b,
      url: '/v1/runs',
      init: { method: 'POST', headers: json, body: generated },
      bytes: generated.length,
    },
    {
      what: `POST /v1/sweeps, inline data in its base, ${mib(sweep)}`,
      on: b,
      url: '/v1/sweeps',
      init: { method: 'POST', headers: json, body: sweep },
      bytes: sweep.length,
    },
    { what: 'GET /v1/runs/:id (10,000 steps)', on: b, url: `/v1/runs/${seed.id}`, init: {}, bytes: 0 },
    {
      what: 'GET /v1/runs/:id/history?points=2000',
      on: b,
      url: `/v1/runs/${seed.id}/history?points=2000`,
      init: {},
      bytes: 0,
    },
    { what: 'GET /v1/runs/:id/model', on: b, url: `/v1/runs/${seed.id}/model`, init: {}, bytes: 0 },
    {
      what: 'GET /v1/runs/:id/metrics, 10,000 points',
      on: b,
      url: `/v1/runs/${seed.id}/metrics?maxPoints=10000`,
      init: {},
      bytes: 0,
    },
    { what: 'GET /v1/runs?limit=100', on: b, url: '/v1/runs?limit=100', init: {}, bytes: 0 },
    {
      what: 'WS /v1/runs/:id/stream, 10,000 steps of history',
      on: b,
      url: `/v1/runs/${seed.id}/stream`,
      init: {},
      bytes: 0,
      ws: true,
    },
  ];
  const rows: string[] = [];
  for (const c of cases) {
    const stalls: number[] = [];
    const cpus: number[] = [];
    const statuses = new Set<number>();
    for (let i = 0; i < reps; i++) {
      await new Promise((res) => setTimeout(res, 300));
      await c.on.takeMaxStallMs();
      if (c.ws) statuses.add(await streamToEnd(`${c.on.wsUrl}${c.url}`));
      else {
        const res = await fetch(`${c.on.url}${c.url}`, c.init).catch(() => null);
        await res?.arrayBuffer();
        statuses.add(res?.status ?? 0);
      }
      const taken = await c.on.takeStall();
      stalls.push(taken.maxMs);
      cpus.push(taken.mainCpuMs);
    }
    stalls.sort((x, y) => x - y);
    cpus.sort((x, y) => x - y);
    rows.push(
      `| ${c.what} | ${[...statuses].join(', ')} | ${stalls[stalls.length >> 1].toFixed(0)} | ${stalls.at(-1)?.toFixed(0)} | ${cpus[cpus.length >> 1].toFixed(0)} |`,
    );
    process.stderr.write(`${rows.at(-1)}\n`);
  }
  console.log(`\nWorst event-loop stall per request (${kind}, ${reps} requests each, one at a time):\n`);
  console.log(
    '| request | status | median stall ms | worst stall ms | main-thread CPU ms (median) |\n|---|---|---|---|---|',
  );
  console.log(rows.join('\n'));
} finally {
  await b.close();
  await before.close();
}

/** Reads a stream until the server closes it; returns the close code. */
function streamToEnd(url: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.on('close', (code) => resolve(code));
    ws.on('error', () => resolve(0));
  });
}

function mib(s: string): string {
  return `${(Buffer.byteLength(s) / 2 ** 20).toFixed(2)} MiB`;
}
