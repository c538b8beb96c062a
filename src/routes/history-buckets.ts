// Min/max-preserving downsampling of a run's recorded steps into at most `points` chart points, fed in step
// order; the short float32 decimals the JSON answer sends; the small LRU that keeps finished runs' answers.
import { FIELD, FIELD_COUNT, type LayerField } from '../core/index.ts';
import type { StepRow } from '../model/run.ts';
import type { HistoryArrays } from '../schemas/history-binary.ts';

const MAX_NON_FINITE_STEPS = 100;

export type HistoryColumns = Pick<
  HistoryArrays,
  | 'bucketed'
  | 'points'
  | 'steps'
  | 'loss'
  | 'gradNorm'
  | 'trainAccuracy'
  | 'testAccuracy'
  | 'values'
  | 'nonFiniteSteps'
>;

/** The run-wide series before the layers': loss, ‖∇θ‖, train and test accuracy. */
const RUN_SERIES = 4;

/**
 * Builds the chart columns of `total` recorded steps, `add`ed one at a time in step order. With total ≤ points every
 * step is a point; otherwise buckets of ⌈total / ⌊points/2⌋⌉ consecutive steps give two points each (one for a
 * bucket of one step): first at the bucket's first step, second at its last, carrying each series' min and max
 * in the order they occurred. The columns are typed arrays sized once (NaN for null, as the binary answer has
 * them), and each series' running extremes live in four flat arrays: a 50-layer row costs no allocation.
 */
export class HistoryBuilder {
  private readonly bucketSize: number;
  private readonly fieldIdx: Int32Array;
  /** Points the columns have room for. */
  private readonly capacity: number;
  /** Per series (loss, gradNorm, train acc, test acc, then layer × field): the current bucket's extremes. */
  private readonly min: Float64Array;
  private readonly max: Float64Array;
  /** The row within the bucket where each extreme fell; −1 while the bucket holds no finite value. */
  private readonly minAt: Int32Array;
  private readonly maxAt: Int32Array;
  /** Loss, gradNorm, train and test accuracy, one column of `capacity` after another. */
  private readonly run: Float64Array;
  private readonly steps: Float64Array;
  /** Series (layer × F + field) × capacity + point. */
  private readonly values: Float32Array;
  private readonly nonFiniteSteps: number[] = [];
  private points = 0;
  private added = 0;
  private inBucket = 0;
  private bucketFirst = -1;
  private bucketLast = -1;

  constructor(
    private readonly total: number,
    points: number,
    private readonly layerCount: number,
    fields: readonly LayerField[],
  ) {
    this.bucketSize = total <= points ? 1 : Math.ceil(total / Math.floor(points / 2));
    this.capacity = this.bucketSize === 1 ? total : 2 * Math.ceil(total / this.bucketSize);
    this.fieldIdx = Int32Array.from(fields, (f) => FIELD[f]);
    const series = RUN_SERIES + layerCount * fields.length;
    this.min = new Float64Array(series);
    this.max = new Float64Array(series);
    this.minAt = new Int32Array(series);
    this.maxAt = new Int32Array(series);
    this.resetExtremes();
    this.run = new Float64Array(RUN_SERIES * this.capacity);
    this.steps = new Float64Array(this.capacity);
    this.values = new Float32Array(layerCount * fields.length * this.capacity);
  }

