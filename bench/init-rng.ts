// node --import tsx bench/init-rng.ts [--rounds=9] — time to draw a 1000×1000 he_normal layer with the default
// generator (xoshiro128**) and with init.rng "numpy" (MT19937 + legacy_gauss with a correctly rounded ln),
// interleaved round by round; prints medians, spread and the ratio.
import { initializeParameters, initRng } from '../src/core/initializers.ts';
import { layoutOf } from '../src/core/model.ts';
import type { InitRngName } from '../src/core/spec.ts';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const rounds = Number(args.get('rounds') ?? 9);
const layout = layoutOf({ inputSize: 1000, layers: [{ units: 1000, activation: 'relu' }], loss: 'mse' });
const params = new Float64Array(layout.size);
const times: Record<InitRngName, number[]> = { xoshiro: [], numpy: [] };
for (let r = 0; r <= rounds; r++) {
  for (const rng of ['xoshiro', 'numpy'] as const) {
    const init = { weights: { scheme: 'he_normal' as const }, seed: r, rng };
    const t0 = performance.now();
    initializeParameters(layout, init, initRng(init), params);
    if (r > 0) times[rng].push(performance.now() - t0); // round 0 warms up
  }
}
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const median = (xs: number[]) => sorted(xs)[xs.length >> 1];
const ratios = times.numpy.map((t, i) => t / times.xoshiro[i]);
console.log(`| generator | median ms per 10⁶ normals (min–max) |\n|---|---|`);
for (const rng of ['xoshiro', 'numpy'] as const) {
  const s = sorted(times[rng]);
  console.log(`| ${rng} | ${median(s).toFixed(0)} (${s[0].toFixed(0)}–${s.at(-1)!.toFixed(0)}) |`);
}
const rs = sorted(ratios);
console.log(
  `\nnumpy ÷ xoshiro, per round: median ${median(rs).toFixed(2)}× (${rs[0].toFixed(2)}–${rs.at(-1)!.toFixed(2)})`,
);
