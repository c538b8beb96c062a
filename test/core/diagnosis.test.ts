// The diagnosis rule on synthetic per-layer profiles: the robust fit, the grades, zeros, non-finite values, phases.
import { describe, expect, it } from 'vitest';
import { diagnose, runDiagnosis } from '../../src/core/diagnosis.ts';
import { FIELD, FIELD_COUNT } from '../../src/core/stats.ts';
import { grade, signalTrend, theilSenSlope } from '../../src/core/trend.ts';
import { expectMessageMatchesTrends } from '../helpers/diagnosis.ts';

/** Layer statistics with the given pre-activation stds and ∂loss/∂Z RMS per layer (output layer last). */
function stats(forward: number[], backward: number[]): Float64Array {
  const out = new Float64Array(forward.length * FIELD_COUNT);
  forward.forEach((f, l) => {
    out[l * FIELD_COUNT + FIELD.preactStd] = f;
    out[l * FIELD_COUNT + FIELD.deltaRms] = backward[l];
  });
  return out;
}
const geometric = (n: number, first: number, factor: number) =>
  Array.from({ length: n }, (_, i) => first * factor ** i);
const flat = (n: number) => Array.from({ length: n }, () => 1);

describe('theilSenSlope', () => {
  it('is exact on a line and ignores one wild point', () => {
    expect(theilSenSlope(Float64Array.from([3, 2.5, 2, 1.5, 1]))).toBe(-0.5);
    expect(theilSenSlope(Float64Array.from([3, 2.5, 9, 1.5, 1, 0.5]))).toBe(-0.5);
  });
});

describe('grade', () => {
  it.each([
    [0.49, 0.49, 2, 'healthy'],
    [-0.49, -0.01, 50, 'healthy'],
    [0.5, 0.01, 50, 'mild_exploding'],
    [-0.99, -0.1, 10, 'mild_vanishing'],
    [-1, -0.02, 50, 'vanishing'],
    [0.6, 0.2, 4, 'exploding'],
    [-0.6, -0.6, 2, 'mild_vanishing'],
  ] as const)('%f decades at %f per layer over %i layers → %s', (decades, perLayer, layers, verdict) => {
    expect(grade(decades, perLayer, layers)).toBe(verdict);
  });
});

describe('signalTrend', () => {
  it('fits the hidden layers only: a jump at the output layer is reported, not counted', () => {
    const t = signalTrend('backward', [...flat(5), 10]);
    expect(t).toMatchObject({ from: 5, to: 1, decades: 0, verdict: 'healthy' });
    expect(t.outputDecades).toBeCloseTo(-1, 12);
  });

  it('travels backward from layer L−1 to 1: a gradient that shrinks towards layer 1 vanishes', () => {
    const t = signalTrend('backward', [...geometric(9, 1, 2), 0.5]);
    expect(t.decadesPerLayer).toBeCloseTo(-Math.log10(2), 12);
    expect(t.verdict).toBe('vanishing');
    expect(t.steepest!.from - t.steepest!.to).toBe(1);
  });

  it('a signal that becomes exactly zero after layer 3 vanished there', () => {
    const t = signalTrend('forward', [1, 0.9, 0.8, 0, 0, 1]);
    expect(t).toMatchObject({ diesAt: 4, ratio: 0, decades: -Infinity, verdict: 'vanishing' });
  });

  it('exactly zero everywhere: no signal', () => {
    expect(signalTrend('backward', [0, 0, 0, 0.3]).verdict).toBe('no_signal');
  });
});

describe('diagnose', () => {
  it('the worse signal leads the message; both are quoted with their numbers', () => {
    const d = diagnose(stats(flat(8), [...geometric(7, 1, 3), 1]), 8, 0);
    expect(d.verdict).toBe('vanishing');
    expect(d.message).toMatch(/^vanishing — gradient RMS .*: vanishing; pre-activation std .*: healthy$/);
    expectMessageMatchesTrends(d);
  });

  it('a slow steady decay over many layers — the classic vanishing gradient — is flagged', () => {
    // ×0.95 per layer over 49 hidden layers: −1.07 decades, never more than 25% per layer.
    const d = diagnose(stats(flat(50), [...geometric(49, 1, 1 / 0.95), 1]), 50, 0);
    expect(d.verdict).toBe('vanishing');
    expect(d.message).toMatch(/spread over the layers/);
    expectMessageMatchesTrends(d);
  });

  it('non-finite values are exploding, naming the layer', () => {
    const d = diagnose(stats([1, Number.NaN, 1], [1, 1, 1]), 3, 7, 'end');
    expect(d).toMatchObject({ verdict: 'exploding', phase: 'end', forward: null, backward: null });
    expect(d.message).toMatch(/layer 2 at step 7/);
  });
});

describe('runDiagnosis', () => {
  const healthy = diagnose(stats(flat(6), flat(6)), 6, 0);
  const vanishing = diagnose(stats(flat(6), [...geometric(5, 1, 10), 1]), 6, 99, 'end');

  it('takes the worse phase and labels both', () => {
    const r = runDiagnosis(healthy, vanishing)!;
    expect(r.verdict).toBe('vanishing');
    expect(r.message).toBe(
      `At initialization (step 0): ${healthy.message}. At the end of training (step 99): ${vanishing.message}.`,
    );
  });

  it('is exploding when training diverged, and null when nothing was recorded', () => {
    expect(runDiagnosis(healthy, null, 'diverged at step 3')!.verdict).toBe('exploding');
    expect(runDiagnosis(null, null)).toBeNull();
  });
});
