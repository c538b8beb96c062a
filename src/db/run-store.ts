// The RunStore the service, dispatcher and streams use (src/model/store.ts), over one open Database.
import type { RunStore } from '../model/store.ts';
import type { Database } from './client.ts';
import { readHistorySummary, saveHistorySummary } from './run-history.ts';
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
import { readRun } from './run-read.ts';
import { insertSteps, readStepPages, readSteps, stepSpan } from './run-steps.ts';
import { readWeights, saveWeights } from './run-weights.ts';
import {
  countByStatus,
  deleteRun,
  findByIdempotencyKey,
  getRunHeader,
  listRuns,
  queueDepth,
  requestCancel,
} from './runs-repository.ts';

export function createRunStore(db: Database): RunStore {
  const prisma = db.prisma;
  // Claims, lease renewals and outcomes on their own connections: they never wait behind reads (issue 12 §2).
  const control = db.control;
  // Submissions of this instance enter the enqueue transaction one at a time: each waiting for the
  // advisory lock would otherwise hold a pooled connection (200 at once starved a pool of 10).
  let enqueueTail: Promise<unknown> = Promise.resolve();
  const reader = { pool: db.pool, prepared: db.kind === 'postgres' };
  return {
    createRun: (run, maxQueued) => {
      const next = enqueueTail.then(() => createRunWithinBound(prisma, run, maxQueued));
      enqueueTail = next.catch(() => {});
      return next;
    },
    // Plain SQL on Prisma's pool: the read every request about a run starts with (issue 16).
    getRun: (id) => readRun(reader, id),
    getRunHeader: (id) => getRunHeader(prisma, id),
    findByIdempotencyKey: (key) => findByIdempotencyKey(prisma, key),
    listRuns: (q) => listRuns(prisma, q),
    queueDepth: () => queueDepth(prisma),
    countByStatus: () => countByStatus(prisma),
    requestCancel: (id) => requestCancel(prisma, id),
    deleteRun: (id) => deleteRun(prisma, id),
    claimRuns: (owner, limit, leaseMs, maxAttempts, exclude) =>
      claimRuns(control, owner, limit, leaseMs, { maxAttempts, exclude }),
    renewLeases: (owner, ids, leaseMs) => renewLeases(control, owner, ids, leaseMs),
    cancelRequestedAmong: (ids) => cancelRequestedAmong(control, ids),
    releaseRun: async (id, owner) => void (await releaseRun(control, id, owner)),
    finishRun: (id, owner, outcome) => finishRun(control, id, owner, outcome),
    failExhausted: (maxAttempts) => failExhausted(control, maxAttempts),
    expireAllLeases: () => expireAllLeases(control),
    insertSteps: async (runId, rows) => void (await insertSteps(db.pool, runId, rows)),
    readSteps: (runId, q) => readSteps(prisma, runId, q),
    stepSpan: (runId, from, to) => stepSpan(prisma, runId, from, to),
    readStepPages: (runId, q) => readStepPages(prisma, runId, q),
    readHistorySummary: (runId, query) => readHistorySummary(prisma, runId, query),
    saveHistorySummary: (runId, query, body, maxPerRun) =>
      saveHistorySummary(prisma, runId, query, body, maxPerRun),
    readWeights: (runId) => readWeights(prisma, runId),
    saveWeights: (runId, kind, values) => saveWeights(prisma, runId, kind, values),
    ping: () => db.ping(),
  };
}
