// jsonChunks writes exactly JSON.stringify's bytes, in chunks, and lets other callbacks run between them.
import { describe, expect, it } from 'vitest';
import { jsonChunks } from '../../src/http/json-chunks.ts';

async function text(value: unknown): Promise<{ text: string; chunks: number }> {
  let out = '';
  let chunks = 0;
  for await (const c of jsonChunks(value)) {
    out += c;
    chunks++;
  }
  return { text: out, chunks };
}

const long = Array.from({ length: 30_000 }, (_, i) =>
  i % 7 === 0 ? null : i % 11 === 0 ? Number.NaN : Math.sin(i) * 10 ** ((i % 40) - 20),
);

describe('jsonChunks', () => {
  it.each([
    ['a leaf', 1.5],
    ['a string with escapes', 'a"b\\c\n\u2028é\u0000'],
    ['null', null],
    ['empty containers', { a: [], b: {}, c: [[]], d: [{}] }],
    ['members JSON.stringify leaves out', { a: undefined, b: () => 1, c: 1, d: [undefined, () => 1] }],
    ['-0, NaN and ±Infinity', { a: -0, b: [Number.NaN, Number.POSITIVE_INFINITY, -0, -Infinity] }],
    ['mixed arrays', [1, 'x', [2, [3]], { y: [4, null] }, true, null]],
    ['a Date (toJSON)', { at: new Date(0) }],
  ])('%s: the same text as JSON.stringify', async (_what, value) => {
    expect((await text(value)).text).toBe(JSON.stringify(value));
  });

  it('a metrics-shaped answer of 30,000 points: the same text, in many chunks', async () => {
    const value = {
      runId: '5f0c1d9e-0000-4000-8000-000000000000',
      fields: ['gradNorm', 'deadFrac'],
      steps: long.map((_, i) => i),
      loss: long,
      values: [
        [long, long.map((x) => (x === null ? x : -x))],
        [long.slice(5), []],
      ],
      recordedSteps: 30_000,
      downsampled: false,
    };
    const { text: t, chunks } = await text(value);
    expect(t).toBe(JSON.stringify(value));
    expect(chunks).toBeGreaterThan(10);
  });

  it('yields the event loop between chunks', async () => {
    let ran = 0;
    const tick = () => {
      ran++;
      if (ran < 1000) setImmediate(tick);
    };
    setImmediate(tick);
    const seen: number[] = [];
    for await (const _ of jsonChunks({ a: long, b: long })) seen.push(ran);
    expect(seen.at(-1)).toBeGreaterThan(seen[0]);
  });
});
