// The running machinery of one instance as a fastify plugin: stream hub, telemetry sink, worker pool,
// dispatcher and the runs service; started when the app is ready, drained and closed on shutdown.
import fp from 'fastify-plugin';
import type { Config } from '../config.ts';
import { isDatabaseUnavailable } from '../http/db-unavailable.ts';
import { Dispatcher } from '../jobs/dispatcher.ts';
import { createJobPool, type JobPool } from '../jobs/pool.ts';
import { DEFAULT_BUDGET, DEFAULT_SWEEP_BUDGET } from '../model/budget.ts';
import { RunsService } from '../runs/service.ts';
import { toListItem } from '../schemas/run-view.ts';
import { StreamHub } from '../stream/hub.ts';
import { KeyedSerial } from '../stream/keyed-serial.ts';
import { StepHistory } from '../stream/step-history.ts';
import { TelemetrySink } from '../stream/telemetry-sink.ts';
import type { TimeSlicer } from '../stream/time-slicer.ts';
import { SweepsService } from '../sweeps/service.ts';

declare module 'fastify' {
  interface FastifyInstance {
    hub: StreamHub;
    pool: JobPool;
    dispatcher: Dispatcher;
    sink: TelemetrySink;
    runs: RunsService;
    /** The recorded steps joining stream subscribers replay: one read per page however many join at once. */
    stepHistory: StepHistory;
    sweeps: SweepsService;
  }
}

export interface RuntimeOptions {
  config: Config;
  /** Worker module override (tests). */
  workerFile?: string;
  /** The streams' turns (app.ts), in which the step history encodes the pages it reads. */
  slicer?: TimeSlicer;
}

/**
 * Of the shutdown grace, the time running jobs may go on; the rest (a quarter, at most 3 s) is kept for
 * stopping them, putting them back in the queue and closing, so the process exits within the grace. Measured
 * after a 10 s grace's drain (test/service/faults.test.ts, both databases): stopping a job 0.16–0.28 s, the
 * pool 0.16–0.63 s, the embedded database 0.16–0.23 s on a loaded machine, and once 3.7 s for all of it in a CI
 * run, which a 2 s reserve did not cover.
 */
export const drainMs = (graceMs: number): number => graceMs - Math.min(3000, Math.floor(graceMs / 4));

/**
 * The training pool, its threads started on the first job or by `startNow` (once the service listens),
 * whichever comes first. Each thread's start (loading the core, compiling its WASM kernels) costs about a
 * CPU second, most of a cold start's that /readyz would otherwise wait for on two cores.
 */
function startedOnDemand(size: number, create: () => JobPool): JobPool & { startNow(): void } {
  let pool: JobPool | null = null;
  const started = () => {
    pool ??= create();
    return pool;
  };
  return {
    size,
    get active() {
      return pool?.active ?? 0;
    },
    get helpers() {
      return pool?.helpers ?? 0;
    },
    start: (runId, spec, onBatch) => started().start(runId, spec, onBatch),
    evaluate: (body) => started().evaluate(body),
    offLoop: (file, name, task, transferList) => started().offLoop(file, name, task, transferList),
    admitRun: (body, budget) => started().admitRun(body, budget),
    theory: (task) => started().theory(task),
    close: async () => pool?.close(),
    startNow: () => void started(),
  };
}

