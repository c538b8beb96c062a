// gradscope/client: a typed client of the Gradscope API (HTTP and WebSocket), for scripts and the CLI.

export type { Problem, ProblemError } from '../schemas/problem.ts';
export type { RunStreamMessage } from '../schemas/stream.ts';
export type {
  CancelRunResponse,
  CreateRunResponse,
  EvaluateResponse,
  ExportCounts,
  ExportQuery,
  ListQuery,
  Metrics,
  MetricsQuery,
  Model,
  Run,
  RunList,
  RunListItem,
  RunSpecInput,
  TheoryRequest,
  TheoryResponse,
  WaitOptions,
} from './client.ts';
export { GradscopeClient } from './client.ts';
export { type ClientErrorCode, GradscopeError } from './errors.ts';
export type { RequestOptions, TransportOptions } from './http.ts';
export type { RetryPolicy } from './retry.ts';
export type { StreamRunOptions } from './stream.ts';
