// Metrics exports: the columns and text lines of a CSV or NDJSON download, long or wide, written page by page.
//
// Long: one row per (step, layer): step, loss, globalGradNorm, trainAccuracy, testAccuracy, layer, <fields>.
// Wide: one row per step: the same scalars, then layer<L>_<field> for every selected layer × field.
// Every column name is unique (the run-wide gradient norm is globalGradNorm, the per-layer one gradNorm).
import { FIELD_COUNT, LAYER_FIELDS, type LayerField } from '../core/index.ts';
import type { StepRow } from '../model/run.ts';
import type { ExportFormat, ExportLayout } from '../schemas/runs.ts';

/** What an export holds: these layers and fields, in this shape. */
export interface ExportShape {
  layers: number[];
  fields: LayerField[];
  layout: ExportLayout;
}

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8; header=present',
  ndjson: 'application/x-ndjson; charset=utf-8',
};

const SCALAR_COLUMNS = ['step', 'loss', 'globalGradNorm', 'trainAccuracy', 'testAccuracy'] as const;

/** The column names, in order. */
export function exportColumns(s: ExportShape): string[] {
  return s.layout === 'long'
    ? [...SCALAR_COLUMNS, 'layer', ...s.fields]
    : [...SCALAR_COLUMNS, ...s.layers.flatMap((l) => s.fields.map((f) => `layer${l}_${f}`))];
}

/**
 * Writes an export: `head()` once (the CSV header line; nothing for NDJSON), then `step(row)` per
 * recorded step (its line, or one line per layer). Cells: finite numbers in JavaScript's shortest
 * round-trip form (the float32 statistics as the exact doubles they are); CSV leaves a missing value
 * (not applicable, not evaluated, NaN) empty and spells ±Infinity `inf`/`-inf` (what Python's float()
 * and pandas read); NDJSON writes null for every non-finite value (JSON has no NaN or Infinity).
 */
export function exportWriter(format: ExportFormat, s: ExportShape) {
  const columns = exportColumns(s);
  const fieldIdx = s.fields.map((f) => LAYER_FIELDS.indexOf(f));
  const cell = format === 'csv' ? csvCell : jsonCell;
  const keys = columns.map((c) => `${JSON.stringify(c)}:`);
  const line =
    format === 'csv'
      ? (cells: string[]) => `${cells.join(',')}\n`
      : (cells: string[]) => `{${cells.map((c, i) => keys[i] + c).join(',')}}\n`;
  const layerCells = (r: StepRow, l: number) => fieldIdx.map((f) => cell(r.layers[l * FIELD_COUNT + f]));
  return {
    head: (): string => (format === 'csv' ? line(columns) : ''),
    step(r: StepRow): string {
      const scalars = [
        String(r.step),
        cell(r.loss),
        cell(r.gradNorm),
        cell(r.trainAccuracy),
        cell(r.testAccuracy),
      ];
      if (s.layout === 'wide') return line([...scalars, ...s.layers.flatMap((l) => layerCells(r, l))]);
      let out = '';
      for (const l of s.layers) out += line([...scalars, String(l), ...layerCells(r, l)]);
      return out;
    },
  };
}

function csvCell(x: number | null): string {
  if (x === null || Number.isNaN(x)) return '';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return String(x);
}

function jsonCell(x: number | null): string {
  return x === null || !Number.isFinite(x) ? 'null' : String(x);
}

/** The export as text chunks (one per recorded step), from pages of rows read one after another. */
export async function* exportChunks(
  format: ExportFormat,
  shape: ExportShape,
  pages: AsyncIterable<StepRow[]>,
): AsyncGenerator<string> {
  const w = exportWriter(format, shape);
  const head = w.head();
  if (head) yield head;
  for await (const page of pages) for (const r of page) yield w.step(r);
}
