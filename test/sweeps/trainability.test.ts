// The trainability request as a grid sweep, and the theory drawn on its map.
import { describe, expect, it } from 'vitest';
import { expandSweep } from '../../src/sweeps/expand.ts';
import { mapTheory, trainabilitySweep } from '../../src/sweeps/trainability.ts';

describe('trainabilitySweep', () => {
  it('expands depth × σ_w² (depth slowest) into N(0, σ_w²/fan_in) nets with zero bias, seeds fastest', () => {
    const { input, map } = trainabilitySweep({
      kind: 'trainability',
      activation: 'tanh',
      width: 8,
      depths: [2, 5],
      sigmaW2: { from: 0.5, to: 2, steps: 4 },
      seeds: [1, 2],
    });
    expect(map.sigmaW2).toEqual([0.5, 1, 1.5, 2]);
    expect(map.cells[1][2]).toEqual([12, 13]);
    const points = expandSweep(input);
    expect(points).toHaveLength(16);
    const p = points[13].spec as any;
    expect(points[13].values).toEqual({ depth: 5, '/init/weights/scale': 1.5, seed: 2 });
    expect(p.network.layers).toHaveLength(6);
    expect(p.network.layers[4]).toEqual({ units: 8, activation: 'tanh' });
    expect(p.network.inputSize).toBe(8);
    expect(p.init).toEqual({
      weights: { scheme: 'variance_scaling', distribution: 'normal', mode: 'fan_in', scale: 1.5 },
      bias: { scheme: 'zeros' },
      seed: 2,
    });
    expect(p.kind).toBe('probe');
  });

  it('keeps a given base’s output layer, data and training, and drops its name', () => {
    const { input } = trainabilitySweep({
      kind: 'trainability',
      activation: 'relu',
      depths: [3],
      sigmaW2: [2],
      base: {
        kind: 'train',
        name: 'mine',
        network: {
          inputSize: 2,
          layers: [{ units: 1, activation: 'sigmoid' }],
          loss: 'binary_cross_entropy',
        },
        init: { weights: { scheme: 'he_normal' }, overrides: [{ layer: 0, weights: { scheme: 'zeros' } }] },
        data: { source: 'moons', n: 50 },
        training: { optimizer: { kind: 'adam', lr: 0.01 }, steps: 20 },
      },
    });
    const [p] = expandSweep(input);
    const spec = p.spec as any;
    expect(spec.name).toBeUndefined();
    expect(spec.network.layers.at(-1)).toEqual({ units: 1, activation: 'sigmoid' });
    expect(spec.network.layers).toHaveLength(4);
    expect(spec.init.overrides).toBeUndefined();
    expect(spec.training.optimizer.kind).toBe('adam');
  });
});

describe('mapTheory', () => {
  it('puts tanh’s critical line at σ_w² = 1 and ReLU’s at 2, with an unbounded depth limit there', () => {
    expect(mapTheory('tanh', [0.5, 1]).criticalSigmaW2).toBeCloseTo(1, 6);
    const relu = mapTheory('relu', [1, 2, 4]);
    expect(relu.criticalSigmaW2).toBeCloseTo(2, 9);
    expect(relu.columns[1]).toMatchObject({ phase: 'critical', depthLimit: null, xiC: null });
    expect(relu.columns[0].phase).toBe('ordered');
    // Deeper into the ordered phase, the correlation depth scale (and so the trainable depth) shrinks.
    const tanh = mapTheory('tanh', [0.25, 0.5, 0.9]);
    const limits = tanh.columns.map((c) => c.depthLimit as number);
    expect(limits[0]).toBeLessThan(limits[1]);
    expect(limits[1]).toBeLessThan(limits[2]);
    expect(limits[0]).toBeCloseTo(6 * tanh.columns[0].xiC!, 12);
    expect(tanh.curve).toHaveLength(60);
  });
});
