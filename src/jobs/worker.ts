// The piscina worker: runs one job on the numeric core, posts its records and returns its finished outcome.

import {
  computeTheory,
  DEFAULTS,
  evaluateBatch,
  helperGemm,
  type RunSpec,
  runDiagnosis,
  runGradcheck,
  runProbe,
  runTraining,
  SpecError,
  serveSplits,
} from '../core/index.ts';
import { histogramSettings } from '../model/run.ts';
import {
  gradcheckResultJson,
  probeResultJson,
  runDiagnosisJson,
  trainSummaryJson,
} from '../schemas/results.ts';
import { theoryResponseJson } from '../schemas/theory.ts';
import { evaluateBody as evaluateRawBody } from './evaluate-body.ts';
import {
  type AdmitRunTask,
  CONTROL_CANCEL,
  CONTROL_PAUSE,
  type EvaluateBodyOutcome,
  type EvaluateBodyTask,
  type EvaluateOutcome,
  type EvaluateTask,
  type GemmHelperTask,
  type JobResult,
  type JobTask,
  type TheoryOutcome,
  type TheoryTask,
} from './messages.ts';
import { RecordBuffer } from './record-buffer.ts';
import { admitRunBody, type RunAdmission } from './run-admission.ts';
import { transferring } from './transfer.ts';

export default function runJob(task: JobTask): JobResult {
  try {
    return execute(task.spec, task);
  } catch (e) {
    if (!(e instanceof SpecError)) throw e;
    const where = e.path.length ? `${e.path.join('.')}: ` : '';
    return { status: 'failed', error: { code: 'invalid_spec', message: where + e.message } };
  } finally {
    task.port.postMessage({ type: 'done' });
    task.port.close();
  }
}

function execute(spec: RunSpec, task: JobTask): JobResult {
  if (spec.kind === 'probe') {
    const outcome = runProbe(spec);
    const diagnosis = runDiagnosis(outcome.diagnosis, null);
    return {
      status: 'succeeded',
      result: probeResultJson(outcome),
      diagnosis: diagnosis && runDiagnosisJson(diagnosis),
      weights: { initial: outcome.initialTheta },
    };
  }
  if (spec.kind === 'gradcheck') {
    const outcome = runGradcheck(spec);
    return {
      status: 'succeeded',
      result: gradcheckResultJson(outcome),
      weights: { initial: outcome.initialTheta },
    };
  }
  const bins = histogramSettings(spec)?.bins ?? DEFAULTS.histogramBins;
  const buffer = new RecordBuffer(task.runId, spec.network.layers.length, bins);
  let lastFlush = Date.now();
  const flush = () => {
    const drained = buffer.drain();
    if (drained) task.port.postMessage(drained.batch, drained.transfer);
    lastFlush = Date.now();
  };
  const minMultiplyAdds = task.splitMinMultiplyAdds;
  const outcome = runTraining(spec, {
    threads:
      minMultiplyAdds === null
        ? undefined
        : { minMultiplyAdds, offer: (offer) => task.port.postMessage({ type: 'helper', offer }) },
    onRecord(record) {
      buffer.push(record);
      if (buffer.size >= task.flushMaxRecords || Date.now() - lastFlush >= task.flushIntervalMs) flush();
    },
    shouldStop: () => {
      const { control } = task;
      if (Atomics.load(control, CONTROL_PAUSE) !== 0) {
        // The main thread cannot store more records now: hand over what is buffered, then wait (without
        // spinning) until it lets us go on or cancels. Waking once a second keeps the wait bounded anyway.
        flush();
        while (Atomics.load(control, CONTROL_PAUSE) !== 0 && Atomics.load(control, CONTROL_CANCEL) === 0) {
          Atomics.wait(control, CONTROL_PAUSE, 1, 1000);
        }
      }
      return Atomics.load(control, CONTROL_CANCEL) !== 0;
    },
  });
  flush();
  return {
    status: outcome.status,
    summary: trainSummaryJson(outcome),
    diagnosis: outcome.diagnosis && runDiagnosisJson(outcome.diagnosis),
    error: outcome.divergence ? { code: 'diverged', message: outcome.divergence.message } : undefined,
    weights: { initial: outcome.initialTheta, final: outcome.finalTheta },
  };
}

/** A pool worker lent to a running job: computes parts of its matrix products until the pool takes it back. */
export function gemmHelper(task: GemmHelperTask): void {
  serveSplits(task.control, helperGemm(task.memory, task.variant, task.scratch));
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

/** POST /v1/evaluate from its raw body (evaluate-body.ts). */
export function evaluateBody(task: EvaluateBodyTask): EvaluateBodyOutcome {
  const outcome = evaluateRawBody(task, evaluate);
  return outcome.kind === 'answer' ? transferring(outcome, outcome.json) : outcome;
}

/** A run request's body admitted here (parsed, hashed, budgeted, checked, its stored text made): run-admission.ts. */
export function admitRun(task: AdmitRunTask): RunAdmission {
  return admitRunBody(task.body, task.budget);
}

export function theory(task: TheoryTask): TheoryOutcome {
  try {
    return { ok: true, response: theoryResponseJson(computeTheory(task)) };
  } catch (e) {
    if (e instanceof SpecError) return { ok: false, path: e.path, message: e.message };
    throw e;
  }
}
