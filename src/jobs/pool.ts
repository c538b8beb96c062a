// The worker-thread pool (piscina) that runs jobs on the core: start, stream records, cancel, evaluate.

import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { RunSpec } from '../core/index.ts';
import type { BudgetLimits } from '../model/budget.ts';
import { HelperLender } from './lender.ts';
import {
  type AdmitRunTask,
  CONTROL_CANCEL,
  CONTROL_PAUSE,
  CONTROL_SLOTS,
  type EvaluateBodyOutcome,
  type GemmHelperTask,
  type JobResult,
  type JobTask,
  type PortMessage,
  type RecordBatch,
  type TheoryOutcome,
  type TheoryTask,
} from './messages.ts';
import type { RunAdmission } from './run-admission.ts';

export interface JobPoolOptions {
  /** Worker threads (≥ 1). */
  size: number;
  /** The worker module (default: ./worker.ts); tests substitute one that can crash on purpose. */
  workerFile?: string;
  /** Per-worker V8 heap limit in MB; a worker beyond it dies and only its job fails. */
  maxOldGenerationSizeMb?: number;
  /**
   * Added to the training threads' nice value (0–19; default 0). Training is throughput work that can
   * wait a few milliseconds; the event loop answering the API and storing statistics cannot, so the
   * service runs its workers below itself. Linux applies nice per thread; piscina sets it through its
   * optional @napi-rs/nice addon. The evaluate thread keeps the API's priority (it answers a request).
   */
  niceIncrement?: number;
  flushIntervalMs?: number;
  flushMaxRecords?: number;
  /**
   * Two threads for one run: while the pool has an idle worker, a running job borrows it to compute half of
   * each matrix product with at least this many multiply-adds; a job submitted takes it back at the next
   * product boundary. Undefined or null: every job computes on its own thread only.
   */
  splitMinMultiplyAdds?: number | null;
  /** Called when the record listener throws (the batch is dropped, the job goes on). */
  onBatchError?(err: unknown, runId: string): void;
}

export interface RunningJob {
  /** Settles after the worker returned AND every record batch was delivered to onBatch. */
  done: Promise<JobResult>;
  /** Asks the job to stop before its next step (it then resolves as cancelled); wakes it if paused. */
  cancel(): void;
  /** Holds the job before its next step (after posting what it recorded), or lets it go on. */
  pause(paused: boolean): void;
}

export interface JobPool {
  readonly size: number;
  /** Jobs running or queued inside piscina. */
  readonly active: number;
  /** Workers lent to running jobs as helper threads for their matrix products (see splitMinMultiplyAdds). */
  readonly helpers: number;
  start(runId: string, spec: RunSpec, onBatch: (batch: RecordBatch) => void): RunningJob;
  /** POST /v1/evaluate from its raw JSON body (transferred: the caller must not use it again). */
  evaluate(body: Uint8Array): Promise<EvaluateBodyOutcome>;
  /** Admits a run from its JSON body on the evaluate thread (run-admission.ts; the body is transferred). */
  admitRun(body: Uint8Array, budget: BudgetLimits): Promise<RunAdmission>;
  /**
   * Runs the function `name` exported by the module `file` on the evaluate thread: how a layer above this one
   * moves its own work off the event loop (sweeps/admission.ts) without this layer importing it.
   */
  offLoop<T>(file: string, name: string, task: unknown, transferList: ArrayBuffer[]): Promise<T>;
  /** POST /v1/theory's computation, on a thread of its own (started on first use, stopped when idle). */
  theory(task: TheoryTask): Promise<TheoryOutcome>;
  close(): Promise<void>;
}

