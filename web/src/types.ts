// The API's types as the dashboard reads them (type-only imports: nothing of the server is bundled).

import type { z } from 'zod';
import type {
  GradcheckResultSchema,
  ProbeResultSchema,
  TrainSummarySchema,
} from '../../src/schemas/results.ts';

export type { LayerField } from '../../src/core/index.ts';
export type { History } from '../../src/schemas/history.ts';
export type { HistoryArrays } from '../../src/schemas/history-binary.ts';
export type { Problem, ProblemError } from '../../src/schemas/problem.ts';
export type { Run, RunListItem, RunStatus } from '../../src/schemas/runs.ts';
export type { NamedRunSpec } from '../../src/schemas/specs.ts';
export type { FirehoseMessage, RunStreamMessage } from '../../src/schemas/stream.ts';
export type {
  Sweep,
  SweepListItem,
  SweepPoint,
  SweepRequest,
  SweepStreamMessage,
  TrainabilityMap,
} from '../../src/schemas/sweeps.ts';

import type { MetricsSchema, RunListSchema } from '../../src/schemas/runs.ts';
import type { RunStreamMessage } from '../../src/schemas/stream.ts';

export type Metrics = z.infer<typeof MetricsSchema>;
export type RunList = z.infer<typeof RunListSchema>;
export type ProbeResult = z.infer<typeof ProbeResultSchema>;
export type GradcheckResult = z.infer<typeof GradcheckResultSchema>;
/** What a finished training run reports in `summary`. */
export type TrainSummary = z.infer<typeof TrainSummarySchema>;
export type HelloMessage = Extract<RunStreamMessage, { type: 'hello' }>;
export type StepMessage = Extract<RunStreamMessage, { type: 'step' }>;

export { FINAL_STATUSES, isFinal, RUN_STATUSES } from '../../src/model/status.ts';

export function isProbeResult(r: unknown): r is ProbeResult {
  return typeof r === 'object' && r !== null && 'activationHistograms' in r;
}

export function isGradcheckResult(r: unknown): r is GradcheckResult {
  return typeof r === 'object' && r !== null && 'worst' in r;
}
