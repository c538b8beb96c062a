// Lends idle pool workers to running jobs as helper threads for their matrix products, and takes them back as
// soon as a job needs the worker: the pool's jobs and its lent helpers never outnumber its threads.
import { abandonHelper, allowHelper, type HelperOffer, releaseHelper } from '../core/index.ts';

interface Borrower {
  offer: HelperOffer;
  /** none: no helper; lent: one helps; leaving: asked to leave, its task has not settled yet. */
  helper: 'none' | 'lent' | 'leaving';
}

export class HelperLender {
  private readonly borrowers = new Set<Borrower>();
  /** Helpers not asked to leave. */
  private lent = 0;
  /** Helper tasks not settled yet (lent or leaving): each holds a worker. */
  private busy = 0;

  /**
   * `size`: the pool's threads; `jobs()`: its jobs running or queued; `runHelper`: runs a helper task on a pool
   * worker (settles when the helper has left).
   */
  constructor(
    private readonly size: number,
    private readonly jobs: () => number,
    private readonly runHelper: (offer: HelperOffer) => Promise<unknown>,
  ) {}

  /** Helpers lent and not asked to leave. */
  get helpers(): number {
    return this.lent;
  }

  /** A running job's offer: it borrows a worker now or whenever one is idle. Call the result when the job ends. */
  add(offer: HelperOffer): () => void {
    const borrower: Borrower = { offer, helper: 'none' };
    this.borrowers.add(borrower);
    this.lend();
    return () => {
      this.borrowers.delete(borrower);
      this.release(borrower);
      this.lend();
    };
  }

  /**
   * Before a job is submitted (counted in jobs()): asks helpers to leave until jobs and helpers fit in the pool.
   * A helper leaves at its next product boundary, so the job waits milliseconds, not for another job's end.
   */
  reclaim(): void {
    for (const borrower of this.borrowers) {
      if (this.jobs() + this.lent <= this.size) return;
      this.release(borrower);
    }
  }

  /** Lends idle workers to jobs without a helper (a worker is idle when jobs and helper tasks leave one free). */
  lend(): void {
    for (const borrower of this.borrowers) {
      if (this.jobs() + this.busy >= this.size) return;
      if (borrower.helper !== 'none') continue;
      const { control } = borrower.offer;
      allowHelper(control);
      borrower.helper = 'lent';
      this.lent++;
      this.busy++;
      this.runHelper(borrower.offer)
        // The helper's thread died: a product it was computing fails its job; otherwise the job goes on alone.
        .catch(() => abandonHelper(control))
        .finally(() => {
          if (borrower.helper === 'lent') this.lent--;
          borrower.helper = 'none';
          this.busy--;
          this.lend();
        });
    }
  }

  private release(borrower: Borrower): void {
    if (borrower.helper !== 'lent') return;
    releaseHelper(borrower.offer.control);
    borrower.helper = 'leaving';
    this.lent--;
  }
}
