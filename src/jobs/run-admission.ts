// Admitting a run request, from its body to what is stored: the body read against the run schema, its idempotency
// hash, the compute budget, the core's checks (which generate the data) and the spec's stored text. One function
// on either thread: the loop gets back a few numbers and one string, whatever the data's size (routes/read-body.ts).
import { createHash } from 'node:crypto';
import { type RunKind, type RunSpec, SpecError, validateRunSpec } from '../core/index.ts';
import { type BodyFailure, type ParsedBody, parseJsonBody } from '../http/json-body.ts';
import { type BudgetLimits, type BudgetViolation, checkBudget } from '../model/budget.ts';
import { exactJsonText } from '../schemas/common.ts';
import { type NamedRunSpec, RunSpecSchema } from '../schemas/specs.ts';

/** What the store needs of an admitted run: no spec object, its exact text. */
export interface AdmittedRun {
  kind: RunKind;
  name: string | null;
  /** The spec without its name, every number with all its bits (what runs.spec holds: db/run-record.ts). */
  specText: string;
  /** SHA-256 of the whole request's exact JSON, name included: an Idempotency-Key resent with another body is a 409. */
  requestHash: string;
  totalSteps: number;
  layerCount: number;
}

/** The outcome as plain data (it crosses the thread boundary; errors lose their class there). */
export type RunAdmission =
  | { kind: 'admitted'; run: AdmittedRun }
  /** The body is not a run spec (400). */
  | { kind: 'refused'; failure: BodyFailure }
  /** Over a budget limit (checked before the core's checks, which generate the data the budget bounds). */
  | { kind: 'over_budget'; violation: BudgetViolation }
  /** The core refused the spec (422 naming the field). */
  | { kind: 'spec_error'; path: (string | number)[]; message: string };

/** Admits a run from its raw JSON body. */
export function admitRunBody(body: Uint8Array, budget: BudgetLimits): RunAdmission {
  return admitParsedRun(parseJsonBody(body, RunSpecSchema), budget);
}

/** Admits a run whose body was already read against the run schema. */
export function admitParsedRun(parsed: ParsedBody<NamedRunSpec>, budget: BudgetLimits): RunAdmission {
  if (!parsed.ok) return { kind: 'refused', failure: parsed.failure };
  const input = parsed.value;
  const { name, ...rest } = input;
  const spec = rest as RunSpec;
  const violation = checkBudget(spec, budget);
  if (violation) return { kind: 'over_budget', violation };
  let facts: ReturnType<typeof validateRunSpec>;
  try {
    facts = validateRunSpec(spec);
  } catch (e) {
    if (e instanceof SpecError) return { kind: 'spec_error', path: e.path, message: e.message };
    throw e;
  }
  return {
    kind: 'admitted',
    run: {
      kind: spec.kind,
      name: name ?? null,
      specText: exactJsonText(spec),
      requestHash: createHash('sha256').update(exactJsonText(input)).digest('hex'),
      totalSteps: spec.kind === 'train' ? facts.totalSteps : 1,
      layerCount: facts.layerCount,
    },
  };
}
