// node --import tsx bench/steady-state.ts — bytes the training loop allocates per step once records are off:
// each case trains 1,000 and 10,000 steps in a child process run with --trace-gc-nvp (statistics recorded only at
// the first and last step, no evaluation); the child forces a GC before and after training, and the bytes V8
// reports as allocated between the two (the `allocated=` of every GC in between, the final forced one included)
// are that run's allocation. (bytes(10,000) − bytes(1,000)) / 9,000 is what one more step allocates. Each count is
// the least of three children: compilation that happens to fall inside the window only ever adds bytes.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runTraining, type TrainRunSpec } from '../src/core/index.ts';
import { WORKLOADS } from './workloads.ts';

/** Full-batch workloads small enough for 10,000 steps, and a mini-batch one (shuffle and row gathering). */
const CASES: Record<string, (steps: number) => TrainRunSpec> = {
  'W3 course 2-10-5-1, full batch 300': (steps) => WORKLOADS.W3.spec(steps, 1e9),
  'deep-narrow 2-(20×16 tanh)-1, full batch 64': (steps) => ({
    ...WORKLOADS.W1.spec(steps, 1e9),
    network: {
      inputSize: 2,
      layers: [
        ...Array.from({ length: 20 }, () => ({ units: 16, activation: 'tanh' as const })),
        { units: 1, activation: 'sigmoid' as const },
      ],
      loss: 'binary_cross_entropy',
    },
    data: { source: 'xor', n: 64, seed: 1 },
  }),
  'W3 net, mini-batches of 50 from 300 (adam, clipping)': (steps) => ({
    ...WORKLOADS.W3.spec(steps, 1e9),
    training: { optimizer: { kind: 'adam', lr: 0.01 }, steps, batchSize: 50, clip: { maxNorm: 1 } },
  }),
};

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));

if (args.has('child')) {
  const spec = CASES[args.get('case') ?? ''](Number(args.get('steps')));
  spec.telemetry = { ...spec.telemetry, evalEvery: 1e9 };
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('bench/steady-state.ts: the child needs --expose-gc');
  // Warm up the JIT and the wasm tiers first, so that compilation (which allocates too) is not counted.
  runTraining({ ...spec, training: { ...spec.training, steps: 3000 } });
  gc();
  console.log('BEGIN');
  runTraining(spec);
  gc();
  console.log('END');
} else {
  /** Bytes allocated between BEGIN and END in a child training `steps` steps of `name`. */
  const allocated = (name: string, steps: number): number => {
    const child = spawnSync(
      process.execPath,
      [
        '--expose-gc',
        '--trace-gc-nvp',
        '--import',
        'tsx',
        fileURLToPath(import.meta.url),
        '--child',
        `--case=${name}`,
        `--steps=${steps}`,
      ],
      { encoding: 'utf8', maxBuffer: 1 << 28 },
    );
    if (child.status !== 0) throw new Error(`child failed: ${child.stderr}`);
    const window = child.stdout.slice(child.stdout.indexOf('BEGIN'), child.stdout.indexOf('END'));
    return [...window.matchAll(/allocated=(\d+)/g)].reduce((s, m) => s + Number(m[1]), 0);
  };
  console.log(`# bench/steady-state.ts — ${new Date().toISOString()}, node ${process.version}`);
  console.log('| case | bytes, 1,000 steps | bytes, 10,000 steps | bytes per extra step |');
  console.log('|---|---:|---:|---:|');
  for (const name of Object.keys(CASES)) {
    const least = (steps: number) => Math.min(...[0, 1, 2].map(() => allocated(name, steps)));
    const [short, long] = [least(1000), least(10_000)];
    console.log(`| ${name} | ${short} | ${long} | ${((long - short) / 9000).toFixed(1)} |`);
  }
}
