// Carries live messages between instances that share one Postgres (LISTEN/NOTIFY), so a client can
// stream a run from any instance. Payloads stay tiny (ids and step numbers; the 8,000-byte NOTIFY limit):
// receivers read the rows from the database and publish them to their own hub.

import { histogramSettings } from '../model/run.ts';
import type { RunStore } from '../model/store.ts';
import { toListItem } from '../schemas/run-view.ts';
import type { RunListItem } from '../schemas/runs.ts';
import type { LifecycleEvent, StreamHub } from './hub.ts';
import { KeyedSerial } from './keyed-serial.ts';
import { encodeStep } from './step-encoding.ts';

export interface Notifier {
  /** Steps fromStep…toStep of the run were just persisted (by this instance). */
  progress(runId: string, fromStep: number, toStep: number): void;
  lifecycle(event: LifecycleEvent, run: RunListItem): void;
  /** Where remote messages go. */
  attach(hub: StreamHub, store: RunStore): void;
  close(): Promise<void>;
}

/** One process (embedded database): nothing to carry. */
export const localNotifier: Notifier = {
  progress() {},
  lifecycle() {},
  attach() {},
  async close() {},
};

export type NotifyMessage =
  | { t: 'p'; i: string; run: string; from: number; to: number }
  | { t: 'l'; i: string; run: string; e: LifecycleEvent };

/**
 * Applies a message from another instance to the local hub: fetches newly persisted steps for runs
 * that have local subscribers, and re-reads runs whose lifecycle changed.
 */
export class RemoteRelay {
  private readonly lastRelayed = new Map<string, number>();
  private readonly perRun = new KeyedSerial();

  constructor(
    private readonly hub: StreamHub,
    private readonly store: RunStore,
    private readonly onError: (e: unknown) => void,
  ) {}

  handle(m: NotifyMessage): void {
    // Per run, handle messages in order (step fetches must not overtake each other).
    this.perRun.run(m.run, () => this.apply(m)).catch(this.onError);
  }

  private async apply(m: NotifyMessage): Promise<void> {
    if (m.t === 'l') {
      this.lastRelayed.delete(m.run);
      if (m.e === 'deleted') return;
      const run = await this.store.getRunHeader(m.run);
      if (run) this.hub.publishRunEvent(m.e, toListItem(run));
      return;
    }
    if (!this.hub.hasSubscribers(m.run)) return;
    const after = this.lastRelayed.get(m.run) ?? m.from - 1;
    if (m.to <= after) return;
    const run = await this.store.getRun(m.run);
    if (!run) return;
    const rows = await this.store.readSteps(m.run, { fromStep: after + 1, toStep: m.to });
    const meta = histogramSettings(run.spec);
    this.hub.publishSteps(
      m.run,
      rows.map((r) => encodeStep(r, run.layerCount, meta)),
    );
    this.lastRelayed.set(m.run, m.to);
  }
}