export function createJobPool(options: JobPoolOptions): JobPool {
  if (!Number.isInteger(options.size) || options.size < 1) {
    throw new Error(`createJobPool: size must be a positive integer, got ${options.size}`);
  }
  const niceIncrement = options.niceIncrement ?? 0;
  if (!Number.isInteger(niceIncrement) || niceIncrement < 0 || niceIncrement > 19) {
    throw new Error(`createJobPool: niceIncrement must be an integer in [0, 19], got ${niceIncrement}`);
  }
  const filename = options.workerFile ?? fileURLToPath(new URL('./worker.ts', import.meta.url));
  const piscina = new Piscina({
    filename,
    minThreads: options.size,
    maxThreads: options.size,
    idleTimeout: Number.POSITIVE_INFINITY,
    niceIncrement,
    resourceLimits: options.maxOldGenerationSizeMb
      ? { maxOldGenerationSizeMb: options.maxOldGenerationSizeMb }
      : undefined,
  });
  // /v1/evaluate answers in milliseconds; behind hours-long training jobs it would wait for a free
  // worker, so it gets a thread of its own (started on first use, stopped when idle). Large JSON request
  // bodies are read there too, off the event loop (http/json-body.ts).
  const evaluator = new Piscina({ filename, minThreads: 0, maxThreads: 1, idleTimeout: 60_000 });
  // /v1/theory's grids take seconds: a thread of their own, so that they never hold up an evaluate.
  const theorist = new Piscina({ filename, minThreads: 0, maxThreads: 1, idleTimeout: 60_000 });
  let active = 0;
  const lender = new HelperLender(
    options.size,
    () => active,
    (offer) => piscina.run(offer satisfies GemmHelperTask, { name: 'gemmHelper' }),
  );

  return {
    size: options.size,
    get active() {
      return active;
    },
    get helpers() {
      return lender.helpers;
    },
    start(runId, spec, onBatch) {
      const { port1, port2 } = new MessageChannel();
      const control = new Int32Array(new SharedArrayBuffer(CONTROL_SLOTS * 4));
      // The port's 'done' is the worker's last message; the task result may overtake the batches
      // (they travel on different channels), so `done` waits for both.
      let ended = false;
      let endLending: (() => void) | undefined;
      const portDone = new Promise<void>((resolve) => {
        port1.on('message', (m: PortMessage) => {
          if (m.type === 'helper') {
            if (!ended) endLending = lender.add(m.offer);
          } else if (m.type !== 'records') resolve();
          else {
            // A listener error must not escape into the event loop (it would take the process down).
            try {
              onBatch(m);
            } catch (err) {
              options.onBatchError?.(err, runId);
            }
          }
        });
        port1.on('close', () => resolve());
      });
      const task: JobTask = {
        runId,
        spec,
        control,
        port: port2,
        flushIntervalMs: options.flushIntervalMs ?? 100,
        flushMaxRecords: options.flushMaxRecords ?? 500,
        splitMinMultiplyAdds: options.splitMinMultiplyAdds ?? null,
      };
      active++;
      lender.reclaim();
      const result = piscina.run(task, { transferList: [port2] }) as Promise<JobResult>;
      const done = result
        .then(async (r) => {
          await portDone;
          return r;
        })
        .finally(() => {
          ended = true;
          active--;
          endLending?.();
          lender.lend();
          port1.close();
        });
      // The worker waits on the pause slot: every change of either slot wakes it to look again.
      const set = (slot: number, value: number) => {
        Atomics.store(control, slot, value);
        Atomics.notify(control, CONTROL_PAUSE);
      };
      return {
        done,
        cancel: () => set(CONTROL_CANCEL, 1),
        pause: (paused) => set(CONTROL_PAUSE, paused ? 1 : 0),
      };
    },
    evaluate(body) {
      return evaluator.run(
        { body },
        { name: 'evaluateBody', transferList: [body.buffer as ArrayBuffer] },
      ) as Promise<EvaluateBodyOutcome>;
    },
    admitRun(body, budget) {
      const task: AdmitRunTask = { body, budget };
      return evaluator.run(task, {
        name: 'admitRun',
        transferList: [body.buffer as ArrayBuffer],
      }) as Promise<RunAdmission>;
    },
    offLoop<T>(file: string, name: string, task: unknown, transferList: ArrayBuffer[]) {
      return evaluator.run(task, { filename: file, name, transferList }) as Promise<T>;
    },
    theory(task) {
      return theorist.run(task, { name: 'theory' }) as Promise<TheoryOutcome>;
    },
    async close() {
      await Promise.all([piscina.destroy(), evaluator.destroy(), theorist.destroy()]);
    },
  };
}
