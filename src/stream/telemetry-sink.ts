// Batches per-step statistics from running jobs into the database, then publishes them live.
// Persist-then-publish is what gives stream subscribers their gap-free seam (see run-session.ts).
// Through a database outage it keeps every row: it retries, holds the job once a run's backlog passes a
// bound (backpressure), and gives up only when the outage outlasts its limit (the run is then re-queued).
import { type RetryOptions, retrying } from '../db/retry.ts';
import type { HistogramSettings, StepRow } from '../model/run.ts';
import type { StepStore } from '../model/store.ts';
import type { StreamHub } from './hub.ts';
import { encodeStep } from './step-encoding.ts';

export interface SinkOptions {
  /** Write pending rows at least this often (ms)… */
  flushMs?: number;
  /** …or as soon as this many are pending for a run. */
  maxRows?: number;
  /** Called after rows are persisted (e.g. to tell other instances through NOTIFY). */
  onPersisted?(runId: string, fromStep: number, toStep: number): void;
  /** Errors meaning "the database is unreachable right now": retried for up to outageMaxMs. */
  isTransient?(err: unknown): boolean;
  /** How long an outage may last before the sink gives a run up (default 10 min). */
  outageMaxMs?: number;
  /** A run's unwritten rows beyond this many bytes hold its job until they are written (default 32 MiB). */
  backlogMaxBytes?: number;
  /** The job must hold (true) or may go on (false): its backlog passed the bound, or drained. */
  onBackpressure?(runId: string, hold: boolean): void;
  /** Writing the run's rows failed for good (the run cannot go on here). */
  onWriteFailed?(runId: string, err: Error): void;
}

/**
 * Rows per insert statement. What a slice costs this event loop is building its parameters (run-steps.ts: the
 * statistics as one binary bytea, no base64 or JSON since 2026-12-02). `npm run bench:limits` (BENCHMARKS.md,
 * 50-layer rows, load 3.5–6): loop busy ≈ 5 ms per 250-row statement, 6.5–9 ms per 500, 14–28 ms per 1,000,
 * 40–92 ms per 2,500; rows/s peaks at 500–1,000. 500 keeps a turn under 10 ms on a quiet machine.
 */
const WRITE_SLICE = 500;

/** Non-transient errors: 6 tries (≈ 6 s). Transient ones: every ≤ 5 s until outageMaxMs. */
const WRITE_RETRY = { attempts: 6, baseMs: 100, maxDelayMs: 5000 };

/** What a row holds in memory, roughly: its float32 statistics plus the object around them. */
const rowBytes = (r: StepRow) => 96 + r.layers.byteLength + (r.histograms?.byteLength ?? 0);

interface RunChannel {
  layerCount: number;
  histogram: HistogramSettings | null;
  pending: StepRow[];
  /** The chain of writes for this run, so batches land and publish in order. */
  writing: Promise<void>;
  timer: NodeJS.Timeout | null;
  failed: Error | null;
  /** A write is chained that has not taken its rows yet. */
  queued: boolean;
  /** Bytes of rows received and not yet written (pending, or taken by a write still retrying). */
  backlogBytes: number;
  /** The job is being held because of the backlog. */
  holding: boolean;
}

export class TelemetrySink {
  private readonly runs = new Map<string, RunChannel>();
  /** Layer-steps (rows × layers) persisted since start, for metrics. */
  layerStepsWritten = 0;
  rowsWritten = 0;

  constructor(
    private readonly store: StepStore,
    private readonly hub: StreamHub,
    private readonly options: SinkOptions = {},
  ) {}

  open(runId: string, layerCount: number, histogram: HistogramSettings | null): void {
    this.runs.set(runId, {
      layerCount,
      histogram,
      pending: [],
      writing: Promise.resolve(),
      timer: null,
      failed: null,
      queued: false,
      backlogBytes: 0,
      holding: false,
    });
  }

