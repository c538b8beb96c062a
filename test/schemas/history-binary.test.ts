// The binary history layout: blocks at aligned offsets named in the header, NaN for null, exact numbers back.
import { describe, expect, it } from 'vitest';
import type { History } from '../../src/schemas/history.ts';
import {
  decodeHistory,
  encodeHistory,
  historyFromArrays,
  historyToArrays,
} from '../../src/schemas/history-binary.ts';

const history: History = {
  runId: '00000000-0000-4000-8000-000000000001',
  fields: ['gradNorm', 'deadFrac'],
  layerCount: 2,
  totalSteps: 9,
  bucketed: true,
  steps: [0, 4, 5, 8],
  loss: [0.1 + 0.2, null, 1e244, 5e-324],
  gradNorm: [1, 2, null, 3],
  trainAccuracy: [null, 0.5, null, 0.75],
  testAccuracy: [null, null, null, null],
  values: [
    [
      [Math.fround(0.1), Math.fround(1e-30), null, 4],
      [null, null, null, null],
    ],
    [
      [1, 2, 3, Math.fround(3.4e38)],
      [0, 0.5, 1, null],
    ],
  ],
  nonFiniteSteps: [4, 5],
  lastStep: 8,
};

describe('encodeHistory / decodeHistory', () => {
  it('round-trips every number exactly, null as NaN', () => {
    const a = decodeHistory(encodeHistory(historyToArrays(history)));
    expect(a.points).toBe(4);
    expect(Array.from(a.loss)).toEqual([0.1 + 0.2, Number.NaN, 1e244, 5e-324]);
    expect(Array.from(a.values.subarray(0, 4))).toEqual([
      Math.fround(0.1),
      Math.fround(1e-30),
      Number.NaN,
      4,
    ]);
    expect(historyFromArrays(a)).toEqual(history);
  });

  it('puts each block at an offset that is a multiple of its element size, as the header says', () => {
    const body = encodeHistory(historyToArrays(history));
    const n = new DataView(body.buffer).getUint32(4, true);
    expect(new TextDecoder().decode(body.subarray(0, 4))).toBe('GSH1');
    expect((8 + n) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(body.subarray(8, 8 + n)));
    expect(header.blocks.map((b: { name: string }) => b.name)).toEqual([
      'steps',
      'loss',
      'gradNorm',
      'trainAccuracy',
      'testAccuracy',
      'values',
    ]);
    expect(header.blocks[0].offset).toBe(8 + n);
    expect(header.blocks[5]).toEqual({
      name: 'values',
      type: 'float32',
      offset: 8 + n + 5 * 8 * 4,
      length: 16,
    });
    expect(body.byteLength).toBe(8 + n + 5 * 8 * 4 + 16 * 4);
  });

  it('reads a body that sits at an unaligned offset of a larger buffer', () => {
    const body = encodeHistory(historyToArrays(history));
    const bigger = new Uint8Array(body.byteLength + 3);
    bigger.set(body, 3);
    expect(historyFromArrays(decodeHistory(bigger.subarray(3)))).toEqual(history);
  });

  it('refuses what is not a history body', () => {
    expect(() => decodeHistory(new TextEncoder().encode('{"runId":1}'))).toThrow('not a GSH1 history body');
    const body = encodeHistory(historyToArrays(history));
    expect(() => decodeHistory(body.subarray(0, body.byteLength - 4))).toThrow(
      'block values is misplaced or truncated',
    );
  });

  it('encodes an empty history', () => {
    const empty = {
      ...history,
      totalSteps: 0,
      bucketed: false,
      steps: [],
      loss: [],
      gradNorm: [],
      trainAccuracy: [],
      testAccuracy: [],
      values: [
        [[], []],
        [[], []],
      ],
      nonFiniteSteps: [],
      lastStep: null,
    };
    expect(historyFromArrays(decodeHistory(encodeHistory(historyToArrays(empty))))).toEqual(empty);
  });
});
