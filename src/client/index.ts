// gradscope/client: a typed client of the Gradscope API (HTTP and WebSocket), for scripts and the CLI.

export type { Problem, ProblemError } from '../schemas/problem.ts';
export type { RunStreamMessage } from '../schemas/stream.ts';
export type { SweepPoint, SweepStreamMessage } from '../schemas/sweeps.ts';
export type {
  CancelRunResponse,
  CancelSweepResponse,
  CreateRunResponse,
  CreateSweepResponse,
  EvaluateResponse,
  ExportCounts,
  ExportQuery,
  ListQuery,
  ListSweepsQuery,
  Metrics,
  MetricsQuery,
  Model,
  Run,
  RunList,
  RunListItem,
  RunSpecInput,
  Sweep,
  SweepList,
  SweepListItem,
  SweepRequestInput,
  TheoryRequest,
  TheoryResponse,
  WaitOptions,
} from './client.ts';
export { GradscopeClient } from './client.ts';
export { type ClientErrorCode, GradscopeError } from './errors.ts';
export type { RequestOptions, TransportOptions } from './http.ts';
export type { RetryPolicy } from './retry.ts';
export type { StreamRunOptions, StreamSweepOptions } from './stream.ts';
