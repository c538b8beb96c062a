// Recognizes "the database cannot be reached right now" among Prisma / driver errors, so the API can
// answer 503 with Retry-After instead of a 500 (or a hang) during a database restart or outage.

/** Prisma's connection-level error codes (P1001 unreachable, P1002/P1008 timeouts, P1017 closed, P2024 pool). */
const CONNECTION_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
const CONNECTION_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);
// `connect ENOENT …/.s.PGSQL.5432`: a Unix socket that is gone (the embedded database's process restarting).
const CONNECTION_TEXT =
  /connect ENOENT \S*\.s\.PGSQL\.|Can't reach database server|Connection terminated|ECONNREFUSED|ECONNRESET|EPIPE|connection (?:is )?closed|server has closed the connection|timeout exceeded when trying to connect|Connection ended unexpectedly|the database system is (?:starting up|shutting down)|terminating connection/i;

export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const e = err as Error & { code?: unknown; meta?: { driverAdapterError?: { cause?: { kind?: string } } } };
  if (typeof e.code === 'string' && CONNECTION_CODES.has(e.code)) return true;
  const kind = e.meta?.driverAdapterError?.cause?.kind;
  if (kind && CONNECTION_KINDS.has(kind)) return true;
  // pg's own errors (e.g. "Connection terminated unexpectedly") arrive as plain Errors.
  return CONNECTION_TEXT.test(e.message);
}
