// The SweepStore the sweeps service uses (src/model/sweep.ts), over one open Database.
import type { SweepStore } from '../model/sweep.ts';
import type { Database } from './client.ts';
import {
  cancelSweep,
  createSweep,
  deleteSweep,
  getSweep,
  listSweeps,
  pointSteps,
  sweepCounts,
  sweepRuns,
} from './sweeps-repository.ts';

export function createSweepStore(db: Database): SweepStore {
  const prisma = db.prisma;
  // One sweep submission of this instance at a time enters the bounded insert (as single runs do in run-store.ts).
  let enqueueTail: Promise<unknown> = Promise.resolve();
  return {
    createSweep: (sweep, maxQueuedPoints) => {
      const next = enqueueTail.then(() => createSweep(prisma, sweep, maxQueuedPoints));
      enqueueTail = next.catch(() => {});
      return next;
    },
    getSweep: (id) => getSweep(prisma, id),
    listSweeps: (q) => listSweeps(prisma, q),
    sweepCounts: (ids) => sweepCounts(prisma, ids),
    sweepRuns: (id) => sweepRuns(prisma, id),
    pointSteps: (ids, target) => pointSteps(prisma, ids, target),
    cancelSweep: (id) => cancelSweep(prisma, id),
    deleteSweep: (id) => deleteSweep(prisma, id),
  };
}
