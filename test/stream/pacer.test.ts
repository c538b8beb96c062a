// The pacer: at most perTurn takes per turn of the event loop over all callers, in arrival order; timers and
// I/O callbacks run between turns.
import { describe, expect, it } from 'vitest';
import { Pacer } from '../../src/stream/pacer.ts';

describe('Pacer', () => {
  it('lets perTurn messages go at once, then the rest turn by turn in arrival order', async () => {
    const pacer = new Pacer(3);
    const order: string[] = [];
    const immediate = [0, 1, 2].map(() => pacer.take());
    expect(immediate).toEqual([undefined, undefined, undefined]);
    const later = [3, 4, 5, 6].map((i) => pacer.take()?.then(() => order.push(`m${i}`)));
    expect(later.every((p) => p instanceof Promise)).toBe(true);
    // A check of the event loop between turns: it runs before the second turn's messages.
    setImmediate(() => order.push('turn 1'));
    await Promise.all(later);
    expect(order).toEqual(['m3', 'm4', 'm5', 'turn 1', 'm6']);
  });

  it('refuses a turn size that is not a positive integer', () => {
    expect(() => new Pacer(0)).toThrow('Pacer: perTurn must be a positive integer, got 0');
  });
});
