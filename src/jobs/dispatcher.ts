// Per instance: claims queued runs up to the pool's free workers, runs them, keeps their leases alive,
// honours cancel requests, stores their outcome, and on shutdown finishes or re-queues what runs.
import { OutageTooLongError, retrying } from '../db/retry.ts';
import { type ClaimedRun, histogramSettings, type RunOutcome } from '../model/run.ts';
import type { FinalStatus } from '../model/status.ts';
import type { QueueStore } from '../model/store.ts';
import type { TelemetrySink } from '../stream/telemetry-sink.ts';
import { rowsFromBatch } from './messages.ts';
import type { JobPool, RunningJob } from './pool.ts';

export interface DispatcherEvents {
  started(id: string): void;
  finished(id: string): void;
  /** A job of this instance ended with a final status (not when re-queued). */
  jobEnded(kind: string, status: FinalStatus, seconds: number): void;
  error(err: unknown, context: string): void;
}

export interface DispatcherOptions {
  owner: string;
  leaseMs: number;
  pollMs: number;
  maxAttempts: number;
  /** Errors meaning "the database is unreachable right now": store writes retry them for outageMaxMs. */
  isTransient?(err: unknown): boolean;
  /** How long a database outage may last before a run is given back to the queue (default 10 min). */
  outageMaxMs?: number;
}

interface Execution {
  job: RunningJob;
  /**
   * Why the job was stopped: a user's cancel, this instance shutting down, its lease lost to another, or
   * a database outage longer than outageMaxMs (its statistics could not be stored).
   */
  reason: 'none' | 'user' | 'shutdown' | 'lost' | 'outage';
  done: Promise<void>;
}

export class Dispatcher {
  private readonly running = new Map<string, Execution>();
  private stopping = false;
  private pollTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private wakeRequested = false;
  /** When failExhausted last ran: at most once per pollMs, not on every wake (a finished job wakes too). */
  private exhaustedCheckedAt = 0;

  constructor(
    private readonly store: QueueStore,
    private readonly pool: JobPool,
    private readonly sink: TelemetrySink,
    private readonly events: DispatcherEvents,
    private readonly options: DispatcherOptions,
  ) {}

  get runningCount(): number {
    return this.running.size;
  }

  start(): void {
    this.pollTimer = setInterval(() => this.wake(), this.options.pollMs);
    this.heartbeatTimer = setInterval(
      () => void this.heartbeat(),
      Math.max(50, Math.floor(this.options.leaseMs / 3)),
    );
    this.wake();
  }

  /** Look for work now (called on a timer, and when a run is created on this instance). */
  wake(): void {
    if (this.stopping) return;
    if (this.ticking) {
      this.wakeRequested = true;
      return;
    }
    this.ticking = this.tick()
      .catch((e) => this.events.error(e, 'claiming runs'))
      .finally(() => {
        this.ticking = null;
        if (this.wakeRequested) {
          this.wakeRequested = false;
          this.wake();
        }
      });
  }

  /** Holds a running job between steps (its statistics cannot be stored fast enough), or lets it go on. */
  holdLocal(id: string, hold: boolean): void {
    this.running.get(id)?.job.pause(hold);
  }

  /** The run's statistics cannot be stored: after an outage, stop it here and give it back to the queue. */
  writeFailed(id: string, err: Error): void {
    const ex = this.running.get(id);
    if (!ex || !(err instanceof OutageTooLongError) || ex.reason !== 'none') return;
    ex.reason = 'outage';
    ex.job.cancel();
  }

  /** Cancels a run if it runs here; returns whether it did. */
  cancelLocal(id: string): boolean {
    const ex = this.running.get(id);
    if (!ex) return false;
    ex.reason = 'user';
    ex.job.cancel();
    return true;
  }

