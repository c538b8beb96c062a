// Min/max-preserving downsampling of a run's recorded steps into at most `points` chart points, fed in step
// order; the short float32 decimals the JSON answer sends; the small LRU that keeps finished runs' answers.
import { FIELD, FIELD_COUNT, type LayerField } from '../core/index.ts';
import type { StepRow } from '../model/run.ts';

const MAX_NON_FINITE_STEPS = 100;

/** Running min and max of one series over the current bucket, with where (the row within the bucket) each fell. */
class Extremes {
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  minAt = -1;
  maxAt = -1;

  reset(): void {
    this.min = Number.POSITIVE_INFINITY;
    this.max = Number.NEGATIVE_INFINITY;
    this.minAt = -1;
    this.maxAt = -1;
  }

  add(x: number | null, at: number): void {
    if (x === null || !Number.isFinite(x)) return;
    if (x < this.min) {
      this.min = x;
      this.minAt = at;
    }
    if (x > this.max) {
      this.max = x;
      this.maxAt = at;
    }
  }

  /** The two extremes in the order they came (both null when the bucket held no finite value). */
  ordered(): [number | null, number | null] {
    if (this.minAt < 0) return [null, null];
    return this.minAt <= this.maxAt ? [this.min, this.max] : [this.max, this.min];
  }
}

export interface HistoryColumns {
  bucketed: boolean;
  steps: number[];
  loss: (number | null)[];
  gradNorm: (number | null)[];
  trainAccuracy: (number | null)[];
  testAccuracy: (number | null)[];
  /** values[layer][fieldPos][point]. */
  values: (number | null)[][][];
  nonFiniteSteps: number[];
}

/**
 * Builds the chart columns of `total` recorded steps, `add`ed one at a time in step order. With total ≤ points every
 * step is a point; otherwise buckets of ⌈total / ⌊points/2⌋⌉ consecutive steps give two points each (one for a
 * bucket of one step): first at the bucket's first step, second at its last, carrying each series' min and max
 * in the order they occurred.
 */
export class HistoryBuilder {
  private readonly bucketSize: number;
  private readonly fieldIdx: number[];
  /** Series: loss, gradNorm, train acc, test acc, then layer × field. */
  private readonly extremes: Extremes[];
  private readonly out: HistoryColumns;
  private inBucket = 0;
  private bucketFirst = -1;
  private bucketLast = -1;

  constructor(
    total: number,
    points: number,
    private readonly layerCount: number,
    fields: readonly LayerField[],
  ) {
    this.bucketSize = total <= points ? 1 : Math.ceil(total / Math.floor(points / 2));
    this.fieldIdx = fields.map((f) => FIELD[f]);
    this.extremes = Array.from({ length: 4 + layerCount * fields.length }, () => new Extremes());
    this.out = {
      bucketed: this.bucketSize > 1,
      steps: [],
      loss: [],
      gradNorm: [],
      trainAccuracy: [],
      testAccuracy: [],
      values: Array.from({ length: layerCount }, () => fields.map(() => [])),
      nonFiniteSteps: [],
    };
  }

  add(row: StepRow): void {
    const e = this.extremes;
    const at = this.inBucket;
    if (at === 0) this.bucketFirst = row.step;
    this.bucketLast = row.step;
    e[0].add(row.loss, at);
    e[1].add(row.gradNorm, at);
    e[2].add(row.trainAccuracy, at);
    e[3].add(row.testAccuracy, at);
    const F = this.fieldIdx.length;
    let blownUp = !Number.isFinite(row.loss) || !Number.isFinite(row.gradNorm);
    for (let l = 0; l < this.layerCount; l++) {
      const base = l * FIELD_COUNT;
      // ‖dW‖ overflows (finite entries whose squares sum past 1.8e308) before any entry does.
      if (row.layers[base + FIELD.gradNonFinite] > 0 || !Number.isFinite(row.layers[base + FIELD.gradNorm])) {
        blownUp = true;
      }
      for (let f = 0; f < F; f++) e[4 + l * F + f].add(row.layers[base + this.fieldIdx[f]], at);
    }
    if (blownUp && this.out.nonFiniteSteps.length < MAX_NON_FINITE_STEPS)
      this.out.nonFiniteSteps.push(row.step);
    if (++this.inBucket === this.bucketSize) this.flush();
  }

  /** The columns, once every row has been added. */
  finish(): HistoryColumns {
    this.flush();
    return this.out;
  }

  private flush(): void {
    if (this.inBucket === 0) return;
    const two = this.inBucket > 1;
    const o = this.out;
    o.steps.push(this.bucketFirst);
    if (two) o.steps.push(this.bucketLast);
    const emit = (column: (number | null)[], ex: Extremes) => {
      const [a, b] = ex.ordered();
      // A bucket of one step: min = max = its value.
      column.push(a);
      if (two) column.push(b);
      ex.reset();
    };
    const e = this.extremes;
    emit(o.loss, e[0]);
    emit(o.gradNorm, e[1]);
    emit(o.trainAccuracy, e[2]);
    emit(o.testAccuracy, e[3]);
    const F = this.fieldIdx.length;
    for (let l = 0; l < this.layerCount; l++) {
      for (let f = 0; f < F; f++) emit(o.values[l][f], e[4 + l * F + f]);
    }
    this.inBucket = 0;
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
