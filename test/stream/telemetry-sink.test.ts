// The telemetry sink through a database outage: no row lost, the job held while the backlog is over its
// bound and released once written, and given up (OutageTooLongError) only past the outage limit.
import { describe, expect, it } from 'vitest';
import { FIELD_COUNT } from '../../src/core/index.ts';
import { OutageTooLongError } from '../../src/db/retry.ts';
import type { StepRow } from '../../src/model/run.ts';
import { StreamHub } from '../../src/stream/hub.ts';
import { type SinkOptions, TelemetrySink } from '../../src/stream/telemetry-sink.ts';
import { stepRow } from '../helpers/step-rows.ts';

const LAYERS = 4;
const row = (step: number) => stepRow(step, LAYERS);

class Unreachable extends Error {}

/** A step store that can be "down": every insert then fails with a transient error. */
class FlakyStore {
  down = false;
  readonly stored = new Map<number, StepRow>();
  attempts = 0;
  async insertSteps(_runId: string, rows: StepRow[]): Promise<void> {
    this.attempts++;
    await new Promise((r) => setTimeout(r, 1));
    if (this.down) throw new Unreachable('Connection terminated unexpectedly');
    for (const r of rows) if (!this.stored.has(r.step)) this.stored.set(r.step, r);
  }
}

function sinkOver(store: FlakyStore, extra: Partial<SinkOptions> = {}) {
  const events: string[] = [];
  const sink = new TelemetrySink(store, new StreamHub(), {
    flushMs: 5,
    maxRows: 50,
    isTransient: (e) => e instanceof Unreachable,
    outageMaxMs: 60_000,
    backlogMaxBytes: 100 * (96 + LAYERS * FIELD_COUNT * 4), // 100 rows
    onBackpressure: (_id, hold) => events.push(hold ? 'hold' : 'go on'),
    onWriteFailed: (_id, err) => events.push(`failed: ${err.name}`),
    ...extra,
  });
  return { sink, events };
}

const until = async (what: string, ok: () => boolean) => {
  for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!ok()) throw new Error(`timed out waiting for ${what}`);
};

describe('telemetry sink through an outage', () => {
  it('keeps every row, holds the job past the backlog bound, and lets it go on once written', async () => {
    const store = new FlakyStore();
    const { sink, events } = sinkOver(store);
    sink.open('r', LAYERS, null);
    sink.enqueue('r', [0, 1, 2, 3, 4].map(row));
    await until('the first rows', () => store.stored.size === 5);

    store.down = true;
    const tenFrom = (s: number) => Array.from({ length: 10 }, (_, i) => row(s + i));
    for (let s = 5; s < 305; s += 10) sink.enqueue('r', tenFrom(s));
    expect(events).toEqual(['hold']); // 300 unwritten rows > 100
    await until('retries during the outage', () => store.attempts > 4);
    expect(events).toEqual(['hold']);

    store.down = false;
    await until('the backlog to be written', () => store.stored.size === 305);
    await sink.close('r');
    expect(events).toEqual(['hold', 'go on']);
    expect([...store.stored.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 305 }, (_, i) => i));
  });

  it('gives the run up with OutageTooLongError only after outageMaxMs', async () => {
    const store = new FlakyStore();
    const { sink, events } = sinkOver(store, { outageMaxMs: 300 });
    sink.open('r', LAYERS, null);
    store.down = true;
    sink.enqueue('r', [row(0)]);
    await until('the sink to give up', () => events.length > 0);
    expect(events).toEqual(['failed: OutageTooLongError']);
    expect(store.attempts).toBeGreaterThan(1);
    await expect(sink.close('r')).rejects.toBeInstanceOf(OutageTooLongError);
  });

  it('fails a write that is not an outage after a few tries, as before', async () => {
    const store = new FlakyStore();
    store.insertSteps = async () => {
      store.attempts++;
      throw new Error('value out of range');
    };
    const { sink, events } = sinkOver(store, { isTransient: () => false });
    sink.open('r', LAYERS, null);
    sink.enqueue('r', [row(0)]);
    await expect(sink.close('r')).rejects.toThrow('value out of range');
    expect(store.attempts).toBe(6);
    expect(events).toEqual(['failed: Error']);
  });
});

describe('telemetry sink publishing', () => {
  it('encodes and publishes a run’s rows only while someone on this instance listens to it', async () => {
    const store = new FlakyStore();
    const hub = new StreamHub();
    const published: number[][] = [];
    const publishSteps = hub.publishSteps.bind(hub);
    hub.publishSteps = (runId, steps) => {
      published.push(steps.map((s) => s.step));
      publishSteps(runId, steps);
    };
    const sink = new TelemetrySink(store, hub, { flushMs: 5, maxRows: 50 });
    sink.open('r', LAYERS, null);
    sink.enqueue('r', [row(0), row(1)]);
    await until('the first rows stored', () => store.stored.size === 2);
    await new Promise((r) => setTimeout(r, 10));
    expect(published).toEqual([]);

    const received: { step: number; body: string }[] = [];
    const unsubscribe = hub.subscribe('r', { steps: (s) => received.push(...s), status() {}, end() {} });
    sink.enqueue('r', [row(2), row(3)]);
    await sink.close('r');
    unsubscribe();
    expect(published).toEqual([[2, 3]]);
    expect(received.map((s) => s.step)).toEqual([2, 3]);
    expect(JSON.parse(received[0].body).step).toBe(2);
  });
});