  enqueue(runId: string, rows: StepRow[]): void {
    const ch = this.runs.get(runId);
    if (!ch) return; // closed or discarded (e.g. its lease was lost): late batches are dropped

    ch.pending.push(...rows);
    for (const r of rows) ch.backlogBytes += rowBytes(r);
    if (!ch.holding && ch.backlogBytes > this.backlogMaxBytes) {
      ch.holding = true;
      this.options.onBackpressure?.(runId, true);
    }
    if (ch.pending.length >= (this.options.maxRows ?? 2000)) this.write(runId, ch);
    else ch.timer ??= setTimeout(() => this.write(runId, ch), this.options.flushMs ?? 200);
  }

  /** Writes everything pending for the run and waits for it; throws if any write of the run failed. */
  async close(runId: string): Promise<void> {
    const ch = this.runs.get(runId);
    if (!ch) return;
    this.write(runId, ch);
    await ch.writing;
    this.runs.delete(runId);
    if (ch.failed) throw ch.failed;
  }

  /** Drops a run's pending rows (e.g. its lease was lost to another instance). */
  discard(runId: string): void {
    const ch = this.runs.get(runId);
    if (ch?.timer) clearTimeout(ch.timer);
    this.runs.delete(runId);
  }

  private get backlogMaxBytes(): number {
    return this.options.backlogMaxBytes ?? 32 * 2 ** 20;
  }

  private get retry(): RetryOptions {
    const { isTransient, outageMaxMs } = this.options;
    return isTransient
      ? { ...WRITE_RETRY, transient: { test: isTransient, maxMs: outageMaxMs ?? 600_000 } }
      : WRITE_RETRY;
  }

  get pendingRows(): number {
    let n = 0;
    for (const ch of this.runs.values()) n += ch.pending.length;
    return n;
  }

  private write(runId: string, ch: RunChannel): void {
    if (ch.timer) clearTimeout(ch.timer);
    ch.timer = null;
    if (ch.pending.length === 0 || ch.queued) return;
    ch.queued = true;
    ch.writing = ch.writing.then(async () => {
      // Let timers and requests run between writes: encoding a slice is synchronous, so a chain of
      // back-to-back inserts would starve lease renewals and HTTP while a fast run records.
      await new Promise((r) => setImmediate(r));
      ch.queued = false;
      // Take everything pending now (when writes fall behind, batches merge instead of queueing up), and
      // store it in slices with a turn of the event loop between them, so no single slice holds it long.
      const all = ch.pending;
      ch.pending = [];
      for (let i = 0; i < all.length && !ch.failed; i += WRITE_SLICE) {
        if (i > 0) await new Promise((r) => setImmediate(r));
        const rows = all.slice(i, i + WRITE_SLICE);
        // A database outage should not cost the run: retry (the job is held meanwhile if the backlog grows).
        try {
          await retrying(() => this.store.insertSteps(runId, rows), this.retry);
        } catch (e) {
          ch.failed = e instanceof Error ? e : new Error(String(e));
          if (this.runs.get(runId) === ch) this.options.onWriteFailed?.(runId, ch.failed);
          return;
        }
        for (const r of rows) ch.backlogBytes -= rowBytes(r);
        if (ch.holding && ch.backlogBytes <= this.backlogMaxBytes / 4) {
          ch.holding = false;
          this.options.onBackpressure?.(runId, false);
        }
        this.rowsWritten += rows.length;
        this.layerStepsWritten += rows.length * ch.layerCount;
        // Encoding a 50-layer row costs ≈ 0.1–0.3 ms of this loop: only for a run someone here listens to (a
        // subscriber joining later replays these rows from the database; other instances are told below).
        if (this.hub.hasSubscribers(runId)) {
          this.hub.publishSteps(
            runId,
            rows.map((r) => encodeStep(r, ch.layerCount, ch.histogram)),
          );
        }
        this.options.onPersisted?.(runId, rows[0].step, rows[rows.length - 1].step);
      }
    });
  }
}
