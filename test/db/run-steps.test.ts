// Per-step statistics and weights: bit-exact round trips, duplicates ignored, chunked bulk inserts.
import { expect, it } from 'vitest';
import { insertSteps, readStepPages, readSteps, setLastStep, stepSpan } from '../../src/db/run-steps.ts';
import { readWeights, saveWeights } from '../../src/db/run-weights.ts';
import { getRun } from '../../src/db/runs-repository.ts';
import type { StepRow } from '../../src/model/run.ts';
import { describeEachDatabase, queuedRun } from './harness.ts';

const LAYERS = 3;
const FIELDS = 8;
const BINS = 6;

/** Deterministic awkward floats: specials, subnormals, extremes, and pseudo-random bit patterns. */
function float32s(n: number, seed: number): Float32Array {
  const specials = [0, -0, Number.NaN, Infinity, -Infinity, 1.4e-45, -1.17549435e-38, 3.4028235e38, 1 / 3];
  const out = new Float32Array(n);
  const bits = new Uint32Array(out.buffer);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    if (i % 7 === 0) out[i] = specials[(s >>> 0) % specials.length];
    else bits[i] = s >>> 0; // any pattern, NaN payloads included
  }
  return out;
}

function row(step: number, over: Partial<StepRow> = {}): StepRow {
  return {
    step,
    loss: Math.sin(step) * 10 ** ((step % 40) - 20),
    gradNorm: 1 / (step + 3),
    trainAccuracy: step % 3 === 0 ? null : (step % 100) / 100,
    testAccuracy: step % 2 === 0 ? null : 0.5,
    layers: float32s(LAYERS * FIELDS, step + 1),
    histograms: step % 4 === 0 ? null : float32s(LAYERS * (BINS + 2), step + 7),
    ...over,
  };
}

/** Exact comparison: Float32 by bit pattern (NaN payloads too), float64 scalars with Object.is. */
function expectSameRows(actual: StepRow[], expected: StepRow[]): void {
  expect(actual.map((r) => r.step)).toEqual(expected.map((r) => r.step));
  const bits = (a: Float32Array | null) =>
    a ? Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length)) : null;
  for (const [i, a] of actual.entries()) {
    const e = expected[i];
    for (const k of ['loss', 'gradNorm', 'trainAccuracy', 'testAccuracy'] as const) {
      if (!Object.is(a[k], e[k])) throw new Error(`step ${e.step} ${k}: got ${a[k]}, expected ${e[k]}`);
    }
    expect(a.layers).toBeInstanceOf(Float32Array);
    if (a.layers.byteOffset !== 0 || a.layers.buffer.byteLength !== a.layers.byteLength) {
      throw new Error('layers should own their buffer (transferable)');
    }
    expect(bits(a.layers)).toEqual(bits(e.layers));
    expect(bits(a.histograms)).toEqual(bits(e.histograms));
  }
}

