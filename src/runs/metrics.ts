// A metrics request's selection (layers, fields, steps, thinning to maxPoints), read as columns for the JSON answer
// (written on the evaluate thread: metrics-json.ts) or streamed as an export.
import { FIELD_COUNT, LAYER_FIELDS, type LayerField } from '../core/index.ts';
import { AppError } from '../http/problems.ts';
import type { RunRecord, StepRow } from '../model/run.ts';
import type { RunStore } from '../model/store.ts';
import {
  type ExportFormat,
  METRICS_JSON_DEFAULT_POINTS,
  METRICS_JSON_MAX_POINTS,
  type MetricsQuery,
} from '../schemas/runs.ts';
import { CONTENT_TYPES, exportChunks } from './export.ts';

/** Statistics per page read (1 MB of float32): a page of a 50-layer run is 291 steps. */
const PAGE_VALUES = 1 << 18;
/**
 * Rows per page at most: a page's rows are decoded in one turn of the event loop, and 5,000 rows of a small
 * network took tens of ms there (`npm run bench:stall`, the metrics row); 1,000 keep each turn short.
 */
const MAX_PAGE_ROWS = 1000;

/** How many of `recorded` steps a stride keeps: positions 0, s, 2s, … plus the last. */
export function keptSteps(recorded: number, stride: number): number {
  if (recorded === 0) return 0;
  return Math.floor((recorded - 1) / stride) + 1 + ((recorded - 1) % stride === 0 ? 0 : 1);
}

/** The stride that leaves at most maxPoints of `recorded` steps (first and last kept); 1 = all. */
export function strideFor(recorded: number, maxPoints: number | undefined): number {
  return maxPoints === undefined || recorded <= maxPoints ? 1 : Math.ceil((recorded - 1) / (maxPoints - 1));
}

/** What the steps of a metrics answer are, before and after thinning. */
export interface StepCounts {
  /** Steps recorded in [from, to]. */
  recordedSteps: number;
  /** Steps in the answer. */
  returnedSteps: number;
  /** Whether recorded steps were left out to honour maxPoints. */
  downsampled: boolean;
}

/** Checks the layers against the run, counts the range, and prepares the paged read (nothing read yet). */
async function select(store: RunStore, run: RunRecord, q: MetricsQuery, maxPoints: number | undefined) {
  const layers = q.layers ?? Array.from({ length: run.layerCount }, (_, i) => i);
  const bad = layers.find((l) => l >= run.layerCount);
  if (bad !== undefined) {
    throw new AppError(
      'validation_failed',
      `layer ${bad} does not exist: the network has ${run.layerCount} layers`,
      {
        errors: [{ path: ['layers'], pointer: '/query/layers', message: `layer ${bad} ≥ ${run.layerCount}` }],
      },
    );
  }
  const fields = q.fields ?? [...LAYER_FIELDS];
  // The range's last step now: steps a live run records meanwhile stay out, so the counts hold.
  const span = await store.stepSpan(run.id, q.from, q.to);
  const stride = strideFor(span.count, maxPoints);
  const returned = keptSteps(span.count, stride);
  const pageRows = Math.min(
    MAX_PAGE_ROWS,
    Math.max(1, Math.floor(PAGE_VALUES / (run.layerCount * FIELD_COUNT))),
  );
  const pages: AsyncIterable<StepRow[]> =
    span.lastStep === null
      ? (async function* () {})()
      : store.readStepPages(run.id, { fromStep: q.from, lastStep: span.lastStep, stride, pageRows });
  const counts: StepCounts = {
    recordedSteps: span.count,
    returnedSteps: returned,
    downsampled: returned < span.count,
  };
  return { layers, fields, counts, pages };
}

/**
 * The JSON answer's data as flat columns, to be written on the evaluate thread (metrics-json.ts): what the loop
 * does per point is copying numbers, not building 600,000 JSON values. Numeric columns hold NaN for null.
 */
