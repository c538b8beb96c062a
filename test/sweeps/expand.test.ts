// Expansion of sweep axes: grid order, zipped axes, explicit points, shortcuts, pointers, seeds, and the errors.
import { describe, expect, it } from 'vitest';
import { countPoints, expandSweep, SweepExpansionError, setPointer } from '../../src/sweeps/expand.ts';

const base = () => ({
  kind: 'probe',
  network: {
    inputSize: 4,
    layers: [
      { units: 8, activation: 'tanh' },
      { units: 8, activation: 'tanh' },
      { units: 1, activation: 'linear' },
    ],
    loss: 'mse',
  },
  init: { weights: { scheme: 'xavier_normal' } },
  data: { source: 'normal', n: 16, features: 4 },
});

describe('expandSweep', () => {
  it('makes a grid with the first axis slowest, writing each value at its pointer', () => {
    const points = expandSweep({
      base: base(),
      axes: [
        { field: '/init/weights/scheme', values: ['xavier_normal', 'orthogonal'] },
        { field: '/init/weights/gain', values: [0.5, 1, 2] },
      ],
    });
    expect(points.map((p) => p.values)).toEqual([
      { '/init/weights/scheme': 'xavier_normal', '/init/weights/gain': 0.5 },
      { '/init/weights/scheme': 'xavier_normal', '/init/weights/gain': 1 },
      { '/init/weights/scheme': 'xavier_normal', '/init/weights/gain': 2 },
      { '/init/weights/scheme': 'orthogonal', '/init/weights/gain': 0.5 },
      { '/init/weights/scheme': 'orthogonal', '/init/weights/gain': 1 },
      { '/init/weights/scheme': 'orthogonal', '/init/weights/gain': 2 },
    ]);
    expect(points[4].spec.init).toEqual({ weights: { scheme: 'orthogonal', gain: 1 } });
    expect(points.map((p) => p.index)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('leaves the base untouched (every point is a deep copy)', () => {
    const b = base();
    const points = expandSweep({ base: b, axes: [{ field: 'width', values: [3, 5] }] });
    expect(b).toEqual(base());
    expect((points[0].spec.network as any).layers.map((l: any) => l.units)).toEqual([3, 3, 1]);
    expect((points[1].spec.network as any).layers.map((l: any) => l.units)).toEqual([5, 5, 1]);
  });

  it('advances zipped axes together, as one dimension of the grid', () => {
    const points = expandSweep({
      base: base(),
      axes: [
        {
          zip: [
            { field: '/init/weights/scheme', values: ['xavier_normal', 'he_normal'] },
            { field: 'activation', values: ['tanh', 'relu'] },
          ],
        },
        { field: '/seed', values: [1, 2] },
      ],
    });
    expect(points).toHaveLength(4);
    expect(points[2].values).toEqual({ '/init/weights/scheme': 'he_normal', activation: 'relu', '/seed': 1 });
    expect((points[2].spec.network as any).layers.map((l: any) => l.activation)).toEqual([
      'relu',
      'relu',
      'linear',
    ]);
  });

  it('refuses zipped axes of unequal lengths, naming the axis', () => {
    const run = () =>
      expandSweep({
        base: base(),
        axes: [
          {
            zip: [
              { field: '/a', values: [1, 2] },
              { field: '/b', values: [1] },
            ],
          },
        ],
      });
    expect(run).toThrow(SweepExpansionError);
    expect(run).toThrow(/equal lengths/);
    try {
      run();
    } catch (e) {
      expect((e as SweepExpansionError).path).toEqual(['axes', 0, 'zip', 1, 'values']);
    }
  });

  it('depth repeats the layer template and keeps the output layer; width and activation apply after it', () => {
    const [p] = expandSweep({
      base: base(),
      points: [{ activation: 'relu', depth: 4, width: 16 }],
      layerTemplate: { units: 2, activation: 'tanh' },
    });
    expect((p.spec.network as any).layers).toEqual([
      { units: 16, activation: 'relu' },
      { units: 16, activation: 'relu' },
      { units: 16, activation: 'relu' },
      { units: 16, activation: 'relu' },
      { units: 1, activation: 'linear' },
    ]);
  });

  it('depth without a template repeats the base’s first layer', () => {
    const [p] = expandSweep({ base: base(), axes: [{ field: 'depth', values: [3] }] });
    expect((p.spec.network as any).layers).toHaveLength(4);
    expect((p.spec.network as any).layers[2]).toEqual({ units: 8, activation: 'tanh' });
  });

  it('refuses a depth that is not a positive integer, naming the point', () => {
    try {
      expandSweep({ base: base(), axes: [{ field: 'depth', values: [2, 0] }] });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SweepExpansionError);
      expect((e as SweepExpansionError).point).toBe(1);
      expect((e as SweepExpansionError).field).toBe('depth');
      expect((e as Error).message).toMatch(/integer ≥ 1/);
    }
  });

  it('repeats every point once per seed (seeds fastest), at /init/seed or the field given', () => {
    const points = expandSweep({
      base: base(),
      axes: [{ field: '/init/weights/gain', values: [1, 2] }],
      seeds: [7, 8, 9],
    });
    expect(points).toHaveLength(6);
    expect(points.map((p) => (p.spec.init as any).seed)).toEqual([7, 8, 9, 7, 8, 9]);
    expect(points[3].values).toEqual({ '/init/weights/gain': 2, seed: 7 });
    const data = expandSweep({ base: base(), points: [{}], seeds: [3], seedField: '/data/seed' });
    expect((data[0].spec.data as any).seed).toBe(3);
  });

  it('counts points without expanding', () => {
    expect(
      countPoints({
        base: {},
        axes: [
          { field: '/a', values: [1, 2, 3] },
          {
            zip: [
              { field: '/b', values: [1, 2] },
              { field: '/c', values: [1, 2] },
            ],
          },
        ],
        seeds: [1, 2],
      }),
    ).toBe(12);
    expect(countPoints({ base: {}, points: [{}, {}] })).toBe(2);
  });

  it('refuses an unknown shortcut', () => {
    expect(() => expandSweep({ base: base(), points: [{ layers: 3 }] })).toThrow(/unknown field "layers"/);
  });
});

describe('setPointer', () => {
  it('creates missing objects, indexes arrays, unescapes ~1 and ~0, and appends with -', () => {
    const t: Record<string, unknown> = { a: [{ x: 1 }], list: [1] };
    setPointer(t, '/training/optimizer/lr', 0.1);
    setPointer(t, '/a/0/x', 2);
    setPointer(t, '/k~1e~0y', 'v');
    setPointer(t, '/list/-', 2);
    expect(t).toEqual({ a: [{ x: 2 }], list: [1, 2], training: { optimizer: { lr: 0.1 } }, 'k/e~y': 'v' });
  });

  it('refuses an index past the end and stepping into a number', () => {
    expect(() => setPointer({ a: [1] }, '/a/3', 0)).toThrow(/has no element 3/);
    expect(() => setPointer({ a: 1 }, '/a/b', 0)).toThrow(/is 1, not an object or array/);
  });
});
