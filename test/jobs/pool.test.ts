// The worker pool runs real jobs on worker threads: records arrive before `done`, cancel, crashes.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrainRunSpec } from '../../src/core/index.ts';
import type { RecordBatch } from '../../src/jobs/messages.ts';
import { createJobPool } from '../../src/jobs/pool.ts';
import { CRASH_SEED } from '../fixtures/crashing-worker.ts';

const spec = (steps: number, seed = 0): TrainRunSpec => ({
  kind: 'train',
  seed,
  network: {
    inputSize: 2,
    layers: [
      { units: 8, activation: 'tanh' },
      { units: 1, activation: 'sigmoid' },
    ],
    loss: 'binary_cross_entropy',
  },
  init: { weights: { scheme: 'xavier_normal' }, seed: 1 },
  data: { source: 'circles', n: 100, seed: 1 },
  training: { optimizer: { kind: 'sgd', lr: 0.1 }, steps },
  telemetry: { every: 1 },
});

describe('job pool', () => {
  const pool = createJobPool({
    size: 2,
    workerFile: fileURLToPath(new URL('../fixtures/crashing-worker.ts', import.meta.url)),
    flushMaxRecords: 50,
  });
  afterAll(() => pool.close());

  it('delivers every record batch before done resolves', async () => {
    const steps: number[] = [];
    const job = pool.start('r1', spec(300), (b: RecordBatch) => steps.push(...b.steps));
    const result = await job.done;
    expect(result).toMatchObject({ status: 'succeeded', summary: { stepsCompleted: 300, totalSteps: 300 } });
    expect(steps).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });

  it('cancels a running job within a step', async () => {
    let seen = 0;
    const job = pool.start('r2', spec(1_000_000), (b) => {
      seen += b.steps.length;
      if (seen >= 100) job.cancel();
    });
    const result = await job.done;
    expect(result).toMatchObject({ status: 'cancelled', summary: { totalSteps: 1_000_000 } });
  });

  it('pauses a job between steps after handing over its records, resumes it, and cancels it while paused', async () => {
    const steps: number[] = [];
    let job: ReturnType<typeof pool.start> | undefined;
    const paused = new Promise<void>((resolve) => {
      job = pool.start('r6', spec(1_000_000), (b) => {
        steps.push(...b.steps);
        if (steps.length >= 100 && steps.length - b.steps.length < 100) {
          job?.pause(true);
          resolve();
        }
      });
    });
    await paused;
    // Whatever was recorded before the pause took effect arrives (one last flush); then nothing more.
    let atPause = -1;
    for (let i = 0; i < 50 && atPause !== steps.length; i++) {
      atPause = steps.length;
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(steps.length).toBe(atPause);
    job?.pause(false);
    await new Promise((r) => setTimeout(r, 300));
    expect(steps.length).toBeGreaterThan(atPause);
    job?.pause(true);
    await new Promise((r) => setTimeout(r, 200));
    job?.cancel();
    const result = await job?.done;
    expect(result).toMatchObject({ status: 'cancelled', summary: { totalSteps: 1_000_000 } });
    expect(steps).toEqual(Array.from({ length: steps.length }, (_, i) => i));
  });

  it('a crashing worker fails only its job; the pool keeps running others', async () => {
    const crash = pool.start('r3', spec(10, CRASH_SEED), () => {});
    const fine = pool.start('r4', spec(50), () => {});
    await expect(crash.done).rejects.toThrow();
    const ok = await fine.done;
    expect(ok).toMatchObject({ status: 'succeeded', summary: { stepsCompleted: 50 } });
    const after = await pool.start('r5', spec(5), () => {}).done;
    expect(after).toMatchObject({ status: 'succeeded', summary: { stepsCompleted: 5 } });
  });
});

/** Nice value of each thread of this process by thread id (Linux: field 19 of /proc/self/task/<tid>/stat). */
function threadNiceValues(): Map<number, number> {
  return new Map(
    readdirSync('/proc/self/task').map((tid) => {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
      return [Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])];
    }),
  );
}

describe.skipIf(process.platform !== 'linux')('job pool priority', () => {
  it('runs its training threads niceIncrement below the process; the main thread keeps its priority', async () => {
    const mainNice = threadNiceValues().get(process.pid) ?? Number.NaN;
    const lowered = () =>
      [...threadNiceValues().values()].filter((n) => n === Math.min(19, mainNice + 7)).length;
    const before = lowered();
    const pool = createJobPool({ size: 2, niceIncrement: 7 });
    try {
      // Threads start lazily; a job on each makes sure both exist and have run their start-up.
      await Promise.all([pool.start('n1', spec(5), () => {}).done, pool.start('n2', spec(5), () => {}).done]);
      // Each worker thread, plus any helper thread it starts afterwards (they inherit its nice value).
      expect(lowered() - before).toBeGreaterThanOrEqual(2);
      expect(threadNiceValues().get(process.pid)).toBe(mainNice);
    } finally {
      await pool.close();
    }
  });

  it('refuses a nice increment outside 0–19', () => {
    expect(() => createJobPool({ size: 1, niceIncrement: 20 })).toThrow(
      'createJobPool: niceIncrement must be an integer in [0, 19], got 20',
    );
  });
});

describe('job pool: evaluate', () => {
  const pool = createJobPool({ size: 1 });
  afterAll(() => pool.close());

  it('answers an evaluate with its JSON as UTF-8 bytes that own their buffer (moved to the loop, not a string)', async () => {
    const request = {
      network: { inputSize: 1, layers: [{ units: 1, activation: 'linear' }], loss: 'mse' },
      weights: [{ W: [[2]], b: [0.5] }],
      features: [[3], [-1]],
      labels: [[0], [1]],
    };
    const out = await pool.evaluate(new Uint8Array(Buffer.from(JSON.stringify(request))));
    if (out.kind !== 'answer') throw new Error(`expected an answer, got ${JSON.stringify(out)}`);
    expect(out.json).toBeInstanceOf(Uint8Array);
    expect(out.json.byteLength).toBe(out.json.buffer.byteLength);
    expect(JSON.parse(Buffer.from(out.json).toString('utf8')).outputs).toEqual([[6.5], [-1.5]]);
  });
});
