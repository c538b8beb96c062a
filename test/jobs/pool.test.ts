// The worker pool runs real jobs on worker threads: records arrive before `done`, cancel, crashes.
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
    expect(result.kind).toBe('train');
    expect(steps).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });

  it('cancels a running job within a step', async () => {
    let seen = 0;
    const job = pool.start('r2', spec(1_000_000), (b) => {
      seen += b.steps.length;
      if (seen >= 100) job.cancel();
    });
    const result = await job.done;
    expect(result.kind === 'train' && result.status).toBe('cancelled');
  });

  it('a crashing worker fails only its job; the pool keeps running others', async () => {
    const crash = pool.start('r3', spec(10, CRASH_SEED), () => {});
    const fine = pool.start('r4', spec(50), () => {});
    await expect(crash.done).rejects.toThrow();
    const ok = await fine.done;
    expect(ok.kind === 'train' && ok.status).toBe('succeeded');
    const after = await pool.start('r5', spec(5), () => {}).done;
    expect(after.kind === 'train' && after.status).toBe('succeeded');
  });
});
