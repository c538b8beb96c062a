// Two threads for one product: a helper thread on the run's shared wasm memory computes half of C's rows or
// columns, and the results equal the one-thread results bit for bit (kernels and whole training runs).
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type HelperOffer,
  helperAttached,
  releaseHelper,
  runTraining,
  splitCount,
  type TrainRunSpec,
} from '../../src/core/index.ts';
import { Rng } from '../../src/core/rng.ts';
import { createWasmKernels, type Kernels, type WasmVariant } from '../../src/core/wasm/kernels.ts';

type Form = 'gemmABt' | 'gemmAB' | 'gemmAtB';
const FORMS: Form[] = ['gemmABt', 'gemmAB', 'gemmAtB'];
const VARIANTS: WasmVariant[] = ['simd', 'relaxed'];

const helpers: { worker: Worker; offer: HelperOffer }[] = [];
afterEach(async () => {
  for (const { worker, offer } of helpers.splice(0)) {
    releaseHelper(offer.control);
    await worker.terminate();
  }
});

/** Starts a helper thread on `offer` and resolves once it has attached. */
async function lend(offer: HelperOffer): Promise<void> {
  const worker = new Worker(new URL('../fixtures/gemm-helper.ts', import.meta.url));
  helpers.push({ worker, offer });
  worker.postMessage(offer);
  while (!helperAttached(offer.control)) await new Promise((r) => setTimeout(r, 5));
}

/**
 * Kernels whose products a helper thread shares (attached before this resolves), and the split's control. The
 * kernels offer a helper at their first product worth splitting, which runs alone: a warm-up of d×d×d.
 */
async function twoThreadKernels(doubles: number, variant: WasmVariant, minMultiplyAdds = 1) {
  const d = Math.max(8, Math.ceil(Math.cbrt(minMultiplyAdds)));
  let offered: HelperOffer | undefined;
  const kernels = createWasmKernels(doubles + 3 * d * d + 8 * d + 16, variant, {
    minMultiplyAdds,
    offer: (o) => (offered = o),
  });
  product(kernels, 'gemmABt', 4, 4, d, 0);
  expect(offered, 'an offer before the first product worth splitting').toBeUndefined();
  product(kernels, 'gemmABt', d, d, d, 0);
  if (!offered) throw new Error('createWasmKernels made no offer at its first product worth splitting');
  await lend(offered);
  expect(splitCount(offered.control)).toBe(0);
  return { kernels, control: offered.control };
}

function product(kernels: Kernels, form: Form, m: number, n: number, k: number, seed: number) {
  const rng = new Rng(seed);
  const fill = (len: number) => {
    const x = kernels.f64(len);
    for (let i = 0; i < len; i++) x[i] = rng.uniformIn(-1, 1);
    return x;
  };
  const A = fill(m * k);
  const B = fill(n * k);
  const C = fill(m * n);
  kernels[form](A, B, C, m, n, k);
  return Float64Array.from(C);
}

// Edge tiles in m and n (not multiples of 4), k across several KC = 256 blocks, column and row splits.
const SHAPES: [number, number, number][] = [
  [128, 512, 784],
  [130, 37, 300],
  [9, 203, 517],
  [61, 61, 64],
  [512, 10, 128],
  [8, 8, 3],
];

