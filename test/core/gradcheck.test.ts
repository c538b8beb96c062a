// Gradient-check verdicts that blame the right thing: ε too large (truncation), ε too small (rounding noise),
// or backprop, which a corrupted gradient must still be called at any ε.
import { describe, expect, it } from 'vitest';
import { gradientCheck } from '../../src/core/gradcheck.ts';
import { viewsOf } from '../../src/core/model.ts';
import { backward, buildNetwork, createWorkspace, forward } from '../../src/core/network.ts';
import { Rng } from '../../src/core/rng.ts';
import type { NetworkSpec } from '../../src/core/spec.ts';

/** A correct small tanh net with a 3-way softmax on a random batch of 6. */
function problem(seed = 5) {
  const spec: NetworkSpec = {
    inputSize: 4,
    layers: [
      { units: 8, activation: 'tanh' },
      { units: 6, activation: 'sigmoid' },
      { units: 3, activation: 'softmax' },
    ],
    loss: 'categorical_cross_entropy',
  };
  const net = buildNetwork(spec);
  const rng = new Rng(seed);
  const theta = Float64Array.from({ length: net.layout.size }, () => rng.normal() * 0.8);
  const batch = 6;
  const X = Float64Array.from({ length: batch * 4 }, () => rng.normal());
  const Y = new Float64Array(batch * 3);
  for (let r = 0; r < batch; r++) Y[r * 3 + rng.int(3)] = 1;
  const gradient = new Float64Array(net.layout.size);
  const ws = createWorkspace(net.layout, batch);
  forward(net, viewsOf(net.layout, theta), X, batch, ws);
  backward(net, viewsOf(net.layout, theta), viewsOf(net.layout, gradient), X, Y, batch, ws);
  return { net, theta, X, Y, batch, gradient };
}

describe('gradientCheck blames ε or backprop', () => {
  it('a sound ε passes and scans nothing', () => {
    const { net, theta, X, Y, batch } = problem();
    const r = gradientCheck(net, theta, X, Y, batch);
    expect(r.verdict).toBe('pass');
    expect(r.cause).toBeNull();
    expect(r.epsilonScan).toBeNull();
    expect(r.cost.lossEvaluations).toBe(2 * net.layout.size);
  });

  it('ε = 1e-2 on a correct network: truncation error, not a bug, with a sound ε suggested', () => {
    const { net, theta, X, Y, batch } = problem();
    const r = gradientCheck(net, theta, X, Y, batch, { epsilon: 1e-2 });
    expect(r.difference).toBeGreaterThan(1e-7);
    expect(r.verdict).toBe('warn');
    expect(r.cause).toBe('truncation');
    expect(r.message).not.toMatch(/bug/);
    expect(r.message).toMatch(/comes from ε.*truncation error/);
    expect(r.suggestedEpsilon).toBeLessThan(1e-2);
    expect(r.suggestedEpsilon).toBeGreaterThanOrEqual(1e-10);
    expect(r.message).toContain(`use ε = ${r.suggestedEpsilon!.toExponential(0).replace('e-', 'e-')}`);
    // Two-sided differences err by O(ε²): ten times smaller ε, about a hundred times smaller difference.
    const scan = r.epsilonScan!;
    const at = (e: number) => scan.find((s) => s.epsilon === e)!.difference;
    expect(at(1e-3)).toBeLessThan(at(1e-2) / 30);
    // The suggestion passes when used.
    expect(gradientCheck(net, theta, X, Y, batch, { epsilon: r.suggestedEpsilon! }).verdict).toBe('pass');
  });

  it('ε = 1e-15 on a correct network: rounding noise, not a bug, naming |f|', () => {
    const { net, theta, X, Y, batch } = problem();
    const r = gradientCheck(net, theta, X, Y, batch, { epsilon: 1e-15 });
    expect(r.difference).toBeGreaterThan(1e-3);
    expect(r.verdict).toBe('warn');
    expect(r.cause).toBe('rounding');
    expect(r.message).not.toMatch(/bug/);
    expect(r.message).toMatch(/comes from ε.*rounding noise/);
    expect(r.message).toMatch(/\|f\| ≈ /);
    expect(r.suggestedEpsilon).toBeGreaterThan(1e-15);
    expect(gradientCheck(net, theta, X, Y, batch, { epsilon: r.suggestedEpsilon! }).verdict).toBe('pass');
  });

  it.each([1e-2, 1e-7, 1e-15])('a corrupted backprop is a bug at ε = %s', (epsilon) => {
    const { net, theta, X, Y, batch, gradient } = problem();
    // Layer 1's dW off by 30%: the kind of bug a wrong activation derivative makes.
    const l1 = net.layout.layers[1];
    for (let i = l1.wOffset; i < l1.bOffset; i++) gradient[i] *= 1.3;
    const r = gradientCheck(net, theta, X, Y, batch, { epsilon, gradient });
    expect(r.verdict).toBe('fail');
    expect(r.cause).toBe('backprop');
    expect(r.message).toMatch(/backprop almost surely has a bug/);
    expect(r.message).toMatch(/at every ε/);
    expect(r.suggestedEpsilon).toBeNull();
    expect(r.worst[0].layer).toBe(1);
  });

  it('the scan is bounded and counted in the cost', () => {
    const { net, theta, X, Y, batch } = problem();
    const r = gradientCheck(net, theta, X, Y, batch, { epsilon: 1e-2 });
    const scanned = Math.min(20, net.layout.size);
    // Full pass, one evaluation of f, and 8 more ε (1e-3 … 1e-10) on the worst parameters.
    expect(r.cost.lossEvaluations).toBe(2 * net.layout.size + 1 + 2 * scanned * 8);
    expect(r.epsilonScan!.map((s) => s.epsilon)).toEqual([
      1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10,
    ]);
  });
});