  add(row: StepRow): void {
    if (this.added++ === this.total)
      throw new RangeError(`HistoryBuilder: more than the ${this.total} rows announced`);
    const at = this.inBucket;
    if (at === 0) this.bucketFirst = row.step;
    this.bucketLast = row.step;
    this.note(0, row.loss, at);
    this.note(1, row.gradNorm, at);
    this.note(2, row.trainAccuracy, at);
    this.note(3, row.testAccuracy, at);
    const F = this.fieldIdx.length;
    const layers = row.layers;
    let blownUp = !Number.isFinite(row.loss) || !Number.isFinite(row.gradNorm);
    for (let l = 0; l < this.layerCount; l++) {
      const base = l * FIELD_COUNT;
      // ‖dW‖ overflows (finite entries whose squares sum past 1.8e308) before any entry does.
      if (layers[base + FIELD.gradNonFinite] > 0 || !Number.isFinite(layers[base + FIELD.gradNorm])) {
        blownUp = true;
      }
      const s = RUN_SERIES + l * F;
      for (let f = 0; f < F; f++) this.note(s + f, layers[base + this.fieldIdx[f]], at);
    }
    if (blownUp && this.nonFiniteSteps.length < MAX_NON_FINITE_STEPS) this.nonFiniteSteps.push(row.step);
    if (++this.inBucket === this.bucketSize) this.flush();
  }

  /** The columns, once every row has been added. */
  finish(): HistoryColumns {
    this.flush();
    const P = this.points;
    const C = this.capacity;
    const column = (c: number) => this.run.slice(c * C, c * C + P);
    let values = this.values;
    if (P < C) {
      // Fewer rows came than announced: close the gaps between the series.
      const layerSeries = this.min.length - RUN_SERIES;
      values = new Float32Array(layerSeries * P);
      for (let s = 0; s < layerSeries; s++) values.set(this.values.subarray(s * C, s * C + P), s * P);
    }
    return {
      bucketed: this.bucketSize > 1,
      points: P,
      steps: this.steps.slice(0, P),
      loss: column(0),
      gradNorm: column(1),
      trainAccuracy: column(2),
      testAccuracy: column(3),
      values,
      nonFiniteSteps: this.nonFiniteSteps,
    };
  }

  /** Series s takes value x (null and non-finite values are left out) from the bucket's row `at`. */
  private note(s: number, x: number | null, at: number): void {
    if (x === null || !Number.isFinite(x)) return;
    if (this.minAt[s] < 0 || x < this.min[s]) {
      this.min[s] = x;
      this.minAt[s] = at;
    }
    if (this.maxAt[s] < 0 || x > this.max[s]) {
      this.max[s] = x;
      this.maxAt[s] = at;
    }
  }

  private resetExtremes(): void {
    this.minAt.fill(-1);
    this.maxAt.fill(-1);
  }

  private flush(): void {
    if (this.inBucket === 0) return;
    const two = this.inBucket > 1;
    const p = this.points;
    const C = this.capacity;
    this.steps[p] = this.bucketFirst;
    if (two) this.steps[p + 1] = this.bucketLast;
    const { min, max, minAt, maxAt } = this;
    for (let s = 0; s < min.length; s++) {
      // The two extremes in the order they came; a bucket of one step: min = max = its value.
      let first = Number.NaN;
      let second = Number.NaN;
      if (minAt[s] >= 0) {
        const minFirst = minAt[s] <= maxAt[s];
        first = minFirst ? min[s] : max[s];
        second = minFirst ? max[s] : min[s];
      }
      const column = s < RUN_SERIES ? this.run : this.values;
      const at = (s < RUN_SERIES ? s : s - RUN_SERIES) * C + p;
      column[at] = first;
      if (two) column[at + 1] = second;
    }
    this.points += two ? 2 : 1;
    this.inBucket = 0;
    this.resetExtremes();
  }
}

/**
 * The shortest decimal that reads back as the same float32 (layer statistics are stored as float32): JSON of
 * a 50-layer history is about half as long as with the float64 expansion (0.0012345678 vs 0.001234567816…).
 */
export function shortFloat32(x: number | null): number | null {
  if (x === null || x === 0) return x;
  for (let digits = 6; digits < 9; digits++) {
    const y = Number(x.toPrecision(digits));
    if (Math.fround(y) === x) return y;
  }
  return Number(x.toPrecision(9));
}

/** A map that keeps its `capacity` most recently used entries. */
export class LruCache<K, V> {
  private readonly map = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as K);
  }
}
