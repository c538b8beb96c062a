// node --import tsx bench/probes.ts [--rounds=3] — the papers' probes and a fast gradient check in the core, timed
// round by round: seconds and multiply-adds per second as the budget counts them (src/model/budget.ts sizes
// maxCheckWork from this rate). Prints a markdown table of medians and the spread.
import { gradcheckEvaluations } from '../src/core/gradcheck.ts';
import { runGradcheck } from '../src/core/gradcheck-run.ts';
import { layoutOf, macsPerSample } from '../src/core/model.ts';
import { runProbe } from '../src/core/probe.ts';
import type { GradcheckRunSpec, ProbeRunSpec } from '../src/core/run-spec.ts';
import type { NetworkSpec } from '../src/core/spec.ts';
import { fmt, median, quantile, table } from './lib/stats.ts';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const rounds = Number(args.get('rounds') ?? 3);

const glorot: NetworkSpec = {
  inputSize: 1000,
  layers: [
    ...Array.from({ length: 5 }, () => ({ units: 1000, activation: 'tanh' as const })),
    { units: 10, activation: 'softmax' as const },
  ],
  loss: 'categorical_cross_entropy',
};
const he: NetworkSpec = {
  inputSize: 256,
  layers: [
    ...Array.from({ length: 10 }, () => ({ units: 256, activation: 'relu' as const })),
    { units: 256, activation: 'linear' as const },
  ],
  loss: 'mse',
};

const glorotProbe: ProbeRunSpec = {
  kind: 'probe',
  objective: 'mean_square',
  network: glorot,
  init: { weights: { scheme: 'xavier_uniform' } },
  data: { source: 'normal', n: 256, features: 1000, targets: 'labels', classes: 10 },
};
const heProbe: ProbeRunSpec = {
  kind: 'probe',
  objective: 'random_projection',
  network: he,
  init: { weights: { scheme: 'he_normal' } },
  data: { source: 'normal', n: 1024, features: 256, outputs: 256 },
  batchSize: 1024,
};
const glorotCheck: GradcheckRunSpec = {
  kind: 'gradcheck',
  mode: 'fast',
  batchSize: 16,
  network: glorot,
  init: { weights: { scheme: 'xavier_uniform' } },
  data: { source: 'normal', n: 16, features: 1000, targets: 'labels', classes: 10 },
};

const cases = [
  {
    name: 'Glorot & Bengio probe 5 × 1000 tanh, batch 256',
    macs: 3 * 256 * macsPerSample(layoutOf(glorot)),
    run: () => runProbe(glorotProbe),
  },
  {
    name: 'He et al. probe 11 × 256 relu, batch 1024',
    macs: 3 * 1024 * macsPerSample(layoutOf(he)),
    run: () => runProbe(heProbe),
  },
  {
    name: 'fast gradient check of the Glorot net, batch 16',
    // What the budget counts; the check passes here, so the ε scan is not spent.
    macs: (3 + gradcheckEvaluations(200, 10)) * 16 * macsPerSample(layoutOf(glorot)),
    run: () => runGradcheck(glorotCheck),
  },
];

const seconds = cases.map(() => [] as number[]);
for (let r = 0; r < rounds; r++) {
  cases.forEach((c, i) => {
    const t0 = performance.now();
    c.run();
    seconds[i].push((performance.now() - t0) / 1000);
  });
}
console.log(
  table(
    ['workload', 'budget work (multiply-adds)', 'median s', 'min–max s', 'multiply-adds/s'],
    cases.map((c, i) => [
      c.name,
      c.macs.toExponential(2),
      fmt(median(seconds[i])),
      `${fmt(quantile(seconds[i], 0))}–${fmt(quantile(seconds[i], 1))}`,
      (c.macs / median(seconds[i])).toExponential(2),
    ]),
  ),
);