export const runtimePlugin = fp<RuntimeOptions>(
  async (app, { config, workerFile, slicer }) => {
    const store = app.store;
    const hub = new StreamHub();
    const sink = new TelemetrySink(store, hub, {
      onPersisted: (runId, from, to) => app.notifier.progress(runId, from, to),
      isTransient: isDatabaseUnavailable,
      outageMaxMs: config.DB_OUTAGE_MAX_MS,
      backlogMaxBytes: config.TELEMETRY_BACKLOG_MB * 2 ** 20,
      onBackpressure: (runId, hold) => {
        app.log.warn(
          { runId },
          hold ? 'statistics backlog full: holding the job' : 'backlog written: job resumes',
        );
        dispatcher.holdLocal(runId, hold);
      },
      onWriteFailed: (runId, err) => dispatcher.writeFailed(runId, err),
    });
    const pool = startedOnDemand(config.WORKERS, () =>
      createJobPool({
        size: config.WORKERS,
        workerFile,
        maxOldGenerationSizeMb: config.WORKER_MAX_MEMORY_MB,
        niceIncrement: config.WORKER_NICE,
        splitMinMultiplyAdds: config.SPLIT_PRODUCTS ? config.SPLIT_MIN_MULTIPLY_ADDS : null,
      }),
    );
    // Lifecycle events read the run back from the database; chain them per run so that 'started' is
    // never published after 'finished' when the two reads complete out of order.
    const lifecycle = new KeyedSerial();
    const publish = (id: string, event: 'started' | 'finished') =>
      lifecycle.run(id, async () => {
        const run = await store.getRunHeader(id);
        if (!run) return;
        const item = toListItem(run);
        hub.publishRunEvent(event, item);
        app.notifier.lifecycle(event, item);
      });
    const dispatcher = new Dispatcher(
      store,
      pool,
      sink,
      {
        started: (id) =>
          void publish(id, 'started').catch((e) => app.log.error({ err: e, runId: id }, 'publish failed')),
        finished: (id) =>
          void publish(id, 'finished').catch((e) => app.log.error({ err: e, runId: id }, 'publish failed')),
        jobEnded: (kind, status, seconds) => app.metrics.jobEnded(kind, status, seconds),
        error: (err, context) => app.log.error({ err }, context),
      },
      {
        owner: config.INSTANCE_ID,
        leaseMs: config.LEASE_MS,
        pollMs: config.POLL_MS,
        maxAttempts: config.MAX_ATTEMPTS,
        isTransient: isDatabaseUnavailable,
        outageMaxMs: config.DB_OUTAGE_MAX_MS,
      },
    );
    const runs = new RunsService(store, hub, dispatcher, pool, {
      queueMaxDepth: config.QUEUE_MAX_DEPTH,
      budget: DEFAULT_BUDGET,
      retryAfterSeconds: 5,
    });
    app.decorate('hub', hub);
    app.decorate('sink', sink);
    app.decorate('pool', pool);
    app.decorate('dispatcher', dispatcher);
    app.decorate('runs', runs);
    app.decorate(
      'stepHistory',
      // A page's rows are encoded in the streams' turns (slicer), not in one stretch when its read answers.
      new StepHistory((runId, fromStep, limit) => store.readSteps(runId, { fromStep, limit }), {
        pace: slicer && ((piece) => slicer.run(piece)),
      }),
    );
    const sweeps = new SweepsService(
      { ...app.sweepStore, getRun: (id) => store.getRun(id) },
      hub,
      dispatcher,
      {
        maxPoints: config.SWEEP_MAX_POINTS,
        defaultMaxConcurrent: config.SWEEP_MAX_CONCURRENT,
        maxQueuedPoints: config.SWEEP_QUEUE_MAX_POINTS,
        budget: DEFAULT_BUDGET,
        sweepBudget: DEFAULT_SWEEP_BUDGET,
        retryAfterSeconds: 5,
      },
      (err, context) => app.log.error({ err }, context),
    );
    sweeps.start();
    app.decorate('sweeps', sweeps);
    app.notifier.attach(hub, store);

    app.addHook('onReady', async () => {
      if (app.database.kind === 'pglite') {
        // Only one process can open an embedded database: whatever is 'running' was left by a previous one.
        const n = await store.expireAllLeases();
        if (n > 0) app.log.warn({ runs: n }, 'recovering runs left running by a previous process');
      }
      dispatcher.start();
    });
    // Listening first: the threads then boot on the cores while /readyz already answers.
    app.addHook('onListen', async () => {
      setImmediate(() => pool.startNow());
    });
    // The threads are ended while the HTTP server closes (fastify closes it between preClose and onClose).
    let poolClosed: Promise<void> = Promise.resolve();
    app.addHook('preClose', async () => {
      sweeps.stop();
      const started = Date.now();
      const jobs = dispatcher.runningCount;
      await dispatcher.stop(drainMs(config.SHUTDOWN_GRACE_MS));
      app.log.info({ jobs, ms: Date.now() - started }, 'jobs stopped');
      poolClosed = pool.close();
    });
    app.addHook('onClose', async () => {
      await poolClosed;
    });
  },
  { name: 'runtime', dependencies: ['database', 'metrics'] },
);
