// node --import tsx bench/reductions.ts [--rounds=21] [--ms=40] [--clock=wall|cpu] — the statistics' kernels of a
// recorded step (kernels/elementwise.ts, the preferred build), interleaved round by round: the delta sums on W1's
// and W3's lengths, sumSquares (four sets) against sumSquaresWide (sixteen sets); and the forward pass of W3's ReLU
// and D50's tanh layers without and with the sums (activationForward against activationForwardSums). Prints ns per
// call and the median of each round's ratio.
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

const kernels = createWasmKernels(3 * Math.max(...LENGTHS.map((l) => l.len)) + 8);
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

/** A forward pass over `len` values of `act` without the sums (off) or with them (on), as a recorded step runs it. */
const FORWARD = [
  { name: 'W3 ReLU layer 1 (300 × 10)', act: 'relu', len: 3000, lo: -Infinity, hi: Infinity },
  { name: 'D50 tanh layer (64 × 16)', act: 'tanh', len: 1024, lo: -0.99, hi: 0.99 },
] as const;
const Z = kernels.f64(x.length);
const A = kernels.f64(x.length);
for (let i = 0; i < Z.length; i++) Z[i] = Math.sin(i * 0.7) * 2;
const params = { leakySlope: 0.01, eluAlpha: 1 };
const forwardSums = new Float64Array(8);
function timeForward(f: (typeof FORWARD)[number], withSums: boolean): number {
  let calls = 0;
  const t0 = now();
  let t = t0;
  while (t - t0 < sampleMs) {
    for (let i = 0; i < 200; i++) {
      if (withSums) kernels.activationForwardSums(f.act, Z, A, f.len, params, f.lo, f.hi, forwardSums, 0);
      else kernels.activationForward(f.act, Z, A, f.len, params);
    }
    calls += 200;
    t = now();
  }
  return ((t - t0) * 1e6) / calls;
}

const samples = new Map<string, number[]>();
const push = (key: string, ns: number) => samples.set(key, [...(samples.get(key) ?? []), ns]);
for (const { len } of LENGTHS) for (const kind of KINDS) time(kind, len); // warm-up
for (const f of FORWARD) for (const on of [false, true]) timeForward(f, on);
for (let r = 0; r < rounds; r++) {
  for (const { name, len } of LENGTHS) for (const kind of KINDS) push(`${name}|${kind}`, time(kind, len));
  for (const f of FORWARD) for (const on of [false, true]) push(`${f.name}|${on}`, timeForward(f, on));
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const span = (xs: number[]) =>
  `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;
const pairRatio = (a: number[], b: number[]) => median(b.map((v, i) => v / a[i])).toFixed(2);
console.log(`# bench:reductions — ${rounds} interleaved rounds, ${new Date().toISOString()}, ${clock} clock`);
console.log(
  '| delta buffer | sumSquares ns (min–max) | sumSquaresWide ns (min–max) | wide ÷ four sets, median of pairs |',
);
console.log('|---|---|---|---|');
for (const { name } of LENGTHS) {
  const [four, wide] = KINDS.map((k) => samples.get(`${name}|${k}`) ?? []);
  console.log(`| ${name} | ${span(four)} | ${span(wide)} | ${pairRatio(four, wide)}× |`);
}
console.log(
  '\n| forward pass | without sums ns (min–max) | with sums ns (min–max) | with ÷ without, median of pairs |',
);
console.log('|---|---|---|---|');
for (const { name } of FORWARD) {
  const [off, on] = [false, true].map((o) => samples.get(`${name}|${o}`) ?? []);
  console.log(`| ${name} | ${span(off)} | ${span(on)} | ${pairRatio(off, on)}× |`);
}
if (!Number.isFinite(sink)) console.log('(sink)');
