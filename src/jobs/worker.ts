// The piscina worker: runs one job on the numeric core and posts its records; nothing else lives here.
import {
  evaluateBatch,
  FIELD_COUNT,
  LAYER_FIELDS,
  runGradcheck,
  runProbe,
  runTraining,
  type RunSpec,
} from '../core/index.ts';
import type { EvaluateResult, EvaluateTask, JobResult, JobTask, ProbeLayerResult } from './messages.ts';
import { RecordBuffer } from './record-buffer.ts';

export default function runJob(task: JobTask): JobResult {
  try {
    return execute(task.spec, task);
  } finally {
    task.port.postMessage({ type: 'done' });
    task.port.close();
  }
}

function execute(spec: RunSpec, task: JobTask): JobResult {
  if (spec.kind === 'probe') {
    const p = runProbe(spec);
    const stride = p.bins + 2;
    const hist = (h: Float64Array, l: number) => ({
      lo: nullable(h[l * stride]),
      hi: nullable(h[l * stride + 1]),
      counts: Array.from(h.subarray(l * stride + 2, (l + 1) * stride)),
    });
    const layers: ProbeLayerResult[] = p.layout.layers.map((_, l) => ({
      layer: l,
      stats: Object.fromEntries(LAYER_FIELDS.map((f, i) => [f, nullable(p.layers[l * FIELD_COUNT + i])])),
      activationHistogram: hist(p.activationHistograms, l),
      gradientHistogram: hist(p.gradientHistograms, l),
    }));
    return { kind: 'probe', batch: p.batch, loss: p.loss, layers, diagnosis: p.diagnosis, lsuv: p.lsuv, initialTheta: p.initialTheta };
  }
  if (spec.kind === 'gradcheck') {
    const g = runGradcheck(spec);
    return { kind: 'gradcheck', batch: g.batch, result: g.result, initialTheta: g.initialTheta };
  }
  const layerCount = spec.network.layers.length;
  const buffer = new RecordBuffer(task.runId, layerCount, spec.telemetry?.histograms?.bins ?? 32);
  let lastFlush = Date.now();
  const flush = () => {
    const drained = buffer.drain();
    if (drained) task.port.postMessage(drained.batch, drained.transfer);
    lastFlush = Date.now();
  };
  const outcome = runTraining(spec, {
    onRecord(record) {
      buffer.push(record);
      if (buffer.size >= task.flushMaxRecords || Date.now() - lastFlush >= task.flushIntervalMs) flush();
    },
    shouldStop: () => Atomics.load(task.cancel, 0) !== 0,
  });
  flush();
  return {
    kind: 'train',
    status: outcome.status,
    totalSteps: outcome.totalSteps,
    stepsCompleted: outcome.stepsCompleted,
    final: outcome.final,
    divergence: outcome.divergence,
    diagnosis: outcome.diagnosis,
    lsuv: outcome.lsuv,
    initialTheta: outcome.initialTheta,
    finalTheta: outcome.finalTheta,
  };
}

export function evaluate(task: EvaluateTask): EvaluateResult {
  return evaluateBatch(task.network, task.weights, task.features, task.labels);
}

function nullable(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
