// bench:core's second thread for one run: one persistent helper Worker lent to each timed run in turn, as the
// service's pool lends an idle worker (src/jobs/lender.ts), attached before the run's first step.
import { Worker } from 'node:worker_threads';
import { type GemmThreads, type HelperOffer, helperAttached, releaseHelper } from '../../src/core/index.ts';

export interface BenchHelper {
  /** The capability to give runTraining; each run's offer is served by the helper until `release`. */
  threads(minMultiplyAdds: number): GemmThreads;
  /** Lets the helper leave the last run (call after that run returned). */
  release(): void;
  close(): Promise<number>;
}

export function startBenchHelper(): BenchHelper {
  const worker = new Worker(new URL('./gemm-helper-thread.ts', import.meta.url));
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  let current: HelperOffer | null = null;
  return {
    threads: (minMultiplyAdds) => ({
      minMultiplyAdds,
      offer(offer) {
        current = offer;
        worker.postMessage(offer);
        // Block until the helper has attached (it starts on its own thread; the first time, it loads tsx).
        for (let i = 0; i < 6000 && !helperAttached(offer.control); i++) Atomics.wait(sleeper, 0, 0, 5);
        if (!helperAttached(offer.control)) throw new Error('bench helper thread did not attach within 30 s');
      },
    }),
    release() {
      if (current) releaseHelper(current.control);
      current = null;
    },
    close() {
      this.release();
      return worker.terminate();
    },
  };
}
