// Shares the event loop between history replays: at most `perTurn` takes (each a chunk of history messages)
// per turn of the event loop, over all subscribers together, first come first served; the rest wait for the
// next turn. Between turns the loop runs I/O (lease renewals, health checks, new connections), however many
// subscribers replay.

export class Pacer {
  private left: number;
  private readonly waiting: (() => void)[] = [];
  private scheduled = false;

  constructor(private readonly perTurn = 1000) {
    if (!Number.isInteger(perTurn) || perTurn < 1)
      throw new RangeError(`Pacer: perTurn must be a positive integer, got ${perTurn}`);
    this.left = perTurn;
  }

  /** Room for one more take in this turn: undefined (go on now), or a promise of the next turn's room. */
  take(): Promise<void> | undefined {
    this.schedule();
    if (this.left > 0 && this.waiting.length === 0) {
      this.left--;
      return undefined;
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.refill());
  }

  private refill(): void {
    this.scheduled = false;
    this.left = this.perTurn;
    while (this.left > 0 && this.waiting.length > 0) {
      this.left--;
      this.waiting.shift()?.();
    }
    if (this.waiting.length > 0) this.schedule();
  }
}
