// What the run page keeps of a run: the server's downsampled history, then the stream's steps, as decimated chart
// columns; the newest full step; the newest histograms; the steps that blew up. No DOM here: the page redraws from
// it once per animation frame.

import { DecimatedColumns, positive } from './series.ts';
import type { HelloMessage, HistoryArrays, LayerField, StepMessage } from './types.ts';

const MAX_POINTS = 2000;

export class RunData {
  readonly layerCount: number;
  /** Columns: loss, ‖∇θ‖, then per layer ‖dW‖ (positive or null, for log axes), then per layer gradRms. */
  readonly main: DecimatedColumns;
  /** Columns: train accuracy, test accuracy (only steps that evaluated them). */
  readonly accuracy = new DecimatedColumns(2, MAX_POINTS);
  latest: StepMessage | null = null;
  latestHistograms: { step: number; histograms: NonNullable<StepMessage['histograms']> } | null = null;
  lastAccuracy: { train: number | null; test: number | null } = { train: null, test: null };
  /** Recorded steps whose loss, ‖∇θ‖ or a layer's gradient was NaN/±Infinity (the charts mark them). */
  readonly nonFiniteSteps: number[] = [];
  /** Bumped by every change to the columns: a redraw leaves the charts alone when it has not moved. */
  version = 0;
  /** The history's last step: the stream starts there (its full message becomes `latest`). */
  private historyLast = -1;
  /** Steps the history stood for, and the points it sent for them. */
  private historySteps = 0;
  private historyPoints = 0;
  private readonly column: Record<LayerField, number>;
  private readonly row: (number | null)[];

  constructor(readonly hello: HelloMessage) {
    this.layerCount = hello.layers.length;
    this.column = Object.fromEntries(hello.fields.map((f, i) => [f, i])) as Record<LayerField, number>;
    this.main = new DecimatedColumns(2 + 2 * this.layerCount, MAX_POINTS);
    this.row = new Array(this.main.columns.length).fill(null);
  }

  /** Recorded steps covered so far (history and live), kept or thinned. */
  get received(): number {
    return this.historySteps + this.main.received - this.historyPoints;
  }

  get lastStep(): number {
    return Math.max(this.latest?.step ?? -1, this.historyLast);
  }

  /**
   * Starts from the server's downsampled history (fields gradNorm, gradRms; NaN for null): its points go into the
   * columns as they are (min/max pairs of buckets), before any streamed step.
   */
  loadHistory(hist: HistoryArrays): void {
    const L = this.layerCount;
    const P = hist.points;
    const F = hist.fields.length;
    const norm = hist.fields.indexOf('gradNorm');
    const rms = hist.fields.indexOf('gradRms');
    const at = (l: number, f: number, p: number) =>
      f < 0 || l >= hist.layerCount ? null : orNull(hist.values[(l * F + f) * P + p]);
    for (let p = 0; p < P; p++) {
      this.row[0] = positive(orNull(hist.loss[p]));
      this.row[1] = positive(orNull(hist.gradNorm[p]));
      for (let l = 0; l < L; l++) {
        this.row[2 + l] = positive(at(l, norm, p));
        this.row[2 + L + l] = at(l, rms, p);
      }
      this.main.push(hist.steps[p], this.row);
      const train = orNull(hist.trainAccuracy[p]);
      const test = orNull(hist.testAccuracy[p]);
      if (train !== null || test !== null) {
        this.accuracy.push(hist.steps[p], [train, test]);
        this.lastAccuracy = { train, test };
      }
    }
    this.nonFiniteSteps.push(...hist.nonFiniteSteps);
    this.version++;
    this.historyPoints = P;
    this.historySteps = hist.totalSteps;
    this.historyLast = hist.lastStep ?? -1;
  }

  /** Adds a step; false for a step already seen (a reconnect overlapping what arrived). */
  push(m: StepMessage): boolean {
    if (m.step < this.lastStep) return false;
    if (m.step === this.lastStep) {
      // The stream repeats the history's last step in full: it is the newest step, already in the columns.
      if (this.latest?.step === m.step) return false;
      this.adopt(m);
      return true;
    }
    if (this.blewUp(m)) this.nonFiniteSteps.push(m.step);
    const L = this.layerCount;
    const norm = this.column.gradNorm;
    const rms = this.column.gradRms;
    this.row[0] = positive(m.loss);
    this.row[1] = positive(m.gradNorm);
    for (let l = 0; l < L; l++) {
      this.row[2 + l] = positive(m.layers[l]?.[norm]);
      this.row[2 + L + l] = m.layers[l]?.[rms] ?? null;
    }
    this.main.push(m.step, this.row);
    if (m.trainAccuracy !== null || m.testAccuracy !== null) {
      this.accuracy.push(m.step, [m.trainAccuracy, m.testAccuracy]);
    }
    this.version++;
    this.adopt(m);
    return true;
  }

  /** Makes `m` the newest full step. */
  private adopt(m: StepMessage): void {
    if (m.trainAccuracy !== null || m.testAccuracy !== null) {
      this.lastAccuracy = { train: m.trainAccuracy, test: m.testAccuracy };
    }
    if (m.histograms) this.latestHistograms = { step: m.step, histograms: m.histograms };
    this.latest = m;
  }

  /** The stream sends NaN/±Infinity as null: a null loss or ‖∇θ‖, or a layer that blew up, is a blow-up. */
  private blewUp(m: StepMessage): boolean {
    return m.loss === null || m.gradNorm === null || m.layers.some((row) => this.layerBlewUp(row));
  }

  /** A layer's gradient held NaN/±Infinity, or its ‖dW‖ overflowed (null: ‖dW‖ is never "not applicable"). */
  private layerBlewUp(row: (number | null)[] | undefined): boolean {
    if (!row) return false;
    return (row[this.column.gradNonFinite] ?? 0) > 0 || row[this.column.gradNorm] === null;
  }

  lossColumns(): [number[], (number | null)[]] {
    return [this.main.x, this.main.columns[0]];
  }

  /** x, then ‖dW‖ of every layer, then the global ‖∇θ‖. */
  layerNormColumns(): [number[], ...(number | null)[][]] {
    const L = this.layerCount;
    return [this.main.x, ...this.main.columns.slice(2, 2 + L), this.main.columns[1]];
  }

  /** Gradient RMS per layer over the kept steps: rows[layer][point]. */
  rmsRows(): (number | null)[][] {
    const L = this.layerCount;
    return this.main.columns.slice(2 + L, 2 + 2 * L);
  }

  /** One statistic of every layer at the newest step, or at `at` (a step the user picked). */
  latestField(field: LayerField, at: StepLayers | null = null): (number | null)[] {
    const i = this.column[field];
    const layers = at?.layers ?? this.latest?.layers;
    return Array.from({ length: this.layerCount }, (_, l) => layers?.[l]?.[i] ?? null);
  }

  /** Whether each layer's gradient held NaN/±Infinity at the newest step (or at `at`). */
  nonFiniteLayers(at: StepLayers | null = null): boolean[] {
    const layers = at?.layers ?? this.latest?.layers;
    return Array.from({ length: this.layerCount }, (_, l) => this.layerBlewUp(layers?.[l]));
  }
}

/** One recorded step's layer statistics, rows in the hello's field order (a picked step, not the newest). */
export interface StepLayers {
  step: number;
  layers: (number | null)[][];
}

/** The binary history's NaN is JSON's null. */
function orNull(x: number): number | null {
  return Number.isNaN(x) ? null : x;
}
