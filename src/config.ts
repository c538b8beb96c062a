// Service configuration: every environment variable, validated by zod at boot with a clear message each.
import { randomBytes } from 'node:crypto';
import { availableParallelism, hostname } from 'node:os';
import { z } from 'zod';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Smallest matrix product (multiply-adds m·n·k) split across two threads: see BENCHMARKS.md for the cut-over. */
export const DEFAULT_SPLIT_MIN = 2 ** 21;

export const ConfigSchema = z.object({
  PORT: int(0, 65535).default(3000).describe('HTTP port'),
  HOST: z.string().min(1).default('0.0.0.0').describe('Interface to listen on'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL')
    .optional()
    .describe('Postgres server; unset ⇒ embedded PGlite in DATA_DIR'),
  DATA_DIR: z.string().min(1).default('./data/pglite').describe('Embedded database folder (no DATABASE_URL)'),
  WORKERS: int(1, 256).default(Math.max(1, availableParallelism())).describe('Worker threads training runs'),
  QUEUE_MAX_DEPTH: int(1, 1_000_000)
    .default(100)
    .describe('Queued runs beyond which POST /v1/runs answers 429'),
  SWEEP_MAX_POINTS: int(1, 10_000)
    .default(1000)
    .describe('Most points (runs) of one sweep, repeats included'),
  SWEEP_MAX_CONCURRENT: int(1, 256)
    .default(2)
    .describe("Default of a sweep's maxConcurrent: its points running at once over all instances"),
  SWEEP_QUEUE_MAX_POINTS: int(1, 1_000_000)
    .default(10_000)
    .describe('Queued sweep points (over every sweep) beyond which POST /v1/sweeps answers 429'),
  LEASE_MS: int(1000, 3_600_000).default(15_000).describe('Lease on a running run; renewed every LEASE_MS/3'),
  MAX_ATTEMPTS: int(1, 100).default(3).describe('Times a run is started before its loss fails it'),
  POLL_MS: int(10, 60_000).default(250).describe('How often the dispatcher looks for queued runs'),
  SHUTDOWN_GRACE_MS: int(0, 600_000)
    .default(10_000)
    .describe('On SIGTERM, the time to exit in: jobs run until a quarter (≤ 3 s) before, then are re-queued'),
  SPLIT_PRODUCTS: flag
    // On by default: bit-identical, and on a quiet 2-vCPU machine the wide W2 net went from 39.3 to 28.6 ms per
    // step; a run only borrows a worker no job holds, and gives it back within one product (BENCHMARKS.md, issue 15).
    .default(true)
    .describe(
      'Lend an idle worker to a running run to compute half of its large matrix products (bit-identical)',
    ),
  SPLIT_MIN_MULTIPLY_ADDS: int(1, 2 ** 40)
    .default(DEFAULT_SPLIT_MIN)
    .describe('Smallest matrix product (m·n·k multiply-adds) that SPLIT_PRODUCTS splits'),
  WORKER_MAX_MEMORY_MB: int(64, 65_536).default(2048).describe('V8 heap limit of each worker thread'),
  DB_OUTAGE_MAX_MS: int(1000, 86_400_000)
    .default(600_000)
    .describe('How long a database outage may last before running runs are given back to the queue'),
  TELEMETRY_BACKLOG_MB: int(1, 4096)
    .default(32)
    .describe('Unwritten statistics per run (MiB) beyond which its job waits for the database'),
  WORKER_NICE: int(0, 19)
    .default(10)
    .describe(
      "Added to the training threads' nice value, so the API and statistics writes run first; 0 turns it off",
    ),
  WAIT_MAX_SECONDS: int(0, 600).default(60).describe('Upper bound of `Prefer: wait=N` on POST /v1/runs'),
  INSTANCE_ID: z
    .string()
    .min(1)
    .max(200)
    // hostname-pid alone repeats: the pid is 1 in every container, and containers on the host network
    // share its hostname. A random part makes each process start (each loaded config) its own owner.
    .default(() => `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`)
    .describe('Name of this instance in leases; default hostname-pid-random, unique per start'),
  AUTH_TOKENS: z
    .string()
    .optional()
    .transform((v) =>
      v
        ? v
            .split(',')
            .map((t) => t.trim())
            .filter(Boolean)
        : [],
    )
    .describe('Comma-separated bearer tokens; empty ⇒ no authentication'),
  BODY_LIMIT_BYTES: int(1024, 1_073_741_824)
    .default(512 * 1024)
    .describe(
      'Largest request body (bounds inline data: storing and checking it still runs on the event loop)',
    ),
  EVALUATE_BODY_LIMIT_BYTES: int(1024, 1_073_741_824)
    .default(4 * 1024 * 1024)
    .describe(
      'Largest /v1/evaluate body: its 100,000 parameters at full float64 precision and a batch (read in the evaluate thread)',
    ),
  REQUEST_TIMEOUT_MS: int(1000, 3_600_000)
    .default(30_000)
    .describe('Time a client has to send a whole request, headers and body (408 and closed beyond)'),
  HEADERS_TIMEOUT_MS: int(1000, 3_600_000)
    .default(10_000)
    .describe('Time a client has to send the request headers (at most REQUEST_TIMEOUT_MS)'),
  MAX_CONNECTIONS_PER_CLIENT: int(0, 1_000_000)
    .default(256)
    .describe('Open connections (WebSockets included) per client address; 0 ⇒ no cap'),
  LISTEN_BACKLOG: int(1, 65_535)
    .default(4096)
    .describe(
      'Connections the kernel queues before they are accepted (capped by net.core.somaxconn); Node defaults to 511',
    ),
  MAX_STREAM_SUBSCRIBERS: int(1, 1_000_000)
    .default(5000)
    .describe(
      'WebSocket subscribers (run streams and firehose) one instance serves; beyond, a new one is closed 1013 (try again later)',
    ),
  RATE_LIMIT_PER_MINUTE: int(0, 1_000_000)
    .default(1200)
    .describe('Requests per client IP per minute; 0 ⇒ off'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_PRETTY: flag.optional().describe('Pretty logs; default: when stdout is a terminal'),
});

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment; throws ConfigError listing every bad variable with its problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const known = Object.fromEntries(
    Object.keys(ConfigSchema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]),
  );
  const parsed = ConfigSchema.safeParse(known);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map(
    (i) => `  ${i.path.join('.')}=${JSON.stringify(env[String(i.path[0])])}: ${i.message}`,
  );
  throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
}
