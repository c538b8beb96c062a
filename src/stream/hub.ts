// In-process fan-out of live run messages: step payloads per run, status changes, and the lifecycle firehose.
// Steps are published only after they are persisted, which is what lets a subscriber replay history
// from the database and then switch to live messages without a gap (see run-session.ts).
import type { RunListItem } from '../schemas/runs.ts';
import type { SweepEvent, SweepListItem, SweepPoint } from '../schemas/sweeps.ts';
import type { StepPayload } from './step-encoding.ts';

export interface RunListener {
  steps(steps: StepPayload[]): void;
  status(run: RunListItem): void;
  end(run: RunListItem): void;
}

export type LifecycleEvent = 'created' | 'started' | 'progress' | 'finished' | 'deleted';
export type FirehoseListener = (event: LifecycleEvent, run: RunListItem) => void;

/** A sweep's subscriber: each finished point's row, then the end. */
export interface SweepListener {
  point(point: SweepPoint): void;
  end(sweep: SweepListItem): void;
}
export type SweepFirehoseListener = (event: SweepEvent, sweep: SweepListItem, point?: SweepPoint) => void;

export class StreamHub {
  private readonly runs = new Map<string, Set<RunListener>>();
  private readonly firehose = new Set<FirehoseListener>();
  private readonly observers = new Set<FirehoseListener>();
  private readonly sweeps = new Map<string, Set<SweepListener>>();
  private readonly sweepFirehose = new Set<SweepFirehoseListener>();

  subscribe(runId: string, listener: RunListener): () => void {
    let set = this.runs.get(runId);
    if (!set) {
      set = new Set();
      this.runs.set(runId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.runs.delete(runId);
    };
  }

  /** A WebSocket client's subscription to every run's lifecycle (counted in subscriberCount). */
  subscribeFirehose(listener: FirehoseListener): () => void {
    this.firehose.add(listener);
    return () => this.firehose.delete(listener);
  }

  /**
   * The same events for a consumer inside the service (the sweeps' point rows, the history summaries): not a
   * client, so not counted in subscriberCount.
   */
  observeLifecycle(listener: FirehoseListener): () => void {
    this.observers.add(listener);
    return () => this.observers.delete(listener);
  }

  subscribeSweep(sweepId: string, listener: SweepListener): () => void {
    let set = this.sweeps.get(sweepId);
    if (!set) {
      set = new Set();
      this.sweeps.set(sweepId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.sweeps.delete(sweepId);
    };
  }

  subscribeSweepFirehose(listener: SweepFirehoseListener): () => void {
    this.sweepFirehose.add(listener);
    return () => this.sweepFirehose.delete(listener);
  }

  /** A sweep lifecycle event: to the firehose, and as point/end to the sweep's own subscribers. */
  publishSweepEvent(event: SweepEvent, sweep: SweepListItem, point?: SweepPoint): void {
    for (const l of this.sweepFirehose) l(event, sweep, point);
    for (const l of this.sweeps.get(sweep.id) ?? []) {
      if (event === 'point' && point) l.point(point);
      else if (event === 'finished' || event === 'deleted') l.end(sweep);
    }
  }

  /** Whether anyone on this instance listens to the sweep's points (its stream, or the firehose). */
  hasSweepListeners(sweepId: string): boolean {
    return this.sweepFirehose.size > 0 || this.sweeps.has(sweepId);
  }

  /** Whether anyone on this instance listens to the run (so remote steps need fetching). */
  hasSubscribers(runId: string): boolean {
    return this.runs.has(runId);
  }

  get subscriberCount(): number {
    let n = this.firehose.size + this.sweepFirehose.size;
    for (const set of this.runs.values()) n += set.size;
    for (const set of this.sweeps.values()) n += set.size;
    return n;
  }

  publishSteps(runId: string, steps: StepPayload[]): void {
    if (steps.length === 0) return;
    for (const l of this.runs.get(runId) ?? []) l.steps(steps);
  }

  /** A lifecycle event: to the firehose, and as status/end to the run's own subscribers. */
  publishRunEvent(event: LifecycleEvent, run: RunListItem): void {
    for (const l of this.observers) l(event, run);
    for (const l of this.firehose) l(event, run);
    if (event === 'progress' || event === 'created') return;
    for (const l of this.runs.get(run.id) ?? []) {
      if (event === 'finished' || event === 'deleted') l.end(run);
      else l.status(run);
    }
  }
}
