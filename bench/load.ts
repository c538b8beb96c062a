// npm run bench:load — the load and abuse test, on loopback, bounded in time: sustained submissions until
// the queue is full (429s, never a 5xx, no accepted run lost), API latency with the queue full, and
// 1,000 WebSocket subscribers plus slow readers (coalesced or closed 1008, memory bounded), and two runs
// that record statistics every step as fast as they train (the service must stay responsive), and a flood:
// 2,000 subscribers joining two training runs at once, each replaying the history (issue 12 §2).
//
// Options: --db=pglite|postgres|both (default: Postgres when one answers, else PGlite), --connections=20,
// --submit-seconds=10, --read-seconds=8, --subscribers=1000, --slow-readers=50, --window-seconds=10,
// --fast-seconds=20, --flood-subscribers=2000, --flood-history=1500, --flood-live-seconds=10,
// --only=queue,streams,fast,flood. The service runs in a child process with 2 workers, its production lease (15 s)
// and queue bound (100), on a fresh database per part.
import { chooseDatabases, type DbKind, parseArgs } from './lib/args.ts';
import { Bench } from './lib/harness.ts';
import { type FastLoadResult, fastLoad } from './lib/load-fast.ts';
import { type FloodResult, floodLoad } from './lib/load-flood.ts';
import { type QueueLoadResult, queueLoad } from './lib/load-queue.ts';
import { loadReport } from './lib/load-report.ts';
import { type StreamLoadResult, streamLoad } from './lib/load-streams.ts';
import { note } from './lib/stats.ts';
import { Swarm } from './lib/swarm.ts';

const args = parseArgs();
const kinds = await chooseDatabases(args.get('db'), 'postgres');
const num = (k: string, d: number) => Number(args.get(k) ?? d);
const only = new Set((args.get('only') ?? 'queue,streams,fast,flood').split(','));
const QUEUE_MAX_DEPTH = 100;
const production = { LEASE_MS: '15000', POLL_MS: '250', QUEUE_MAX_DEPTH: String(QUEUE_MAX_DEPTH) };
const queueOpts = {
  submitSeconds: num('submit-seconds', 10),
  readSeconds: num('read-seconds', 8),
  connections: num('connections', 20),
};
const streamOpts = {
  subscribers: num('subscribers', 1000),
  slowReaders: num('slow-readers', 50),
  windowSeconds: num('window-seconds', 10),
  resumeAfterMs: 15_000,
  stuckMs: 45_000,
};

const floodOpts = {
  subscribers: num('flood-subscribers', 2000),
  historySteps: num('flood-history', 1500),
  liveSeconds: num('flood-live-seconds', 10),
};
// Every subscriber of the flood comes from 127.0.0.1: the per-address connection cap would refuse most.
const floodEnv = { ...production, MAX_CONNECTIONS_PER_CLIENT: '0' };

const started = Date.now();
const results: {
  kind: DbKind;
  queue: QueueLoadResult | null;
  streams: StreamLoadResult | null;
  fast: FastLoadResult | null;
  flood: FloodResult | null;
  crashes: string[];
}[] = [];
const fastOpts = { seconds: num('fast-seconds', 20) };
const swarm = new Swarm();

/** Each part on its own service and fresh database. */
async function section<T>(
  kind: DbKind,
  env: Record<string, string>,
  crashes: string[],
  fn: (b: Bench) => Promise<T>,
): Promise<T | null> {
  let b: Bench | null = null;
  try {
    b = await Bench.start(kind, env);
    return await fn(b);
  } catch (e) {
    note(`${kind}: failed: ${e instanceof Error ? e.message : e}`);
    return null;
  } finally {
    if (b?.crashed) crashes.push(b.crashed);
    await b?.close();
  }
}

try {
  for (const kind of kinds) {
    note(`— ${kind}`);
    const crashes: string[] = [];
    const queue = only.has('queue')
      ? await section(kind, production, crashes, (b) => queueLoad(b, queueOpts, QUEUE_MAX_DEPTH))
      : null;
    const streams = only.has('streams')
      ? await section(kind, production, crashes, (b) => streamLoad(b, swarm, streamOpts))
      : null;
    const fast = only.has('fast')
      ? await section(kind, production, crashes, (b) => fastLoad(b, fastOpts))
      : null;
    const flood = only.has('flood')
      ? await section(kind, floodEnv, crashes, (b) => floodLoad(b, swarm, floodOpts))
      : null;
    results.push({ kind, queue, streams, fast, flood, crashes });
  }
} finally {
  await swarm.exit();
}

console.log(
  `# bench:load — ${new Date().toISOString()}, node ${process.version}, ${Math.round((Date.now() - started) / 1000)} s`,
);
const failed = loadReport(results, {
  ...queueOpts,
  ...streamOpts,
  ...fastOpts,
  floodSubscribers: floodOpts.subscribers,
  floodLiveSeconds: floodOpts.liveSeconds,
});
process.exit(failed ? 1 : 0);
