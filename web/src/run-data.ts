// What the run page keeps of a run's stream: decimated chart columns, the newest full step, the newest
// histograms. No DOM here: the page redraws from it once per animation frame.

import { DecimatedColumns, positive } from './series.ts';
import type { HelloMessage, LayerField, StepMessage } from './types.ts';

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
  private readonly column: Record<LayerField, number>;
  private readonly row: (number | null)[];

  constructor(readonly hello: HelloMessage) {
    this.layerCount = hello.layers.length;
    this.column = Object.fromEntries(hello.fields.map((f, i) => [f, i])) as Record<LayerField, number>;
    this.main = new DecimatedColumns(2 + 2 * this.layerCount, MAX_POINTS);
    this.row = new Array(this.main.columns.length).fill(null);
  }

  /** Steps received (history and live), kept or thinned. */
  get received(): number {
    return this.main.received;
  }

  get lastStep(): number {
    return this.latest?.step ?? -1;
  }

  /** Adds a step; false for a step already seen (a reconnect overlapping what arrived). */
  push(m: StepMessage): boolean {
    if (m.step <= this.lastStep) return false;
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
      this.lastAccuracy = { train: m.trainAccuracy, test: m.testAccuracy };
    }
    if (m.histograms) this.latestHistograms = { step: m.step, histograms: m.histograms };
    this.latest = m;
    return true;
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

  /** One statistic of every layer at the newest step. */
  latestField(field: LayerField): (number | null)[] {
    const i = this.column[field];
    return Array.from({ length: this.layerCount }, (_, l) => this.latest?.layers[l]?.[i] ?? null);
  }
}
