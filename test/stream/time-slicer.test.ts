// The time slicer: pieces of work round-robin within a turn's budget (on an injected clock), the rest in later
// turns with the event loop's I/O between; a piece that throws rejects its own run only.
import { describe, expect, it } from 'vitest';
import { TimeSlicer } from '../../src/stream/time-slicer.ts';

describe('TimeSlicer', () => {
  it('runs pieces round-robin until the turn’s budget is spent, the rest after the loop’s other callbacks', async () => {
    let t = 0;
    const slicer = new TimeSlicer(10, 40, () => t);
    const order: string[] = [];
    // Each piece costs 4 ms of the clock: two fit a 10 ms turn before its budget is spent (a third starts at 8).
    const job = (name: string, pieces: number) => {
      let left = pieces;
      return slicer.run(() => {
        order.push(`${name}${pieces - left}`);
        t += 4;
        return --left > 0;
      });
    };
    const done = Promise.all([job('a', 3), job('b', 2)]);
    expect(order).toEqual([]); // never synchronous
    setImmediate(() => order.push('io')); // after the first turn, before the next
    await done;
    expect(order).toEqual(['a0', 'b0', 'a1', 'io', 'b1', 'a2']);
    expect(slicer.waiting).toBe(0);
  });

  it('gives a turn as long as the rest of the loop took (up to the maximum), so a busy loop still replays', async () => {
    let t = 0;
    const slicer = new TimeSlicer(10, 40, () => t);
    const perTurn: number[] = [];
    let turn = -1;
    let left = 40;
    const done = slicer.run(() => {
      t += 4;
      perTurn[turn] = (perTurn[turn] ?? 0) + 1;
      return --left > 0;
    });
    // Between turns the rest of the loop takes 30 ms, then 100 ms (beyond the maximum).
    const gaps = [0, 30, 100, 100];
    const between = () => {
      turn++;
      t += gaps[turn] ?? 0;
      if (left > 0) setImmediate(between);
    };
    between();
    await done;
    expect(perTurn.slice(0, 3)).toEqual([3, 8, 10]);
  });

  it('rejects the run of a piece that throws and goes on with the others', async () => {
    const slicer = new TimeSlicer(10, 10);
    const failed = slicer.run(() => {
      throw new Error('boom');
    });
    let n = 0;
    const ok = slicer.run(() => ++n < 3);
    await expect(failed).rejects.toThrow('boom');
    await ok;
    expect(n).toBe(3);
  });

  it('refuses a budget that is not positive, or a maximum below it', () => {
    expect(() => new TimeSlicer(0)).toThrow('TimeSlicer: budgetMs must be positive, got 0');
    expect(() => new TimeSlicer(20, 10)).toThrow('TimeSlicer: maxBudgetMs must be at least budgetMs, got 10');
  });
});
