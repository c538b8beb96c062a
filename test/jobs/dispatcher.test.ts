// The dispatcher's stop reasons with fakes: a job that ends by itself is stored; a user's cancel is stored as
// cancelled; a shutdown keeps the statistics and re-queues; a lost lease stores nothing; an outage re-queues;
// a failed outcome drops its statistics; a failed flush fails the run.
import { afterEach, describe, expect, it } from 'vitest';
import { OutageTooLongError } from '../../src/db/retry.ts';
import { Dispatcher } from '../../src/jobs/dispatcher.ts';
import type { JobResult } from '../../src/jobs/messages.ts';
import type { JobPool, RunningJob } from '../../src/jobs/pool.ts';
import type { ClaimedRun, RunOutcome } from '../../src/model/run.ts';
import type { QueueStore } from '../../src/model/store.ts';
import type { TelemetrySink } from '../../src/stream/telemetry-sink.ts';

const trainResult = (status: 'succeeded' | 'cancelled'): JobResult => ({
  status,
  summary: {
    stepsCompleted: status === 'succeeded' ? 10 : 3,
    totalSteps: 10,
    final: { loss: 0.5, trainAccuracy: 0.9, testAccuracy: null, testLoss: null },
    divergence: null,
    lsuv: null,
  },
  diagnosis: null,
  weights: { initial: new Float64Array(2), final: new Float64Array(2) },
});

/** One queued run, a pool whose job ends when the test (or a cancel) says, and stores that record every call. */
function rig() {
  const calls = {
    finished: [] as RunOutcome[],
    released: [] as string[],
    discarded: [] as string[],
    closed: [] as string[],
  };
  const held = { lease: true, cancelRequested: false, closeFails: false };
  const queued: ClaimedRun[] = [
    { id: 'r1', spec: { kind: 'train', network: { layers: [{}] } } as never, attempts: 0 },
  ];
  const store: QueueStore = {
    claimRuns: async () => queued.splice(0),
    renewLeases: async (_owner, ids) => (held.lease ? ids : []),
    cancelRequestedAmong: async (ids) => (held.cancelRequested ? ids : []),
    releaseRun: async (id) => void calls.released.push(id),
    finishRun: async (_id, _owner, outcome) => calls.finished.push(outcome) > 0,
    failExhausted: async () => [],
  };
  let end: (r: JobResult) => void = () => {};
  const job: RunningJob = {
    done: new Promise<JobResult>((resolve) => (end = resolve)),
    cancel: () => end(trainResult('cancelled')),
    pause() {},
  };
  const pool = { size: 1, active: 0, start: () => job } as unknown as JobPool;
  const sink = {
    open() {},
    enqueue() {},
    close: async (id: string) => {
      calls.closed.push(id);
      if (held.closeFails) throw new Error('disk full');
    },
    discard: (id: string) => void calls.discarded.push(id),
  } as unknown as TelemetrySink;
  const ended: string[] = [];
  const started: string[] = [];
  const events = {
    started: (id: string) => void started.push(id),
    finished() {},
    jobEnded: (_kind: string, status: string) => void ended.push(status),
    error() {},
  };
  const d = new Dispatcher(store, pool, sink, events, {
    owner: 'me',
    leaseMs: 150,
    pollMs: 20,
    maxAttempts: 3,
  });
  const until = async (what: () => boolean) => {
    for (let i = 0; i < 400 && !what(); i++) await new Promise((r) => setTimeout(r, 5));
    expect(what()).toBe(true);
  };
  const idle = () => until(() => d.runningCount === 0);
  return {
    d,
    calls,
    held,
    ended,
    started,
    end: (r: JobResult) => end(r),
    until,
    idle,
  };
}

let current: ReturnType<typeof rig> | null = null;
afterEach(async () => {
  await current?.d.stop(0);
  current = null;
});

describe('dispatcher stop reasons', () => {
  it('none: a job that ends by itself has its statistics flushed and its outcome stored', async () => {
    const t = (current = rig());
    t.d.start();
    await t.until(() => t.started.length === 1);
    t.end(trainResult('succeeded'));
    await t.idle();
    expect(t.calls.closed).toEqual(['r1']);
    expect(t.calls.finished).toHaveLength(1);
    expect(t.calls.finished[0]).toMatchObject({
      status: 'succeeded',
      summary: { stepsCompleted: 10, totalSteps: 10 },
    });
    expect(t.calls.released).toEqual([]);
    expect(t.ended).toEqual(['succeeded']);
  });

  it('user: a cancel (local, or requested through the store) is stored as cancelled', async () => {
    const t = (current = rig());
    t.d.start();
    await t.until(() => t.started.length === 1);
    t.held.cancelRequested = true; // another instance's API took the cancel: the heartbeat finds it
    await t.idle();
    expect(t.calls.finished.map((o) => o.status)).toEqual(['cancelled']);
    expect(t.calls.released).toEqual([]);
    expect(t.ended).toEqual(['cancelled']);
  });

  it('shutdown: past the grace time the job is stopped, what it recorded kept, and the run re-queued', async () => {
    const t = (current = rig());
    t.d.start();
    await t.until(() => t.started.length === 1);
    await t.d.stop(30);
    expect(t.d.runningCount).toBe(0);
    expect(t.calls.closed).toEqual(['r1']);
    expect(t.calls.released).toEqual(['r1']);
    expect(t.calls.finished).toEqual([]);
    expect(t.ended).toEqual([]);
  });

  it('lost: a lease another instance took over stops the job and stores nothing', async () => {
    const t = (current = rig());
    t.d.start();
    await t.until(() => t.started.length === 1);
    t.held.lease = false;
    await t.idle();
    expect(t.calls.discarded).toEqual(['r1']);
    expect(t.calls.finished).toEqual([]);
    expect(t.calls.released).toEqual([]);
    expect(t.ended).toEqual([]);
  });

  it('outage: statistics that could not be stored stop the job and give the run back to the queue', async () => {
    const t = (current = rig());
    t.d.start();
    await t.until(() => t.started.length === 1);
    t.d.writeFailed('r1', new Error('a write that is not an outage'));
    expect(t.d.runningCount).toBe(1);
    t.d.writeFailed('r1', new OutageTooLongError(700_000, new Error('ECONNREFUSED')));
    await t.idle();
    expect(t.calls.discarded).toEqual(['r1']);
    expect(t.calls.released).toEqual(['r1']);
    expect(t.calls.finished).toEqual([]);
    expect(t.ended).toEqual([]);
  });

  it('a failed outcome (a spec the core rejected) drops its statistics and is stored as the worker shaped it', async () => {
    const t = (current = rig());
    t.d.start();
    await t.until(() => t.started.length === 1);
    const failed: JobResult = {
      status: 'failed',
      error: { code: 'invalid_spec', message: 'init.weights: no' },
    };
    t.end(failed);
    await t.idle();
    expect(t.calls.discarded).toEqual(['r1']);
    expect(t.calls.closed).toEqual([]);
    expect(t.calls.finished).toEqual([failed]);
    expect(t.ended).toEqual(['failed']);
  });

  it('statistics that cannot be flushed fail the run with telemetry_write_failed instead of its outcome', async () => {
    const t = (current = rig());
    t.held.closeFails = true;
    t.d.start();
    await t.until(() => t.started.length === 1);
    t.end(trainResult('succeeded'));
    await t.idle();
    expect(t.calls.finished).toEqual([
      {
        status: 'failed',
        error: { code: 'telemetry_write_failed', message: 'storing statistics failed: Error: disk full' },
      },
    ]);
    expect(t.ended).toEqual(['failed']);
  });
});
