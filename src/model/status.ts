// A run's statuses, spelled once for the server, the database and the dashboard (no imports: the dashboard bundles it).
/** Every status a run can have (the SQL CHECK of the init migration lists the same; a test keeps them equal). */
export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'diverged'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Statuses a run never leaves (and the only ones it may be deleted in). */
export const FINAL_STATUSES = ['succeeded', 'failed', 'cancelled', 'diverged'] as const satisfies RunStatus[];
export type FinalStatus = (typeof FINAL_STATUSES)[number];

export const isFinal = (status: string): status is FinalStatus =>
  (FINAL_STATUSES as readonly string[]).includes(status);
