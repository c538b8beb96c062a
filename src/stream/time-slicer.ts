// Shares the event loop between history replays by time: each turn of the loop runs pieces of synchronous work
// (a chunk of one subscriber's history each), round-robin over every replay waiting, until the turn's budget is
// spent; then the loop runs its I/O (health checks, lease renewals, new connections) before the next turn. The
// budget is measured on the work itself (each piece writes its chunk before it returns), so however many
// subscribers replay, a request waits behind one budget (plus one piece) of replay, not behind the flood.
//
// The budget is `budgetMs`, or, when the rest of the loop's last iteration took longer (other work, a loaded
// machine), that long, up to `maxBudgetMs`: the replay keeps at least half of a busy loop, or it would never end.

interface Job {
  work: () => boolean;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class TimeSlicer {
  private readonly jobs: Job[] = [];
  private scheduled = false;
  /** When the last turn ended, if another was scheduled right after it (else 0: no gap to measure). */
  private lastEnd = 0;

  constructor(
    private readonly budgetMs = 20,
    private readonly maxBudgetMs = 100,
    private readonly clock: () => number = () => performance.now(),
  ) {
    if (!(budgetMs > 0)) throw new RangeError(`TimeSlicer: budgetMs must be positive, got ${budgetMs}`);
    if (!(maxBudgetMs >= budgetMs))
      throw new RangeError(`TimeSlicer: maxBudgetMs must be at least budgetMs, got ${maxBudgetMs}`);
  }

  /** Jobs waiting for a turn (for tests and metrics). */
  get waiting(): number {
    return this.jobs.length;
  }

  /**
   * Calls `work` in coming turns, one call per round, until it returns false (done, or nothing it can do now);
   * then resolves. A throw rejects. Never calls it synchronously.
   */
  run(work: () => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      this.jobs.push({ work, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.turn());
  }

  private turn(): void {
    this.scheduled = false;
    const start = this.clock();
    const rest = this.lastEnd > 0 ? start - this.lastEnd : 0;
    const budget = Math.min(this.maxBudgetMs, Math.max(this.budgetMs, rest));
    // A piece that has more to do goes to the back (it must return false when it can do nothing now, e.g. while
    // its socket drains, or the turn would spin on it).
    while (this.jobs.length > 0 && this.clock() - start < budget) {
      const job = this.jobs.shift() as Job;
      let more: boolean;
      try {
        more = job.work();
      } catch (e) {
        job.reject(e);
        continue;
      }
      if (more) this.jobs.push(job);
      else job.resolve();
    }
    if (this.jobs.length > 0) {
      this.schedule();
      this.lastEnd = this.clock();
    } else this.lastEnd = 0;
  }
}
