// node --import tsx bench/reductions.ts [--rounds=21] [--ms=40] [--clock=wall|cpu] — the statistics' reductions of a
// recorded step (kernels/elementwise.ts, the relaxed build) on W1's and W3's delta lengths: sumSquares (four sets)
// against sumSquaresWide (sixteen sets), interleaved round by round; prints ns per call and the ratio per round.
import { createWasmKernels } from '../src/core/wasm/kernels.ts';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const rounds = Number(args.get('rounds') ?? 21);
const sampleMs = Number(args.get('ms') ?? 40);
const clock = args.get('clock') ?? 'cpu';
if (clock !== 'wall' && clock !== 'cpu')
  throw new Error(`bench/reductions.ts: --clock must be wall or cpu, got ${clock}`);
/** Milliseconds on the chosen clock. */
const now =
  clock === 'cpu'
    ? () => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1000;
      }
    : () => performance.now();

/** (batch, units) of the layers whose deltas a recorded step sums: W3's two hidden layers, W1's 64-unit ones. */
const LENGTHS = [
  { name: 'W3 layer 1 (300 × 10)', len: 3000 },
  { name: 'W3 layer 2 (300 × 5)', len: 1500 },
  { name: 'W1 hidden (256 × 64)', len: 16384 },
];
const KINDS = ['sumSquares', 'sumSquaresWide'] as const;

const kernels = createWasmKernels(Math.max(...LENGTHS.map((l) => l.len)) + 8);
const x = kernels.f64(Math.max(...LENGTHS.map((l) => l.len)));
for (let i = 0; i < x.length; i++) x[i] = Math.sin(i) * 0.01;

let sink = 0;
/** ns per call of `kind` over len values: calls repeated for ~sampleMs on the chosen clock. */
function time(kind: (typeof KINDS)[number], len: number): number {
  const f = kernels[kind];
  let calls = 0;
  const t0 = now();
  let t = t0;
  while (t - t0 < sampleMs) {
    for (let i = 0; i < 200; i++) sink += f(x, len);
    calls += 200;
    t = now();
  }
  return ((t - t0) * 1e6) / calls;
}

const samples = new Map<string, number[]>();
for (const { len } of LENGTHS) for (const kind of KINDS) time(kind, len); // warm-up
for (let r = 0; r < rounds; r++) {
  for (const { name, len } of LENGTHS) {
    for (const kind of KINDS) {
      const key = `${name}|${kind}`;
      samples.set(key, [...(samples.get(key) ?? []), time(kind, len)]);
    }
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(`# bench:reductions — ${rounds} interleaved rounds, ${new Date().toISOString()}, ${clock} clock`);
console.log(
  '| delta buffer | sumSquares ns (min–max) | sumSquaresWide ns (min–max) | wide ÷ four sets, median of pairs |',
);
console.log('|---|---|---|---|');
for (const { name } of LENGTHS) {
  const [four, wide] = KINDS.map((k) => samples.get(`${name}|${k}`) ?? []);
  const span = (xs: number[]) =>
    `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;
  const ratio = median(wide.map((w, i) => w / four[i]));
  console.log(`| ${name} | ${span(four)} | ${span(wide)} | ${ratio.toFixed(2)}× |`);
}
if (!Number.isFinite(sink)) console.log('(sink)');
