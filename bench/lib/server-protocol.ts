// Messages between the bench driver and the process running the service (server-child.ts).

export interface StartRequest {
  op: 'start';
  kind: 'pglite' | 'postgres';
  databaseUrl?: string;
  dataDir: string;
  env: Record<string, string>;
}

export type ServerRequest =
  | (StartRequest & { id: number })
  | { id: number; op: 'watch'; runId: string }
  | { id: number; op: 'published'; since: number }
  | { id: number; op: 'stall' }
  | { id: number; op: 'memory'; gc: boolean }
  | { id: number; op: 'tableSize' }
  | { id: number; op: 'leases' }
  | { id: number; op: 'recordedSteps'; runId: string }
  | { id: number; op: 'close' };

export interface ServerMemory {
  rss: number;
  heapUsed: number;
  /** Buffers and ArrayBuffers (socket send queues live here). */
  external: number;
}

export type Published = Record<string, { steps: Float64Array; times: Float64Array }>;

/** The dispatcher's control calls (lease renewals, claims, outcomes) since the service started. */
export interface ControlCalls {
  renewals: number;
  failedRenewals: number;
  /** Longest renewal (ms, start to answer), and the longest time between two successful renewals' answers. */
  maxRenewalMs: number;
  maxRenewalGapMs: number;
  claims: number;
  failedClaims: number;
  maxClaimMs: number;
}

export type ServerReply =
  | { id: number; op: 'started'; url: string; wsUrl: string }
  | { id: number; op: 'ok' }
  | { id: number; op: 'published'; published: Published; counts: Record<string, number> }
  | { id: number; op: 'stall'; maxMs: number; p99Ms: number; mainCpuMs: number }
  | { id: number; op: 'memory'; memory: ServerMemory }
  | { id: number; op: 'tableSize'; rows: number; bytes: number }
  | { id: number; op: 'leases'; calls: ControlCalls }
  | { id: number; op: 'recordedSteps'; steps: number[] }
  | { id: number; op: 'error'; message: string };