describe('split products', () => {
  for (const variant of VARIANTS) {
    it(`give the one-thread bits for every form and shape (${variant} build)`, async () => {
      // Each product allocates its operands anew (the arena never frees): room for every form of every shape.
      const doubles = FORMS.length * SHAPES.reduce((sum, [m, n, k]) => sum + m * k + n * k + m * n + 6, 0);
      const one = createWasmKernels(doubles, variant);
      const { kernels: two, control } = await twoThreadKernels(doubles, variant);
      let expected = 0;
      for (const form of FORMS) {
        for (const [m, n, k] of SHAPES) {
          const want = product(one, form, m, n, k, m + n + k);
          const got = product(two, form, m, n, k, m + n + k);
          expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer)), `${form} ${m}×${n}×${k}`).toBe(
            true,
          );
          expected++;
        }
      }
      expect(splitCount(control)).toBe(expected);
    });
  }

  it('take back a part the helper has not taken (a descheduled helper): the run computes it, same bits', () => {
    let offered: HelperOffer | undefined;
    const doubles = 2 * (128 * 300 + 200 * 300 + 128 * 200) + 16;
    const kernels = createWasmKernels(doubles, 'relaxed', {
      minMultiplyAdds: 1,
      offer: (o) => (offered = o),
    });
    const one = createWasmKernels(doubles, 'relaxed');
    product(kernels, 'gemmABt', 8, 8, 8, 0);
    if (!offered) throw new Error('no offer');
    // An attached helper that never looks (white box: STATE = IDLE with no thread behind it).
    Atomics.store(offered.control, 0, 1);
    const got = product(kernels, 'gemmAtB', 128, 200, 300, 7);
    expect(splitCount(offered.control)).toBe(1);
    expect(
      Buffer.from(got.buffer).equals(Buffer.from(product(one, 'gemmAtB', 128, 200, 300, 7).buffer)),
    ).toBe(true);
    expect(helperAttached(offered.control)).toBe(true);
  });

  it('keep products below the cut-over on one thread, and every product once the helper has left', async () => {
    const { kernels, control } = await twoThreadKernels(3 * 3 * 64 * 64, 'relaxed', 64 * 64 * 64);
    product(kernels, 'gemmABt', 64, 64, 63, 1);
    expect(splitCount(control)).toBe(0);
    product(kernels, 'gemmABt', 64, 64, 64, 1);
    expect(splitCount(control)).toBe(1);
    releaseHelper(control);
    while (helperAttached(control)) await new Promise((r) => setTimeout(r, 5));
    product(kernels, 'gemmABt', 64, 64, 64, 1);
    expect(splitCount(control)).toBe(1);
  });
});

const wide = (layers: number[], batch: number, inputs: number): TrainRunSpec => ({
  kind: 'train',
  network: {
    inputSize: inputs,
    layers: [
      ...layers.map((units) => ({ units, activation: 'relu' as const })),
      { units: 10, activation: 'softmax' },
    ],
    loss: 'categorical_cross_entropy',
  },
  init: { weights: { scheme: 'he_normal' }, seed: 3 },
  data: { source: 'blobs', n: 300, classes: 10, features: inputs, seed: 2 },
  training: { optimizer: { kind: 'adam', lr: 0.001 }, batchSize: batch, steps: 12, seed: 5 },
  telemetry: { every: 1 },
});

describe('training with two threads', () => {
  const specs: [string, TrainRunSpec][] = [
    ['784-512-512-10, batch 128', wide([512, 512], 128, 784)],
    ['odd widths 37-130-61-10, batch 29 (edge tiles, a last short batch)', wide([130, 61], 29, 37)],
  ];
  for (const [name, spec] of specs) {
    it(`ends with the same weights and statistics bit for bit: ${name}`, async () => {
      const oneRecords: Float64Array[] = [];
      const one = runTraining(spec, { onRecord: (r) => oneRecords.push(r.layers.slice()) });
      let offered: HelperOffer | undefined;
      let attached: Promise<void> = Promise.resolve();
      const twoRecords: Float64Array[] = [];
      // The helper attaches while the run goes on: let it in before the first step, as a pool would soon after.
      let first = true;
      const two = runTraining(spec, {
        threads: {
          minMultiplyAdds: 1,
          offer: (o) => {
            offered = o;
            attached = lend(o);
          },
        },
        onRecord: (r) => twoRecords.push(r.layers.slice()),
        shouldStop: () => {
          if (first && offered) {
            first = false;
            waitAttached(offered.control);
          }
          return false;
        },
      });
      await attached;
      expect(offered && splitCount(offered.control)).toBeGreaterThan(0);
      expect(Buffer.from(two.finalTheta.buffer).equals(Buffer.from(one.finalTheta.buffer))).toBe(true);
      expect(twoRecords).toEqual(oneRecords);
    });
  }
});

it('a run without a product worth splitting never asks for a helper', () => {
  let offers = 0;
  const spec = wide([16], 32, 8);
  runTraining(spec, { threads: { minMultiplyAdds: 2 ** 21, offer: () => offers++ } });
  expect(offers).toBe(0);
});

/** Blocks this thread until the helper has attached (the Worker starts on its own thread meanwhile). */
function waitAttached(control: Int32Array): void {
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; i < 2000 && !helperAttached(control); i++) Atomics.wait(sleeper, 0, 0, 5);
}
