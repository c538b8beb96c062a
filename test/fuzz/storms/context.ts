// What every storm gets: the running service, the tally, the seed, and the runs that exist before it starts.
import fc from 'fast-check';
import { type FuzzService, seedOf } from '../support/service.ts';
import type { Tally } from '../support/verdict.ts';

export interface StormContext {
  svc: FuzzService;
  tally: Tally;
  seed: number;
  /** Finished runs the read endpoints may be pointed at (never deleted or cancelled by a storm). */
  readIds: string[];
  /** Finished runs a storm may cancel or delete. */
  mutableIds: string[];
  /** A finished training run with a few thousand recorded steps (for stream replays). */
  longRunId: string;
}

/** Cases to run, drawn reproducibly: each storm derives its own seed from the suite's and its name. */
export function cases<T>(ctx: StormContext, name: string, arb: fc.Arbitrary<T>, numRuns: number): T[] {
  return fc.sample(arb, { seed: seedOf(name, ctx.seed), numRuns });
}

/** Concurrent requests per storm: enough to overlap I/O, few enough to keep PGlite's single connection sane. */
export const LANES = 8;
