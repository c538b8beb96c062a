// The probe's output objectives (0.5·mean(x_L²), mean(x_L ⊙ R)): closed forms, finite differences through the
// whole network, and He et al.'s 1024 × 256 N(0, 1) probe on the normal data source.
import { describe, expect, it } from 'vitest';
import { viewsOf } from '../../src/core/model.ts';
import { createWorkspace, forward } from '../../src/core/network.ts';
import { runProbe } from '../../src/core/probe.ts';
import { objectiveBackward, objectiveValue, projection } from '../../src/core/probe-objectives.ts';
import type { ProbeRunSpec } from '../../src/core/run-spec.ts';
import { prepare } from '../../src/core/setup.ts';
import { FIELD, FIELD_COUNT } from '../../src/core/stats.ts';

describe('probe objectives on x_L', () => {
  const Z = Float64Array.from([1, -2, 0.5, 3, 0, -1]); // (batch 3, out 2)
  const R = Float64Array.from([0.3, -1.2, 2, 0.1, -0.7, 0.9]);

  it('0.5·mean(x²) and mean(x ⊙ R) in closed form', () => {
    expect(objectiveValue('mean_square', Z, R, 3, 2)).toBe((0.5 * (1 + 4 + 0.25 + 9 + 0 + 1)) / 6);
    const dot = 1 * 0.3 + -2 * -1.2 + 0.5 * 2 + 3 * 0.1 + 0 * -0.7 + -1 * 0.9;
    expect(objectiveValue('random_projection', Z, R, 3, 2)).toBeCloseTo(dot / 6, 15);
  });

  it.each(['mean_square', 'random_projection'] as const)(
    '%s: backward matches central differences',
    (kind) => {
      const dZ = new Float64Array(6);
      objectiveBackward(kind, Z, R, dZ, 3, 2);
      const h = 1e-6;
      for (let i = 0; i < 6; i++) {
        const plus = Z.slice();
        const minus = Z.slice();
        plus[i] += h;
        minus[i] -= h;
        const numeric =
          (objectiveValue(kind, plus, R, 3, 2) - objectiveValue(kind, minus, R, 3, 2)) / (2 * h);
        expect(dZ[i]).toBeCloseTo(numeric, 9);
      }
    },
  );

  it('R is N(0, 1), fixed by the seed', () => {
    const a = projection(3, 200, 50);
    expect(projection(3, 200, 50)).toEqual(a);
    expect(projection(4, 200, 50)).not.toEqual(a);
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    const variance = a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length;
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });
});

describe('runProbe with an objective', () => {
  const spec = (objective: ProbeRunSpec['objective']): ProbeRunSpec => ({
    kind: 'probe',
    objective,
    network: {
      inputSize: 3,
      layers: [
        { units: 4, activation: 'tanh' },
        { units: 5, activation: 'relu' },
        { units: 2, activation: 'softmax' },
      ],
      loss: 'categorical_cross_entropy',
    },
    init: { weights: { scheme: 'xavier_normal' }, seed: 7 },
    data: { source: 'normal', n: 6, features: 3, targets: 'labels', classes: 2, seed: 1 },
  });

  it.each(['mean_square', 'random_projection'] as const)(
    '%s: every layer’s ‖dW‖ equals the finite-difference gradient of the objective on x_L = Z_L',
    (objective) => {
      const s = spec(objective);
      const out = runProbe(s);
      expect(out.objective).toBe(objective);
      const { net, theta, train } = prepare(s);
      const batch = out.batch;
      const X = train.x.subarray(0, batch * 3);
      const ws = createWorkspace(net.layout, batch);
      const params = viewsOf(net.layout, theta);
      const R = projection(s.init.seed ?? 0, batch, 2);
      const f = () => {
        forward(net, params, X, batch, ws);
        return objectiveValue(objective, ws.Z[2], R, batch, 2);
      };
      expect(out.objectiveValue).toBe(f());
      const h = 1e-6;
      net.layout.layers.forEach((l, layer) => {
        let norm2 = 0;
        for (let i = l.wOffset; i < l.bOffset; i++) {
          const saved = theta[i];
          theta[i] = saved + h;
          const plus = f();
          theta[i] = saved - h;
          const minus = f();
          theta[i] = saved;
          norm2 += ((plus - minus) / (2 * h)) ** 2;
        }
        const gradNorm = out.layers[layer * FIELD_COUNT + FIELD.gradNorm];
        expect(Math.abs(gradNorm - Math.sqrt(norm2)) / Math.sqrt(norm2)).toBeLessThan(1e-6);
      });
    },
  );

  it('the default objective is the network’s loss', () => {
    const out = runProbe(spec(undefined));
    expect(out.objective).toBe('loss');
    expect(out.objectiveValue).toBe(out.loss);
  });

  it("He et al.'s probe: 1024 × 256 N(0, 1) inputs, ReLU He init, random projection: Var(z) ≈ 2 at every layer", () => {
    const out = runProbe({
      kind: 'probe',
      objective: 'random_projection',
      network: {
        inputSize: 256,
        layers: [
          ...Array.from({ length: 6 }, () => ({ units: 256, activation: 'relu' as const })),
          { units: 256, activation: 'linear' as const },
        ],
        loss: 'mse',
      },
      init: { weights: { scheme: 'he_normal' }, seed: 1 },
      data: { source: 'normal', n: 1024, features: 256, outputs: 256 },
      batchSize: 1024,
    });
    expect(out.batch).toBe(1024);
    // Var(z_1) = 256 · (2/256) · Var(x) = 2, and He's init keeps it from layer to layer (eq. 10 of the paper).
    for (let l = 0; l < 7; l++) {
      expect(out.layers[l * FIELD_COUNT + FIELD.preactStd]).toBeGreaterThan(Math.SQRT2 * 0.85);
      expect(out.layers[l * FIELD_COUNT + FIELD.preactStd]).toBeLessThan(Math.SQRT2 * 1.15);
    }
    // Backward, with R independent of the forward signal: ∂f/∂z keeps its scale too (eq. 14).
    const delta = (l: number) => out.layers[l * FIELD_COUNT + FIELD.deltaRms];
    expect(delta(0) / delta(6)).toBeGreaterThan(0.5);
    expect(delta(0) / delta(6)).toBeLessThan(2);
  });
});
