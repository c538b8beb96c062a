// Reads a JSON body its route kept raw (http/json-body.ts): a small one here, a large one on the evaluate thread,
// with the same function and so the same answers either way. Run and sweep requests are admitted whole the same way.
import { ownedBytes, parseJsonBody, validateBody } from '../http/json-body.ts';
import type { JobPool } from '../jobs/pool.ts';
import { admitParsedRun, type RunAdmission } from '../jobs/run-admission.ts';
import { type BudgetLimits, dataRowsOf } from '../model/budget.ts';
import { RunSpecSchema } from '../schemas/specs.ts';
import { SweepRequestSchema } from '../schemas/sweeps.ts';
import {
  admitParsedSweep,
  type SweepAdmission,
  type SweepAdmissionLimits,
  type SweepAdmissionTask,
} from '../sweeps/admission.ts';

/**
 * Bodies from this size on are read off the event loop. Below it, parsing and validating costs the loop about
 * what the hop to the thread does (~1 ms), and a small request does not wait for an evaluate in progress.
 */
export const OFF_LOOP_BODY_BYTES = 64 * 1024;

/**
 * The core's checks generate a spec's data: ~2.5 µs a row on this machine (5–8 s of event loop for 2.4 million
 * `circles` rows under load). A spec whose data has more rows than this is admitted on the thread however small
 * its body; below it, the checks cost the loop about what the hop does.
 */
export const ON_LOOP_MAX_DATA_ROWS = 4096;

/**
 * POST /v1/runs' body admitted (run-admission.ts): on the loop when it is small and its data few rows, else on the
 * evaluate thread, which hands back the stored text, the hash and the facts, never the spec itself.
 */
export async function admitRunRequest(
  pool: JobPool,
  body: unknown,
  budget: BudgetLimits,
): Promise<RunAdmission> {
  if (!Buffer.isBuffer(body)) return admitParsedRun(validateBody(body, RunSpecSchema), budget);
  if (body.length >= OFF_LOOP_BODY_BYTES) return pool.admitRun(ownedBytes(body), budget);
  const parsed = parseJsonBody(body, RunSpecSchema);
  if (parsed.ok && dataRowsOf(parsed.value.data) > ON_LOOP_MAX_DATA_ROWS) {
    return pool.admitRun(new Uint8Array(body), budget);
  }
  return admitParsedRun(parsed, budget);
}

/** The module the evaluate thread admits a sweep with (its admitSweepTask). */
const SWEEP_ADMISSION = new URL('../sweeps/admission.ts', import.meta.url).href;

/**
 * POST /v1/sweeps' body admitted (sweeps/admission.ts) the same way: on the loop when it is small and its points'
 * data few rows in all, else on the evaluate thread, which hands back the points' stored texts, never the request.
 */
export async function admitSweepRequest(
  pool: JobPool,
  body: unknown,
  limits: SweepAdmissionLimits,
): Promise<SweepAdmission> {
  if (!Buffer.isBuffer(body)) return admitParsedSweep(validateBody(body, SweepRequestSchema), limits);
  const offLoop = (bytes: Uint8Array) => {
    const task: SweepAdmissionTask = { body: bytes, limits };
    return pool.offLoop<SweepAdmission>(SWEEP_ADMISSION, 'admitSweepTask', task, [
      bytes.buffer as ArrayBuffer,
    ]);
  };
  if (body.length >= OFF_LOOP_BODY_BYTES) return offLoop(ownedBytes(body));
  const onLoop = admitParsedSweep(parseJsonBody(body, SweepRequestSchema), limits, ON_LOOP_MAX_DATA_ROWS);
  return onLoop.kind === 'too_many_rows' ? offLoop(new Uint8Array(body)) : onLoop;
}
