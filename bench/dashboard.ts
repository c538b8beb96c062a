// npm run bench:dashboard — the run page of a big finished run in a real headless Chromium: a 50-layer tanh net,
// 10,000 steps recorded every step. Prints how long the page takes to be fully drawn, the long tasks (> 50 ms)
// while it loads, the bytes and messages it received, and the hover latency once drawn. Markdown to stdout.
//
// Options: --db=pglite|postgres (default pglite, what `npm start` uses), --steps=10000, --layers=50,
// --loads=3 (page loads measured after the first, cold one, and one after a restart of the service).
import { chromium } from 'playwright-core';
import { buildWeb } from '../scripts/build-web.ts';
import { freshDatabase } from '../test/helpers/databases.ts';
import { http, startService, waitFor } from '../test/helpers/service.ts';
import { chooseDatabases, parseArgs } from './lib/args.ts';
import { fmt, median, note, table } from './lib/stats.ts';

const args = parseArgs();
const steps = Number(args.get('steps') ?? 10_000);
const layers = Number(args.get('layers') ?? 50);
const loads = Number(args.get('loads') ?? 3);
const [kind] = await chooseDatabases(args.get('db') ?? 'pglite', 'postgres');

await buildWeb();
const db = await freshDatabase(kind);
let svc = await startService(db, { WORKERS: '1' });
const spec = {
  kind: 'train',
  name: `bench: ${layers}-layer tanh, ${steps} steps`,
  network: {
    inputSize: 2,
    layers: [
      ...Array.from({ length: layers - 1 }, () => ({ units: 8, activation: 'tanh' })),
      { units: 1, activation: 'sigmoid' },
    ],
    loss: 'binary_cross_entropy',
  },
  init: { weights: { scheme: 'xavier_normal' }, seed: 1 },
  data: { source: 'circles', n: 200, noise: 0.05, seed: 1 },
  training: { optimizer: { kind: 'sgd', lr: 0.05 }, steps },
  telemetry: { every: 1 },
};
note(`training the run on ${kind}…`);
const created = await http(`${svc.url}/v1/runs`, { body: spec });
if (created.status !== 202) throw new Error(`submit: ${created.status} ${JSON.stringify(created.body)}`);
const id: string = created.body.id;
const run = await waitFor(
  async () => {
    const r = await http(`${svc.url}/v1/runs/${id}`);
    return r.body.status === 'succeeded' ? r.body : null;
  },
  30 * 60_000,
  'the run to succeed',
);
const lastStep: number = run.progress.step ?? steps;
note(`run ${id} done (last step ${lastStep}); loading its page`);

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});

interface Load {
  drawnMs: number;
  longTasks: number;
  longestMs: number;
  bytes: number;
  messages: number;
  requests: number;
  hoverMs: number;
  /** The history request, start to last byte (server time + transfer), from the page's resource timing. */
  historyMs: number;
  /** The history answer's body as sent (gzipped when it was). */
  historyBytes: number;
}

async function loadOnce(): Promise<Load> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  await page.addInitScript(() => {
    const w = window as unknown as { __long: number[] };
    w.__long = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__long.push(e.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  let bytes = 0;
  let messages = 0;
  let requests = 0;
  let historyBytes = 0;
  page.on('websocket', (ws) =>
    ws.on('framereceived', (f) => {
      messages++;
      bytes += typeof f.payload === 'string' ? Buffer.byteLength(f.payload) : f.payload.length;
    }),
  );
  page.on('requestfinished', async (req) => {
    if (!req.url().includes('/v1/')) return;
    requests++;
    const sizes = await req.sizes().catch(() => null);
    if (sizes) bytes += sizes.responseBodySize;
    if (sizes && req.url().includes('/history')) historyBytes += sizes.responseBodySize;
  });
  const t0 = Date.now();
  await page.goto(`${svc.url}/#/runs/${id}`);
  // Fully drawn: the stream is complete, the newest step is in, and a frame has been painted after it.
  await page.waitForFunction(
    (last) => {
      const root = document.querySelector<HTMLElement>('.run-page');
      const live = document.querySelector<HTMLElement>('.run-page .live');
      return root?.dataset.lastStep === String(last) && live?.dataset.state === 'closed';
    },
    lastStep,
    { timeout: 120_000, polling: 50 },
  );
  // The per-layer charts draw one and two frames after the rest: wait for a few frames more.
  // (A string: tsx would wrap a named function in a helper the page does not have.)
  await page.evaluate(
    'new Promise((r) => { let n = 4; const tick = () => (--n === 0 ? r(null) : requestAnimationFrame(tick)); requestAnimationFrame(tick); })',
  );

  const drawnMs = Date.now() - t0;
  const long = await page.evaluate(() => (window as unknown as { __long: number[] }).__long);
  const historyMs = await page.evaluate(() => {
    const e = performance.getEntriesByType('resource').find((r) => r.name.includes('/history'));
    return e ? e.duration : Number.NaN;
  });
  // Hover: move across the per-layer norms chart; each move's time until the next painted frame.
  const box = await page.locator('figure.chart[aria-label^="Gradient norm per layer"] .u-over').boundingBox();
  const hovers: number[] = [];
  if (box) {
    for (let i = 0; i < 20; i++) {
      const h0 = Date.now();
      await page.mouse.move(box.x + (box.width * (i + 0.5)) / 20, box.y + box.height / 2);
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
      hovers.push(Date.now() - h0);
    }
  }
  await page.close();
  return {
    drawnMs,
    longTasks: long.length,
    longestMs: long.length ? Math.max(...long) : 0,
    bytes,
    messages,
    requests,
    hoverMs: median(hovers),
    historyMs,
    historyBytes,
  };
}

// The first open is cold: nothing of this run is in the server's memory yet (it may still be preparing the
// finished run's summary). Then the same after a restart: nothing in memory at all, only what the database holds.
const cold = await loadOnce();
note(`cold load: ${JSON.stringify(cold)}`);
await svc.close();
svc = await startService(db, { WORKERS: '1' });
const restarted = await loadOnce();
note(`after a restart: ${JSON.stringify(restarted)}`);
const results: Load[] = [];
for (let i = 0; i < loads; i++) {
  results.push(await loadOnce());
  note(`load ${i + 1}: ${JSON.stringify(results[results.length - 1])}`);
}
await browser.close();
await svc.close();
await db.drop();

console.log(
  `\nRun page of a finished ${layers}-layer tanh run, ${steps.toLocaleString('en-US')} steps recorded every step ` +
    `(${kind}), headless Chromium, 1440×1000; the first (cold) open, one after a restart, then ${loads} more:\n`,
);
console.log(
  table(
    [
      'load',
      'fully drawn (s)',
      'long tasks > 50 ms',
      'longest task (ms)',
      'received (MB)',
      'WS messages',
      'HTTP requests',
      'history request (ms)',
      'history (kB)',
      'hover, median (ms)',
    ],
    [cold, restarted, ...results].map((r, i) => [
      i === 0 ? 'cold' : i === 1 ? 'restarted' : i - 1,
      fmt(r.drawnMs / 1000),
      r.longTasks,
      fmt(r.longestMs),
      fmt(r.bytes / 1e6),
      r.messages,
      r.requests,
      fmt(r.historyMs),
      fmt(r.historyBytes / 1e3),
      fmt(r.hoverMs),
    ]),
  ),
);
console.log(
  `\nmedian fully drawn ${fmt(median(results.map((r) => r.drawnMs)) / 1000)} s, ` +
    `longest task ${fmt(Math.max(...results.map((r) => r.longestMs)))} ms`,
);