export interface MetricsColumns {
  runId: string;
  fields: LayerField[];
  layers: number[];
  counts: StepCounts;
  /** Statistics per row in `stats`: layerCount × FIELD_COUNT, layer-major as recorded. */
  width: number;
  steps: Float64Array;
  loss: Float64Array;
  gradNorm: Float64Array;
  trainAccuracy: Float64Array;
  testAccuracy: Float64Array;
  /** Row-major: row i's statistics at [i·width, (i+1)·width); NaN where a stored row holds fewer. */
  stats: Float32Array;
}

/** The JSON answer's columns (at most METRICS_JSON_MAX_POINTS steps), read a page at a time. */
export async function metricsColumns(
  store: RunStore,
  run: RunRecord,
  q: MetricsQuery,
): Promise<MetricsColumns> {
  const maxPoints = q.maxPoints ?? METRICS_JSON_DEFAULT_POINTS;
  if (maxPoints > METRICS_JSON_MAX_POINTS) {
    const message =
      `JSON answers hold at most ${METRICS_JSON_MAX_POINTS} steps; ` +
      'ask for format=csv or format=ndjson to export more (every recorded step by default)';
    throw new AppError('validation_failed', message, {
      errors: [{ path: ['maxPoints'], pointer: '/query/maxPoints', message }],
    });
  }
  const { layers, fields, counts, pages } = await select(store, run, q, maxPoints);
  const width = run.layerCount * FIELD_COUNT;
  // Sized for the steps counted; a page past them (rows stored meanwhile inside the range) grows the columns.
  const allocate = (rows: number) => {
    const column = () => new Float64Array(rows).fill(Number.NaN);
    const stats = new Float32Array(rows * width).fill(Number.NaN);
    return {
      steps: column(),
      loss: column(),
      gradNorm: column(),
      trainAccuracy: column(),
      testAccuracy: column(),
      stats,
    };
  };
  let capacity = counts.returnedSteps;
  let c = allocate(capacity);
  let n = 0;
  for await (const page of pages) {
    if (n + page.length > capacity) {
      capacity = Math.max(2 * capacity, n + page.length);
      const old = c;
      c = allocate(capacity);
      for (const k of Object.keys(c) as (keyof typeof c)[]) c[k].set(old[k]);
    }
    for (const r of page) {
      c.steps[n] = r.step;
      c.loss[n] = r.loss;
      c.gradNorm[n] = r.gradNorm;
      c.trainAccuracy[n] = r.trainAccuracy ?? Number.NaN;
      c.testAccuracy[n] = r.testAccuracy ?? Number.NaN;
      c.stats.set(r.layers.length > width ? r.layers.subarray(0, width) : r.layers, n * width);
      n++;
    }
  }
  return {
    runId: run.id,
    fields,
    layers,
    counts,
    width,
    steps: c.steps.slice(0, n),
    loss: c.loss.slice(0, n),
    gradNorm: c.gradNorm.slice(0, n),
    trainAccuracy: c.trainAccuracy.slice(0, n),
    testAccuracy: c.testAccuracy.slice(0, n),
    stats: c.stats.slice(0, n * width),
  };
}

/** The columns' buffers, to transfer them to the thread. */
export function columnBuffers(c: MetricsColumns): ArrayBuffer[] {
  return [c.steps, c.loss, c.gradNorm, c.trainAccuracy, c.testAccuracy, c.stats].map(
    (a) => a.buffer as ArrayBuffer,
  );
}

/** A CSV or NDJSON export: every recorded step of the range unless maxPoints asks for fewer, streamed. */
export async function metricsExport(store: RunStore, run: RunRecord, q: MetricsQuery, format: ExportFormat) {
  const { layers, fields, counts, pages } = await select(store, run, q, q.maxPoints);
  return {
    counts,
    contentType: CONTENT_TYPES[format],
    filename: `gradscope-${run.id.slice(0, 8)}-metrics.${format === 'csv' ? 'csv' : 'ndjson'}`,
    chunks: exportChunks(format, { layers, fields, layout: q.layout }, pages),
  };
}
