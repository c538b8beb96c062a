/**
 * TensorFlow.js peer for `npm run bench:core`: ms per training step on the `cpu` (plain JS) or
 * `wasm` (WebAssembly + SIMD, one thread under Node) backend.
 *
 * DTYPE CAVEAT: tfjs has no float64. Every tensor here is float32, so it does half the memory
 * traffic of our float64 core and of the PyTorch fp64 peer. It is still the peer a Node user would
 * otherwise pick, which is why it is measured; compare its figures with that caveat in mind.
 *
 * One step = forward + backward + plain SGD update (lr 0.01), loss averaged over the batch:
 *   W1 deep-narrow: 2 -> 20 x 64 tanh -> 1, sigmoid cross-entropy with logits, batch 256
 *   W2 wide:        784 -> 512 relu -> 512 relu -> 10, softmax cross-entropy (logits), batch 128
 *   W3 course:      2 -> 10 relu -> 5 relu -> 1, sigmoid cross-entropy with logits, full batch 300
 * Weights are tf.variable (He-normal before ReLU, Xavier-normal before tanh and for the output
 * layer, biases 0) from a seeded PRNG; data is fixed and generated once. The step is
 * `tf.train.sgd(0.01).minimize(loss, true)` inside tf.tidy; the returned loss is read with
 * dataSync() each step, which forces the step to complete, then disposed, so the tensor count
 * stays flat (checked by `tensorsAfterStep`).
 *
 * A process should use one backend: initialise it once with `initTfjsBackend` (timeTfjs does it on
 * first use). The CLI `bench/peers/tfjs-cli.ts` runs one backend per child process.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';

export type TfjsBackend = 'cpu' | 'wasm';
export type TfjsWorkloadName = 'W1' | 'W2' | 'W3';

export const LR = 0.01;

interface Spec {
  sizes: number[];
  acts: ('tanh' | 'relu')[];
  batch: number;
  loss: 'bce' | 'ce';
}

export const WORKLOAD_SPECS: Record<TfjsWorkloadName, Spec> = {
  W1: { sizes: [2, ...Array<number>(20).fill(64), 1], acts: Array(20).fill('tanh'), batch: 256, loss: 'bce' },
  W2: { sizes: [784, 512, 512, 10], acts: ['relu', 'relu'], batch: 128, loss: 'ce' },
  W3: { sizes: [2, 10, 5, 1], acts: ['relu', 'relu'], batch: 300, loss: 'bce' },
};

let activeBackend: TfjsBackend | undefined;

/** Directory holding tfjs-backend-wasm's .wasm files (node_modules/@tensorflow/tfjs-backend-wasm/dist/). */
export function wasmDistDir(): string {
  const require = createRequire(import.meta.url);
  // the package's "main" is dist/tf-backend-wasm.node.js, next to the .wasm files
  return `${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`;
}

/** Selects and initialises a backend (once per process; switching later is allowed but not advised). */
export async function initTfjsBackend(backend: TfjsBackend): Promise<void> {
  if (activeBackend === backend && tf.getBackend() === backend) return;
  tf.enableProdMode(); // skip debug-only checks, as a user timing tfjs would
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(wasmDistDir()); // a directory path: Node loads the .wasm with fs
  }
  const ok = await tf.setBackend(backend);
  if (!ok) throw new Error(`tfjs backend ${backend} failed to initialise`);
  await tf.ready();
  activeBackend = backend;
}

/** Versions and backend facts, for the harness's output. */
export async function tfjsInfo(): Promise<Record<string, unknown>> {
  const info: Record<string, unknown> = {
    backend: tf.getBackend(),
    versions: tf.version,
    dtype: 'float32',
  };
  if (tf.getBackend() === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    info.wasmVersion = wasm.version_wasm;
    info.wasmSimd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    info.wasmMultithread = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    info.wasmDir = wasmDistDir();
  }
  return info;
}

/** mulberry32: small, fast, seeded. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normals(n: number, std: number, rand: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - rand();
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u)) * std;
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

export interface TfjsWorkload {
  name: TfjsWorkloadName;
  backend: string;
  /** One training step; returns the loss (read with dataSync, so the step has completed). */
  step(): number;
  /** Live tensor count (tf.memory().numTensors): should not grow from step to step. */
  tensorsAfterStep(): number;
  dispose(): void;
}

