// The helper thread of bench:core's two-thread rows: serves each run's offer in turn until that run releases it.
import { parentPort } from 'node:worker_threads';
import { type HelperOffer, helperGemm, serveSplits } from '../../src/core/index.ts';

parentPort?.on('message', (offer: HelperOffer) => {
  serveSplits(offer.control, helperGemm(offer.memory, offer.variant, offer.scratch));
});