describeEachDatabase('run steps and weights', (ctx) => {
  it('round-trips rows bit-exactly, NaN, ±Infinity, -0 and subnormals included', async () => {
    const { db } = ctx();
    const id = await queuedRun(db);
    const rows = [
      row(0, { loss: Number.NaN, gradNorm: Infinity }),
      row(1, { loss: -0, gradNorm: -Infinity, trainAccuracy: 5e-324 }),
      row(2, { loss: 0.1 + 0.2, gradNorm: Number.MAX_VALUE, testAccuracy: -0 }),
      ...Array.from({ length: 20 }, (_, i) => row(i + 3)),
    ];
    expect(await insertSteps(db.pool, id, rows)).toBe(rows.length);
    expectSameRows(await readSteps(db.prisma, id), rows);
    expect((await getRun(db.prisma, id))?.lastStep).toBe(22);
  });

  it('ignores steps already stored (a recovered run re-sends them) and keeps last_step monotonic', async () => {
    const { db } = ctx();
    const id = await queuedRun(db);
    const first = [row(0), row(1), row(2)];
    await insertSteps(db.pool, id, first);
    // The re-run sends 1..4; 1 and 2 differ (a changed value must not overwrite the stored one).
    const rerun = [row(1, { loss: 99 }), row(2, { loss: 99 }), row(3), row(4)];
    expect(await insertSteps(db.pool, id, rerun)).toBe(2);
    expectSameRows(await readSteps(db.prisma, id), [...first, row(3), row(4)]);
    expect((await getRun(db.prisma, id))?.lastStep).toBe(4);
    expect(await insertSteps(db.pool, id, [row(1)])).toBe(0);
    expect((await getRun(db.prisma, id))?.lastStep).toBe(4);
    expect(await insertSteps(db.pool, id, [])).toBe(0);
    await setLastStep(db.prisma, id, 2);
    expect((await getRun(db.prisma, id))?.lastStep).toBe(2);
  });

  it('stores 40,500 rows in chunked statements and reads ranges and pages', async () => {
    const { db } = ctx();
    const id = await queuedRun(db);
    const n = 40_500;
    const rows = Array.from({ length: n }, (_, i) => row(i * 2)); // every other step recorded
    const t0 = performance.now();
    expect(await insertSteps(db.pool, id, rows)).toBe(n);
    const insertMs = performance.now() - t0;
    const t1 = performance.now();
    const back = await readSteps(db.prisma, id);
    const readMs = performance.now() - t1;
    console.info(
      `[${ctx().kind}] ${n} steps: insert ${insertMs.toFixed(0)} ms, read ${readMs.toFixed(0)} ms`,
    );
    expectSameRows(back, rows);
    expect(await stepSpan(db.prisma, id)).toEqual({ count: n, lastStep: (n - 1) * 2 });
    expect(await stepSpan(db.prisma, id, 100, 199)).toEqual({ count: 50, lastStep: 198 });
    expect(await stepSpan(db.prisma, id, 100_000)).toEqual({ count: 0, lastStep: null });
    expectSameRows(await readSteps(db.prisma, id, { fromStep: 99, toStep: 110 }), rows.slice(50, 56));
    expectSameRows(await readSteps(db.prisma, id, { fromStep: 1000, limit: 3 }), rows.slice(500, 503));
    // Without the histograms: the same rows, histograms null.
    expectSameRows(
      await readSteps(db.prisma, id, { fromStep: 99, toStep: 110, histograms: false }),
      rows.slice(50, 56).map((r) => ({ ...r, histograms: null })),
    );
    expect((await getRun(db.prisma, id))?.lastStep).toBe((n - 1) * 2);
  });

  it('reads in pages, thinned by position with a stride, always keeping the last row of the range', async () => {
    const { db } = ctx();
    const id = await queuedRun(db);
    const rows = Array.from({ length: 23 }, (_, i) => row(i * 5));
    await insertSteps(db.pool, id, rows);
    const pages = async (q: Parameters<typeof readStepPages>[2]) => {
      const out: StepRow[][] = [];
      for await (const page of readStepPages(db.prisma, id, q)) out.push(page);
      return out;
    };
    const steps = async (q: Parameters<typeof readStepPages>[2]) =>
      (await pages(q)).flat().map((r) => r.step);
    for (const pageRows of [1, 2, 3, 1000]) {
      expect(await steps({ lastStep: 110, stride: 10, pageRows })).toEqual([0, 50, 100, 110]);
      expect(await steps({ fromStep: 12, lastStep: 60, stride: 4, pageRows })).toEqual([15, 35, 55, 60]);
      expect(await steps({ lastStep: 110, stride: 100, pageRows })).toEqual([0, 110]);
      expect(await steps({ fromStep: 7, lastStep: 110, pageRows })).toEqual(rows.slice(2).map((r) => r.step));
    }
    expect((await pages({ lastStep: 110, pageRows: 10 })).map((p) => p.length)).toEqual([10, 10, 3]);
    expect((await pages({ lastStep: 110, stride: 2, pageRows: 5 })).map((p) => p.length)).toEqual([5, 5, 2]);
    expectSameRows((await pages({ lastStep: 110, stride: 11, pageRows: 2 })).flat(), [
      rows[0],
      rows[11],
      rows[22],
    ]);
    // Steps recorded after the range's last (a live run) stay out.
    await insertSteps(db.pool, id, [row(111), row(200)]);
    expect(await steps({ fromStep: 100, lastStep: 110, pageRows: 1 })).toEqual([100, 105, 110]);
    await expect(pages({ lastStep: 1, stride: 0, pageRows: 1 })).rejects.toThrow(
      'stride must be an integer ≥ 1',
    );
  });

  it('returns nothing for a run without steps, and refuses steps for a run that does not exist', async () => {
    const { db } = ctx();
    const id = await queuedRun(db);
    expect(await readSteps(db.prisma, id)).toEqual([]);
    await expect(insertSteps(db.pool, '00000000-0000-4000-8000-000000000000', [row(0)])).rejects.toThrow();
  });

  it('round-trips weights bit-exactly and replaces them on a re-run', async () => {
    const { db } = ctx();
    const id = await queuedRun(db);
    expect(await readWeights(db.prisma, id)).toEqual({});
    const initial = new Float64Array(10_001);
    const bits = new BigUint64Array(initial.buffer);
    for (let i = 0; i < bits.length; i++) bits[i] = BigInt.asUintN(64, BigInt(i) * 0x9e3779b97f4a7c15n);
    initial.set([0, -0, Number.NaN, Infinity, -Infinity, 5e-324, Number.MAX_VALUE], 0);
    // A view into a larger buffer at an odd offset: only the view's bytes are stored.
    const backing = new Float64Array(8);
    backing.set([9, 1.5, -2.25, 9]);
    const final = backing.subarray(1, 3);
    await saveWeights(db.prisma, id, 'initial', initial);
    await saveWeights(db.prisma, id, 'final', new Float64Array([7]));
    await saveWeights(db.prisma, id, 'final', final);
    const back = await readWeights(db.prisma, id);
    expect(Array.from(new BigUint64Array(back.initial!.buffer))).toEqual(Array.from(bits));
    expect(back.final).toEqual(new Float64Array([1.5, -2.25]));
    expect(back.final!.buffer.byteLength).toBe(16);
  });
});
