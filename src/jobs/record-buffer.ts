// Packs StepRecords into RecordBatch buffers on the worker side, flushing by count or by age.
import type { StepRecord } from '../core/index.ts';
import { FIELD_COUNT } from '../core/index.ts';
import type { RecordBatch } from './messages.ts';

export class RecordBuffer {
  private records: StepRecord[] = [];

  constructor(
    private readonly runId: string,
    private readonly layerCount: number,
    private readonly histogramBins: number,
  ) {}

  get size(): number {
    return this.records.length;
  }

  push(record: StepRecord): void {
    this.records.push(record);
  }

  /** Packs and clears the buffer; returns the batch and the buffers to transfer. */
  drain(): { batch: RecordBatch; transfer: ArrayBuffer[] } | null {
    const k = this.records.length;
    if (k === 0) return null;
    const L = this.layerCount;
    const stride = L * FIELD_COUNT;
    const hStride = L * (this.histogramBins + 2);
    const steps = new Float64Array(k);
    const scalars = new Float64Array(k * 4);
    const layers = new Float64Array(k * stride);
    const anyHistograms = this.records.some((r) => r.histograms !== null);
    const histograms = anyHistograms ? new Float64Array(k * hStride).fill(Number.NaN) : null;
    this.records.forEach((r, i) => {
      steps[i] = r.step;
      scalars[i * 4] = r.loss;
      scalars[i * 4 + 1] = r.gradNorm;
      scalars[i * 4 + 2] = r.trainAccuracy ?? Number.NaN;
      scalars[i * 4 + 3] = r.testAccuracy ?? Number.NaN;
      layers.set(r.layers, i * stride);
      if (histograms && r.histograms) histograms.set(r.histograms, i * hStride);
    });
    this.records = [];
    const batch: RecordBatch = {
      type: 'records',
      runId: this.runId,
      layerCount: L,
      fieldCount: FIELD_COUNT,
      histogramBins: this.histogramBins,
      steps,
      scalars,
      layers,
      histograms,
    };
    const transfer = [steps.buffer, scalars.buffer, layers.buffer];
    if (histograms) transfer.push(histograms.buffer);
    return { batch, transfer: transfer as ArrayBuffer[] };
  }
}
