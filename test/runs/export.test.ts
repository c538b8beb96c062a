// The export writer: unique column names in both layouts, and how missing and non-finite values are spelled,
// read back by Python's csv and json modules.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIELD, FIELD_COUNT } from '../../src/core/stats.ts';
import type { StepRow } from '../../src/model/run.ts';
import { exportColumns, exportWriter } from '../../src/runs/export.ts';

const LOADER = join(import.meta.dirname, '../helpers/load-export.py');
const dir = mkdtempSync(join(tmpdir(), 'gradscope-export-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A diverging step of a 2-layer run: loss +Infinity, gradient norm NaN, layer 1's gradNorm -Infinity. */
function divergedRow(): StepRow {
  const layers = new Float32Array(2 * FIELD_COUNT).fill(0.25);
  layers[FIELD_COUNT + FIELD.gradNorm] = -Infinity;
  layers[FIELD.deadFrac] = Number.NaN; // not applicable
  return {
    step: 7,
    loss: Infinity,
    gradNorm: Number.NaN,
    trainAccuracy: null,
    testAccuracy: 0.5,
    layers,
    histograms: null,
  };
}

function load(kind: 'csv' | 'ndjson', text: string) {
  const file = join(dir, `${kind}-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, text);
  return JSON.parse(String(execFileSync('python3', [LOADER, kind, file, '7'])));
}

describe('export writer', () => {
  const shape = { layers: [0, 1], fields: ['gradNorm', 'deadFrac'] as const };

  it('names every column once, long and wide', () => {
    const long = exportColumns({ ...shape, fields: [...shape.fields], layout: 'long' });
    const wide = exportColumns({ ...shape, fields: [...shape.fields], layout: 'wide' });
    expect(long).toEqual([
      'step',
      'loss',
      'globalGradNorm',
      'trainAccuracy',
      'testAccuracy',
      'layer',
      'gradNorm',
      'deadFrac',
    ]);
    expect(wide.slice(5)).toEqual([
      'layer0_gradNorm',
      'layer0_deadFrac',
      'layer1_gradNorm',
      'layer1_deadFrac',
    ]);
    for (const c of [long, wide]) expect(new Set(c).size).toBe(c.length);
  });

  it('CSV: missing and NaN empty, ±Infinity as inf/-inf, as Python reads them', () => {
    const w = exportWriter('csv', { ...shape, fields: [...shape.fields], layout: 'long' });
    const text = w.head() + w.step(divergedRow());
    expect(text.split('\n')[1]).toBe('7,inf,,,0.5,0,0.25,');
    const py = load('csv', text);
    expect(py.picked).toEqual([
      {
        step: 7,
        loss: 'inf',
        globalGradNorm: null,
        trainAccuracy: null,
        testAccuracy: 0.5,
        layer: 0,
        gradNorm: 0.25,
        deadFrac: null,
      },
      {
        step: 7,
        loss: 'inf',
        globalGradNorm: null,
        trainAccuracy: null,
        testAccuracy: 0.5,
        layer: 1,
        gradNorm: '-inf',
        deadFrac: 0.25,
      },
    ]);
  });

  it('NDJSON: strict JSON, null for every non-finite value', () => {
    const w = exportWriter('ndjson', { ...shape, fields: [...shape.fields], layout: 'wide' });
    expect(w.head()).toBe('');
    const py = load('ndjson', w.step(divergedRow()));
    expect(py.picked).toEqual([
      {
        step: 7,
        loss: null,
        globalGradNorm: null,
        trainAccuracy: null,
        testAccuracy: 0.5,
        layer0_gradNorm: 0.25,
        layer0_deadFrac: null,
        layer1_gradNorm: null,
        layer1_deadFrac: 0.25,
      },
    ]);
  });
});