  /**
   * Stops claiming; lets running jobs finish for up to graceMs, then stops them and re-queues them
   * (they restart from step 0 elsewhere; stored steps are kept and duplicates ignored).
   */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    await this.ticking;
    const all = () => Promise.all([...this.running.values()].map((e) => e.done));
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'timeout'>((r) => {
      timer = setTimeout(() => r('timeout'), graceMs);
    });
    if ((await Promise.race([all(), graceOver])) === 'timeout') {
      for (const ex of this.running.values()) {
        if (ex.reason === 'none') ex.reason = 'shutdown';
        ex.job.cancel();
      }
      await all();
    }
    clearTimeout(timer);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
  }

  private async tick(): Promise<void> {
    if (Date.now() - this.exhaustedCheckedAt >= this.options.pollMs) {
      this.exhaustedCheckedAt = Date.now();
      for (const id of await this.store.failExhausted(this.options.maxAttempts)) this.events.finished(id);
    }
    const free = this.pool.size - this.running.size;
    if (free <= 0 || this.stopping) return;
    const claimed = await this.store.claimRuns(
      this.options.owner,
      free,
      this.options.leaseMs,
      this.options.maxAttempts,
      [...this.running.keys()],
    );
    for (const run of claimed) if (!this.running.has(run.id)) this.execute(run);
  }

  private execute(run: ClaimedRun): void {
    const spec = run.spec;
    this.sink.open(run.id, spec.network.layers.length, histogramSettings(spec));
    const started = Date.now();
    const job = this.pool.start(run.id, spec, (batch) => this.sink.enqueue(run.id, rowsFromBatch(batch)));
    const ex: Execution = { job, reason: 'none', done: Promise.resolve() };
    ex.done = job.done
      .then(
        (outcome) => this.complete(run.id, ex, outcome),
        (err: unknown) => this.crashed(run.id, err),
      )
      .then((status) => {
        if (status) this.events.jobEnded(spec.kind, status, (Date.now() - started) / 1000);
      })
      .catch((e) => this.events.error(e, `finishing run ${run.id}`))
      .finally(() => {
        this.running.delete(run.id);
        this.events.finished(run.id);
        this.wake();
      });
    this.running.set(run.id, ex);
    this.events.started(run.id);
  }

  /** Stores the job's outcome; returns its status, or null when the run went back to the queue. */
  private async complete(id: string, ex: Execution, outcome: RunOutcome): Promise<FinalStatus | null> {
    if (ex.reason === 'lost') {
      // Another instance owns the run now: store nothing (every write would be fenced off anyway).
      this.sink.discard(id);
      return null;
    }
    if (ex.reason === 'outage') {
      // Some recorded steps never reached the database: the run restarts from step 0 (deterministic for its
      // seed; stored steps are kept, duplicates ignored). If the database is still away, the lease expires
      // and the run is taken over the same way.
      this.sink.discard(id);
      await this.retryingWrite(`re-queueing run ${id} after a database outage`, () =>
        this.store.releaseRun(id, this.options.owner),
      ).catch((e) => this.events.error(e, `re-queueing run ${id}`));
      return null;
    }
    if (outcome.status === 'cancelled' && ex.reason === 'shutdown') {
      // Keep what was recorded (the run restarts from step 0 elsewhere; duplicates are ignored), then re-queue.
      await this.sink.close(id).catch((e) => this.events.error(e, `flushing statistics of run ${id}`));
      await this.retryingWrite(`re-queueing run ${id}`, () => this.store.releaseRun(id, this.options.owner));
      return null;
    }
    if (outcome.status === 'failed') this.sink.discard(id);
    else {
      try {
        await this.sink.close(id);
      } catch (e) {
        const message = `storing statistics failed: ${String(e)}`;
        outcome = { status: 'failed', error: { code: 'telemetry_write_failed', message } };
      }
    }
    await this.finish(id, outcome);
    return outcome.status;
  }

  private finish(id: string, outcome: RunOutcome): Promise<boolean> {
    return this.retryingWrite(`storing the outcome of run ${id}`, () =>
      this.store.finishRun(id, this.options.owner, outcome),
    );
  }

  /**
   * Retries a store write through a database outage — transient errors for up to outageMaxMs, others 7
   * times (backoff 250 ms … 8 s, about 16 s in all) — so a finished job's outcome survives a restart of
   * Postgres or a cut network.
   */
  private retryingWrite<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const { isTransient, outageMaxMs } = this.options;
    return retrying(fn, {
      attempts: 7,
      baseMs: 125,
      maxDelayMs: 8000,
      transient: isTransient && { test: isTransient, maxMs: outageMaxMs ?? 600_000 },
      onRetry: (e, attempt) => this.events.error(e, `${what} (attempt ${attempt}, retrying)`),
    });
  }

  private async crashed(id: string, err: unknown): Promise<FinalStatus> {
    this.sink.discard(id);
    const message = err instanceof Error ? err.message : String(err);
    await this.finish(id, {
      status: 'failed',
      error: { code: 'worker_crashed', message: `the worker running this job failed: ${message}` },
    });
    return 'failed';
  }

  private async heartbeat(): Promise<void> {
    const ids = [...this.running.keys()];
    if (ids.length === 0) return;
    try {
      const held = new Set(await this.store.renewLeases(this.options.owner, ids, this.options.leaseMs));
      for (const id of ids) {
        if (!held.has(id)) {
          // Another instance took the run over (our lease expired): stop, store nothing.
          const ex = this.running.get(id);
          if (ex) {
            ex.reason = 'lost';
            ex.job.cancel();
          }
        }
      }
      for (const id of await this.store.cancelRequestedAmong(ids)) this.cancelLocal(id);
    } catch (e) {
      this.events.error(e, 'renewing leases');
    }
  }
}
