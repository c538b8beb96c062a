// The typed messages that cross the worker-thread boundary: tasks in, record batches (and their rows) and results out.
import type { MessagePort } from 'node:worker_threads';
import type { z } from 'zod';
import type {
  BatchEvaluation,
  HelperOffer,
  LayerWeights,
  NetworkSpec,
  RunSpec,
  TheoryRequest,
} from '../core/index.ts';
import type { BodyFailure } from '../http/json-body.ts';
import type { BudgetLimits } from '../model/budget.ts';
import type { RunOutcome, StepRow } from '../model/run.ts';
import type {
  GradcheckResultSchema,
  ProbeResultSchema,
  RunDiagnosisSchema,
  TrainSummarySchema,
} from '../schemas/results.ts';
import type { TheoryResponse } from '../schemas/theory.ts';

/** Slots of a job's shared control array (Int32Array(CONTROL_SLOTS) over a SharedArrayBuffer). */
export const CONTROL_CANCEL = 0;
/** 1 while the main thread cannot take more records (database outage): the worker waits between steps. */
export const CONTROL_PAUSE = 1;
export const CONTROL_SLOTS = 2;

/** A job for the pool. `control` is written by the main thread (cancel, pause) and read by the worker. */
export interface JobTask {
  runId: string;
  spec: RunSpec;
  control: Int32Array;
  /** Record batches and the final 'done' travel on this port (transferred with the task). */
  port: MessagePort;
  /** Post buffered records at least this often… */
  flushIntervalMs: number;
  /** …or when this many are buffered. */
  flushMaxRecords: number;
  /**
   * Split the run's matrix products of at least this many multiply-adds with a helper thread the pool lends
   * while it has an idle worker (the job then posts a PortHelperOffer); null: one thread.
   */
  splitMinMultiplyAdds: number | null;
}

/**
 * Statistics of k recorded steps, packed in transferable buffers:
 * steps (k), scalars (k × 4: loss, gradNorm, trainAccuracy, testAccuracy; NaN for null),
 * layers (k × layerCount × fieldCount), histograms (k × layerCount × (bins + 2), NaN rows for
 * steps without) or null when the run records none.
 */
export interface RecordBatch {
  type: 'records';
  runId: string;
  layerCount: number;
  fieldCount: number;
  histogramBins: number;
  steps: Float64Array;
  scalars: Float64Array;
  layers: Float64Array;
  histograms: Float64Array | null;
}

/** Always the last message on a task's port, so the main thread knows every batch has arrived. */
export interface PortDone {
  type: 'done';
}

/** Sent once, first, by a job whose products may be split: what a helper thread needs to work on its memory. */
export interface PortHelperOffer {
  type: 'helper';
  offer: HelperOffer;
}

export type PortMessage = RecordBatch | PortDone | PortHelperOffer;

/** A worker lent to a running job computes parts of its products until released (see core's serveSplits). */
export type GemmHelperTask = HelperOffer;

/**
 * What a job returns: its outcome, shaped once in the worker, which the dispatcher only stores. A spec the core
 * rejected is a failed outcome with code invalid_spec (errors lose their class crossing threads).
 */
export interface JobResult extends RunOutcome {
  summary?: z.output<typeof TrainSummarySchema>;
  diagnosis?: z.output<typeof RunDiagnosisSchema> | null;
  result?: z.output<typeof ProbeResultSchema> | z.output<typeof GradcheckResultSchema>;
}

/** The synchronous /v1/evaluate computation, also run on the pool. */
export interface EvaluateTask {
  network: NetworkSpec;
  weights: LayerWeights[];
  features: number[][];
  labels: number[] | number[][];
  /** Return every layer's Z and A too. */
  activations?: boolean;
}

export type EvaluateOutcome =
  | ({ ok: true } & EvaluateResult)
  | { ok: false; path: (string | number)[]; message: string };

export type EvaluateResult = BatchEvaluation;

/** POST /v1/runs' body admitted on the evaluate thread (run-admission.ts). */
export interface AdmitRunTask {
  /** The raw bytes (transferred). */
  body: Uint8Array;
  budget: BudgetLimits;
}

/** POST /v1/evaluate whole: its raw body read and validated, evaluated, and the 200 answer serialized. */
export interface EvaluateBodyTask {
  body: Uint8Array;
}

export type EvaluateBodyOutcome =
  /**
   * The 200 answer's JSON as UTF-8 bytes, as the route's response serializer writes it (transferred: the loop
   * writes them to the socket as they are, where a 2.4 MB string cost it ~40 ms of UTF-8 encoding per request).
   */
  | { kind: 'answer'; json: Uint8Array }
  | { kind: 'refused'; failure: BodyFailure }
  /** The core refused the network or the batch (a 422 naming the body field). */
  | { kind: 'spec_error'; path: (string | number)[]; message: string };

/** POST /v1/theory's computation (a 100 × 100 grid takes seconds), run on a pool thread of its own. */
export type TheoryTask = TheoryRequest;

export type TheoryOutcome =
  | { ok: true; response: TheoryResponse }
  | { ok: false; path: (string | number)[]; message: string };

const orNull = (x: number) => (Number.isNaN(x) ? null : x);

/** Unpacks a worker batch into rows (statistics rounded to float32 here, once, for storage and streaming). */
export function rowsFromBatch(batch: RecordBatch): StepRow[] {
  const stride = batch.layerCount * batch.fieldCount;
  const hStride = batch.layerCount * (batch.histogramBins + 2);
  return Array.from(batch.steps, (step, i) => {
    const s = batch.scalars;
    const hist = batch.histograms?.subarray(i * hStride, (i + 1) * hStride);
    return {
      step,
      loss: s[i * 4],
      gradNorm: s[i * 4 + 1],
      trainAccuracy: orNull(s[i * 4 + 2]),
      testAccuracy: orNull(s[i * 4 + 3]),
      layers: Float32Array.from(batch.layers.subarray(i * stride, (i + 1) * stride)),
      histograms: hist && !Number.isNaN(hist[2]) ? Float32Array.from(hist) : null,
    };
  });
}
