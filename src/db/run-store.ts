// The RunStore the service, dispatcher and streams use (src/model/store.ts), over one open Database.
import type { RunStore } from '../model/store.ts';
import type { Database } from './client.ts';
import {
  cancelRequestedAmong,
  claimRuns,
  createRunWithinBound,
  expireAllLeases,
  failExhausted,
  finishRun,
  releaseRun,
  renewLeases,
} from './run-queue.ts';
import { insertSteps, readStepPages, readSteps, stepSpan } from './run-steps.ts';
import { readWeights, saveWeights } from './run-weights.ts';
import {
  countByStatus,
  deleteRun,
  findByIdempotencyKey,
  getRun,
  listRuns,
  queueDepth,
  requestCancel,
} from './runs-repository.ts';

export function createRunStore(db: Database): RunStore {
  const p = db.prisma;
  // Submissions of this instance enter the enqueue transaction one at a time: each waiting for the
  // advisory lock would otherwise hold a pooled connection (200 at once starved a pool of 10).
  let enqueueTail: Promise<unknown> = Promise.resolve();
  return {
    createRun: (run, maxQueued) => {
      const next = enqueueTail.then(() => createRunWithinBound(p, run, maxQueued));
      enqueueTail = next.catch(() => {});
      return next;
    },
    getRun: (id) => getRun(p, id),
    findByIdempotencyKey: (key) => findByIdempotencyKey(p, key),
    listRuns: (q) => listRuns(p, q),
    queueDepth: () => queueDepth(p),
    countByStatus: () => countByStatus(p),
    requestCancel: (id) => requestCancel(p, id),
    deleteRun: (id) => deleteRun(p, id),
    claimRuns: (owner, limit, leaseMs, maxAttempts, exclude) =>
      claimRuns(p, owner, limit, leaseMs, { maxAttempts, exclude }),
    renewLeases: (owner, ids, leaseMs) => renewLeases(p, owner, ids, leaseMs),
    cancelRequestedAmong: (ids) => cancelRequestedAmong(p, ids),
    releaseRun: async (id, owner) => void (await releaseRun(p, id, owner)),
    finishRun: (id, owner, outcome) => finishRun(p, id, owner, outcome),
    failExhausted: (maxAttempts) => failExhausted(p, maxAttempts),
    expireAllLeases: () => expireAllLeases(p),
    insertSteps: async (runId, rows) => void (await insertSteps(p, runId, rows)),
    readSteps: (runId, q) => readSteps(p, runId, q),
    stepSpan: (runId, from, to) => stepSpan(p, runId, from, to),
    readStepPages: (runId, q) => readStepPages(p, runId, q),
    readWeights: (runId) => readWeights(p, runId),
    saveWeights: (runId, kind, values) => saveWeights(p, runId, kind, values),
    ping: () => db.ping(),
  };
}