/** Builds one workload's variables, data and optimizer, on the current backend. */
export function setupTfjsWorkload(name: TfjsWorkloadName, seed = 1234): TfjsWorkload {
  const spec = WORKLOAD_SPECS[name];
  const rand = rng(seed);
  const { sizes, acts, batch } = spec;

  const weights: tf.Variable[] = [];
  const biases: tf.Variable[] = [];
  for (let i = 0; i < sizes.length - 1; i++) {
    const fanIn = sizes[i];
    const fanOut = sizes[i + 1];
    const std = acts[i] === 'relu' ? Math.sqrt(2 / fanIn) : Math.sqrt(2 / (fanIn + fanOut));
    weights.push(
      tf.variable(tf.tensor2d(normals(fanIn * fanOut, std, rand), [fanIn, fanOut]), true, `${name}_W${i}`),
    );
    biases.push(tf.variable(tf.zeros([fanOut]), true, `${name}_b${i}`));
  }

  const nIn = sizes[0];
  const xs = new Float32Array(batch * nIn);
  if (name === 'W2') for (let i = 0; i < xs.length; i++) xs[i] = rand();
  else xs.set(normals(xs.length, 1, rand));
  const x = tf.tensor2d(xs, [batch, nIn]);

  let y: tf.Tensor2D;
  if (spec.loss === 'bce') {
    // a non-linear target (XOR of signs), as in the torch peer
    const ys = new Float32Array(batch);
    for (let b = 0; b < batch; b++) ys[b] = xs[b * nIn] * xs[b * nIn + 1] > 0 ? 1 : 0;
    y = tf.tensor2d(ys, [batch, 1]);
  } else {
    const classes = sizes[sizes.length - 1];
    const labels = new Int32Array(batch);
    for (let b = 0; b < batch; b++) labels[b] = Math.floor(rand() * classes);
    y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), classes).toFloat() as tf.Tensor2D);
  }

  const optimizer = tf.train.sgd(LR);
  const varList = [...weights, ...biases];

  const lossFn = (): tf.Scalar => {
    let h: tf.Tensor2D = x;
    for (let i = 0; i < weights.length; i++) {
      h = tf.add(tf.matMul(h, weights[i]), biases[i]);
      if (i < acts.length) h = acts[i] === 'tanh' ? tf.tanh(h) : tf.relu(h);
    }
    // both losses reduce with the default SUM_BY_NONZERO_WEIGHTS = mean over the batch
    return spec.loss === 'bce' ? tf.losses.sigmoidCrossEntropy(y, h) : tf.losses.softmaxCrossEntropy(y, h);
  };

  return {
    name,
    backend: tf.getBackend(),
    step(): number {
      const cost = tf.tidy(() => optimizer.minimize(lossFn, true, varList)!);
      const v = cost.dataSync()[0];
      cost.dispose();
      return v;
    },
    tensorsAfterStep: () => tf.memory().numTensors,
    dispose(): void {
      optimizer.dispose();
      for (const v of varList) v.dispose();
      x.dispose();
      y.dispose();
    },
  };
}

const cache = new Map<string, TfjsWorkload>();

/** The workload for (backend, name), set up once per process and reused. */
export async function getTfjsWorkload(backend: TfjsBackend, name: TfjsWorkloadName): Promise<TfjsWorkload> {
  await initTfjsBackend(backend);
  const key = `${backend}:${name}`;
  let w = cache.get(key);
  if (!w) {
    w = setupTfjsWorkload(name);
    cache.set(key, w);
  }
  return w;
}

/**
 * Times `steps` training steps of `workload` on `backend`; returns ms per step. The workload is
 * set up once (on the first call) and keeps training across calls, so a first short call serves
 * as warm-up. No warm-up is done here.
 */
export async function timeTfjs(
  backend: TfjsBackend,
  workload: TfjsWorkloadName,
  steps: number,
): Promise<number> {
  const w = await getTfjsWorkload(backend, workload);
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) w.step();
  return (performance.now() - t0) / steps;
}
