// The piscina worker: runs one job on the numeric core and posts its records; nothing else lives here.
import {
  evaluateBatch,
  type RunSpec,
  runGradcheck,
  runProbe,
  runTraining,
  SpecError,
} from '../core/index.ts';
import { diagnosisJson, gradcheckResultJson, probeResultJson } from '../schemas/results.ts';
import type { EvaluateOutcome, EvaluateTask, JobResult, JobTask } from './messages.ts';
import { RecordBuffer } from './record-buffer.ts';

export default function runJob(task: JobTask): JobResult {
  try {
    return execute(task.spec, task);
  } catch (e) {
    if (e instanceof SpecError)
      return { kind: 'failed', code: 'invalid_spec', path: e.path, message: e.message };
    throw e;
  } finally {
    task.port.postMessage({ type: 'done' });
    task.port.close();
  }
}

function execute(spec: RunSpec, task: JobTask): JobResult {
  if (spec.kind === 'probe') {
    const outcome = runProbe(spec);
    return { kind: 'probe', result: probeResultJson(outcome), initialTheta: outcome.initialTheta };
  }
  if (spec.kind === 'gradcheck') {
    const outcome = runGradcheck(spec);
    return { kind: 'gradcheck', result: gradcheckResultJson(outcome), initialTheta: outcome.initialTheta };
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
    diagnosis: {
      verdict: outcome.diagnosis.verdict,
      message: outcome.diagnosis.message,
      atInit: outcome.diagnosis.atInit && diagnosisJson(outcome.diagnosis.atInit),
      atEnd: outcome.diagnosis.atEnd && diagnosisJson(outcome.diagnosis.atEnd),
    },
    lsuv: outcome.lsuv,
    initialTheta: outcome.initialTheta,
    finalTheta: outcome.finalTheta,
  };
}

export function evaluate(task: EvaluateTask): EvaluateOutcome {
  try {
    return {
      ok: true,
      ...evaluateBatch(task.network, task.weights, task.features, task.labels, {
        activations: task.activations,
      }),
    };
  } catch (e) {
    if (e instanceof SpecError) return { ok: false, path: e.path, message: e.message };
    throw e;
  }
}
