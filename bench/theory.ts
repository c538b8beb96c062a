// node --import tsx bench/theory.ts [--rounds=3] — POST /v1/theory on a 100 × 100 grid (tanh, σ_w² ∈ [0.5, 4],
// σ_b² ∈ [0, 0.5]: ~60% chaotic cells, which need the 2-D correlation map) against the same computation in the
// core in this process, interleaved round by round. Prints a markdown table of medians, the spread and the ratio.
import { computeTheory, type TheoryRequest } from '../src/core/theory/compute.ts';
import { Bench } from './lib/harness.ts';
import { fmt, median, table } from './lib/stats.ts';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const rounds = Number(args.get('rounds') ?? 3);

const grid: TheoryRequest = {
  activation: 'tanh',
  sigmaW2: { from: 0.5, to: 4, steps: 100 },
  sigmaB2: { from: 0, to: 0.5, steps: 100 },
};

const bench = await Bench.start('pglite');
const core: number[] = [];
const endpoint: number[] = [];
let chaotic = 0;
try {
  for (let r = 0; r < rounds; r++) {
    let t = performance.now();
    const result = computeTheory(grid);
    core.push((performance.now() - t) / 1000);
    if (result.mode === 'grid')
      chaotic = result.grid.cells.flat().filter((c) => c.phase === 'chaotic').length;
    t = performance.now();
    const res = await fetch(`${bench.url}/v1/theory`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(grid),
    });
    const body = await res.text();
    endpoint.push((performance.now() - t) / 1000);
    if (res.status !== 200) throw new Error(`POST /v1/theory: ${res.status} ${body.slice(0, 200)}`);
    console.error(
      `round ${r + 1}: core ${fmt(core[r])} s, endpoint ${fmt(endpoint[r])} s (${body.length} bytes)`,
    );
  }
} finally {
  await bench.close();
}
const row = (what: string, xs: number[]) => [
  what,
  fmt(median(xs)),
  `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}`,
];
console.log(`100 × 100 tanh grid, ${chaotic} chaotic cells, ${rounds} rounds interleaved\n`);
console.log(
  table(
    ['', 'median s', 'min–max s'],
    [row('core, in process', core), row('POST /v1/theory (worker thread, JSON)', endpoint)],
  ),
);
console.log(`\nendpoint / core (medians): ${fmt(median(endpoint) / median(core))}`);
