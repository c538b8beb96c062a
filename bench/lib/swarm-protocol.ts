// Messages between the bench process and its WebSocket client process (swarm-child.ts).

export type SwarmRequest =
  | { op: 'open'; id: number; clients: { url: string; run: string; group: string }[]; concurrency: number }
  | { op: 'pause'; id: number; group: string; ms: number }
  | { op: 'stats'; id: number }
  | {
      op: 'latency';
      id: number;
      /** Per run id: steps and the time (clock.ts) the server published each. */
      published: Record<string, { steps: Float64Array; times: Float64Array }>;
    }
  | {
      op: 'completeness';
      id: number;
      /** Per run id: every step it recorded, ascending. */
      recorded: Record<string, number[]>;
    }
  | { op: 'reset'; id: number }
  | { op: 'close'; id: number };

export interface GroupStats {
  clients: number;
  open: number;
  /** Step messages received. */
  steps: number;
  bytes: number;
  /** 'coalesced' notices received, and the steps they said were skipped. */
  coalescedNotices: number;
  skippedSteps: number;
  /** Clients that got a notice. */
  clientsCoalesced: number;
  ends: number;
  /** Close codes seen (code → clients). */
  closes: Record<string, number>;
  errors: number;
  paused: number;
}

export interface LatencySummary {
  /** Deliveries matched to a publish time. */
  deliveries: number;
  unmatched: number;
  /** Over every delivery (ms): server published the step → this client received it. */
  all: { p50: number; p90: number; p99: number; max: number };
  /** Per step, the first client to receive it, and the last (ms). */
  first: { p50: number; p99: number };
  last: { p50: number; p99: number };
}

/** Whether each subscriber got every step it asked for (`from` on, multiples of `every`, and the last). */
export interface Completeness {
  clients: number;
  /** Clients that got exactly the steps they asked for, in ascending order. */
  complete: number;
  /** Steps asked for and never received, over all clients; clients missing any. */
  missingSteps: number;
  clientsMissing: number;
  /** Steps received out of order or twice; steps received that were never recorded. */
  disorder: number;
  unknown: number;
}

export type SwarmReply =
  | { id: number; op: 'opened'; ok: number; failed: number; ms: number; errors: string[] }
  | { id: number; op: 'ok' }
  | { id: number; op: 'stats'; t: number; groups: Record<string, GroupStats> }
  | { id: number; op: 'latency'; groups: Record<string, LatencySummary> }
  | { id: number; op: 'completeness'; groups: Record<string, Completeness> };
