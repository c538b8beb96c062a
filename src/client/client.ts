// GradscopeClient: every /v1 endpoint, typed by the server's own zod schemas, answers validated on arrival.
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { z } from 'zod';
import { isFinal } from '../model/status.ts';
import { type EvaluateRequest, EvaluateResponseSchema } from '../schemas/evaluate.ts';
import {
  CancelRunResponseSchema,
  CreateRunResponseSchema,
  type ExportFormat,
  type ExportLayout,
  type ListRunsQuerySchema,
  type MetricsQuerySchema,
  MetricsSchema,
  ModelSchema,
  RunListSchema,
  RunSchema,
} from '../schemas/runs.ts';
import type { RunSpecSchema } from '../schemas/specs.ts';
import {
  CancelSweepResponseSchema,
  CreateSweepResponseSchema,
  type ListSweepsQuerySchema,
  SweepListSchema,
  type SweepRequestSchema,
  SweepSchema,
} from '../schemas/sweeps.ts';
import { type TheoryRequestSchema, TheoryResponseSchema } from '../schemas/theory.ts';
import { GradscopeError } from './errors.ts';
import { Transport, type TransportOptions } from './http.ts';
import { sleep } from './retry.ts';
import { type StreamRunOptions, type StreamSweepOptions, streamRun, streamSweep } from './stream.ts';

export type RunSpecInput = z.input<typeof RunSpecSchema>;
export type Run = z.output<typeof RunSchema>;
export type RunList = z.output<typeof RunListSchema>;
export type RunListItem = RunList['items'][number];
export type CreateRunResponse = z.output<typeof CreateRunResponseSchema>;
export type CancelRunResponse = z.output<typeof CancelRunResponseSchema>;
export type Metrics = z.output<typeof MetricsSchema>;
export type Model = z.output<typeof ModelSchema>;
export type EvaluateResponse = z.output<typeof EvaluateResponseSchema>;
export type TheoryRequest = z.input<typeof TheoryRequestSchema>;
export type TheoryResponse = z.output<typeof TheoryResponseSchema>;
export type ListQuery = Partial<Omit<z.output<typeof ListRunsQuerySchema>, 'cursor'>>;
export type MetricsQuery = Partial<
  Pick<z.output<typeof MetricsQuerySchema>, 'from' | 'to' | 'layers' | 'fields' | 'maxPoints'>
>;
export type ExportQuery = MetricsQuery & { format: ExportFormat; layout?: ExportLayout };
export type SweepRequestInput = z.input<typeof SweepRequestSchema>;
export type Sweep = z.output<typeof SweepSchema>;
export type SweepList = z.output<typeof SweepListSchema>;
export type SweepListItem = SweepList['items'][number];
export type CreateSweepResponse = z.output<typeof CreateSweepResponseSchema>;
export type CancelSweepResponse = z.output<typeof CancelSweepResponseSchema>;
export type ListSweepsQuery = Partial<Omit<z.output<typeof ListSweepsQuerySchema>, 'cursor'>>;

/** The counts every metrics answer carries (Gradscope-* headers). */
export interface ExportCounts {
  recordedSteps: number;
  returnedSteps: number;
  downsampled: boolean;
}

export interface WaitOptions {
  /** Give up with GradscopeError `timeout` after this long (default: wait forever). */
  timeoutMs?: number;
  /** Polling interval (default 500 ms, growing to 5 s). */
  pollMs?: number;
  signal?: AbortSignal;
}

/** Longest `Prefer: wait` asked at once (the server caps it too, by WAIT_MAX_SECONDS). */
const PREFER_WAIT_SECONDS = 60;

export class GradscopeClient {
  readonly transport: Transport;

  constructor(options: TransportOptions = {}) {
    this.transport = new Transport(options);
  }

  /**
   * Submits a run: 202 with its id. Always sends an Idempotency-Key (a new one unless given), so the POST is
   * retried safely and a retry never creates a second run.
   */
  submit(
    spec: RunSpecInput,
    options: { idempotencyKey?: string; signal?: AbortSignal } = {},
  ): Promise<CreateRunResponse> {
    return this.transport.json(CreateRunResponseSchema, '/v1/runs', {
      method: 'POST',
      body: spec,
      headers: { 'idempotency-key': options.idempotencyKey ?? randomUUID() },
      signal: options.signal,
    });
  }

  /**
   * Submits a run and returns it finished: `Prefer: wait` holds each answer until the run ends (resubmitting with
   * the same Idempotency-Key, which answers with the same run); when the server did not hold the answer as long as
   * asked (WAIT_MAX_SECONDS lower, or 0), polls instead.
   */
  async submitAndWait(
    spec: RunSpecInput,
    options: WaitOptions & { idempotencyKey?: string } = {},
  ): Promise<Run> {
    const key = options.idempotencyKey ?? randomUUID();
    const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
    for (;;) {
      const left = Math.ceil((deadline - Date.now()) / 1000);
      const seconds = Math.max(1, Math.min(PREFER_WAIT_SECONDS, left));
      const started = Date.now();
      const res = await this.transport.send('/v1/runs', {
        method: 'POST',
        body: spec,
        headers: { 'idempotency-key': key, prefer: `wait=${seconds}` },
        signal: options.signal,
      });
      const text = await res.text();
      if (res.status === 200) return parseWith(RunSchema, text, 'POST /v1/runs');
      const created = parseWith(CreateRunResponseSchema, text, 'POST /v1/runs');
      const heldMs = Date.now() - started;
      if (heldMs < seconds * 1000 * 0.9) {
        return this.wait(created.id, { ...options, timeoutMs: Math.max(0, deadline - Date.now()) });
      }
      if (Date.now() >= deadline) throw timeout(created.id);
    }
  }

  get(id: string, signal?: AbortSignal): Promise<Run> {
    return this.transport.json(RunSchema, `/v1/runs/${encodeURIComponent(id)}`, { signal });
  }

  /** One page of runs, newest first. */
  listPage(query: ListQuery & { cursor?: string } = {}, signal?: AbortSignal): Promise<RunList> {
    return this.transport.json(RunListSchema, '/v1/runs', { query: { ...query }, signal });
  }

  /** Every run matching the filters, newest first, fetching page after page as the loop goes. */
  async *list(query: ListQuery = {}, signal?: AbortSignal): AsyncGenerator<RunListItem, void, undefined> {
    let cursor: string | undefined;
    do {
      const page = await this.listPage({ ...query, cursor }, signal);
      yield* page.items;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  /**
   * Returns the run once it reaches a final status (succeeded, failed, cancelled, diverged): a long poll with
   * `Prefer: wait` (each GET held by the server until the run ends or its WAIT_MAX_SECONDS pass), falling back to
   * polling every `pollMs` (growing to 5 s) when the server answers without holding (`Preference-Applied` absent).
   */
  async wait(id: string, options: WaitOptions = {}): Promise<Run> {
    const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
    const path = `/v1/runs/${encodeURIComponent(id)}`;
    let interval = options.pollMs ?? 500;
    for (;;) {
      const left = Math.floor((deadline - Date.now()) / 1000);
      const seconds = Math.min(PREFER_WAIT_SECONDS, left);
      const res = await this.transport.send(path, {
        headers: seconds >= 1 ? { prefer: `wait=${seconds}` } : {},
        signal: options.signal,
      });
      const run = parseWith(RunSchema, await res.text(), `GET ${path}`);
      if (isFinal(run.status)) return run;
      const held = seconds >= 1 && /wait=[1-9]/.test(res.headers.get('preference-applied') ?? '');
      if (held) continue;
      if (Date.now() + interval > deadline) throw timeout(id);
      await sleep(interval, options.signal);
      interval = Math.min(5000, interval * 1.5);
    }
  }

  /** Cancels a queued (at once) or running (before its next step) run. Not retried: a POST without a key. */
  cancel(id: string): Promise<CancelRunResponse> {
    return this.transport.json(CancelRunResponseSchema, `/v1/runs/${encodeURIComponent(id)}/cancel`, {
      method: 'POST',
    });
  }

  /** Deletes a finished run with its statistics and weights. */
  async delete(id: string): Promise<void> {
    const res = await this.transport.send(`/v1/runs/${encodeURIComponent(id)}`, { method: 'DELETE' });
    await res.body?.cancel();
  }

  /** Recorded statistics as JSON columns for charts (at most 10,000 steps; export for all of them). */
  metrics(id: string, query: MetricsQuery = {}): Promise<Metrics> {
    return this.transport.json(MetricsSchema, `/v1/runs/${encodeURIComponent(id)}/metrics`, {
      query: { ...query, format: 'json' },
    });
  }

  /** The lossless export (every recorded step unless maxPoints thins it) as a byte stream, with its counts. */
  async export(
    id: string,
    query: ExportQuery,
  ): Promise<{ counts: ExportCounts; contentType: string; body: Readable }> {
    const accept = query.format === 'csv' ? 'text/csv' : 'application/x-ndjson';
    const res = await this.transport.send(`/v1/runs/${encodeURIComponent(id)}/metrics`, {
      query: { ...query },
      headers: { accept },
    });
    const h = res.headers;
    const counts = {
      recordedSteps: Number(h.get('gradscope-recorded-steps')),
      returnedSteps: Number(h.get('gradscope-returned-steps')),
      downsampled: h.get('gradscope-downsampled') === 'true',
    };
    const body = res.body ? Readable.fromWeb(res.body as WebReadableStream<Uint8Array>) : Readable.from([]);
    return { counts, contentType: h.get('content-type') ?? accept, body };
  }

  /** Streams the export into a file; returns its counts. */
  async exportToFile(id: string, path: string, query: ExportQuery): Promise<ExportCounts> {
    const { counts, body } = await this.export(id, query);
    await pipeline(body, createWriteStream(path));
    return counts;
  }

  /** Initial and final weights as JSON matrices (W is (out, in), as PyTorch's nn.Linear.weight). */
  model(id: string): Promise<Model> {
    return this.transport.json(ModelSchema, `/v1/runs/${encodeURIComponent(id)}/model`);
  }

  /** Outputs, loss and every gradient of your network on your batch. Stores nothing, so it is retried. */
  evaluate(
    request: z.input<typeof import('../schemas/evaluate.ts').EvaluateRequestSchema> | EvaluateRequest,
  ) {
    return this.transport.json(EvaluateResponseSchema, '/v1/evaluate', {
      method: 'POST',
      body: request,
      idempotent: true,
    });
  }

  /**
   * Mean-field theory at a point ({activation, sigmaW2, sigmaB2}) or over a grid (either an axis), or the init
   * advisor ({network, init}). Stores nothing, so it is retried.
   */
  theory(request: TheoryRequest, signal?: AbortSignal): Promise<TheoryResponse> {
    return this.transport.json(TheoryResponseSchema, '/v1/theory', {
      method: 'POST',
      body: request,
      idempotent: true,
      signal,
    });
  }

  /** The run's messages (hello, history, live steps, status, notices, end), reconnecting and resuming as needed. */
  streamRun(id: string, options: StreamRunOptions = {}) {
    return streamRun(this.transport, id, options);
  }

  /**
   * Submits a sweep: 202 with its id and point count once every point is validated and queued. Not retried (a
   * POST without an idempotency key: a retry could queue the sweep twice).
   */
  createSweep(request: SweepRequestInput, signal?: AbortSignal): Promise<CreateSweepResponse> {
    return this.transport.json(CreateSweepResponseSchema, '/v1/sweeps', {
      method: 'POST',
      body: request,
      signal,
    });
  }

  /** A sweep with its progress and results table (a row per point), and its map for trainability sweeps. */
  getSweep(id: string, signal?: AbortSignal): Promise<Sweep> {
    return this.transport.json(SweepSchema, `/v1/sweeps/${encodeURIComponent(id)}`, {
      query: { format: 'json' },
      signal,
    });
  }

  /** One page of sweeps, newest first. */
  listSweepsPage(
    query: ListSweepsQuery & { cursor?: string } = {},
    signal?: AbortSignal,
  ): Promise<SweepList> {
    return this.transport.json(SweepListSchema, '/v1/sweeps', { query: { ...query }, signal });
  }

  /** Every sweep, newest first, page after page. */
  async *listSweeps(query: ListSweepsQuery = {}, signal?: AbortSignal): AsyncGenerator<SweepListItem, void> {
    let cursor: string | undefined;
    do {
      const page = await this.listSweepsPage({ ...query, cursor }, signal);
      yield* page.items;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  /** Cancels a sweep's queued points at once and its running points before their next step. Not retried. */
  cancelSweep(id: string): Promise<CancelSweepResponse> {
    return this.transport.json(CancelSweepResponseSchema, `/v1/sweeps/${encodeURIComponent(id)}/cancel`, {
      method: 'POST',
    });
  }

  /** Deletes a finished (or cancelled and stopped) sweep with all its runs. */
  async deleteSweep(id: string): Promise<void> {
    const res = await this.transport.send(`/v1/sweeps/${encodeURIComponent(id)}`, { method: 'DELETE' });
    await res.body?.cancel();
  }

  /** The sweep's messages: hello, each finished point's row once (history, then live), end; reconnecting. */
  streamSweep(id: string, options: StreamSweepOptions = {}) {
    return streamSweep(this.transport, id, options);
  }
}

function parseWith<S extends z.ZodType>(schema: S, text: string, what: string): z.output<S> {
  const parsed = schema.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw GradscopeError.invalidResponse('response', `${what}: ${parsed.error.issues[0].message}`);
  return parsed.data;
}

function timeout(id: string): GradscopeError {
  return new GradscopeError({
    status: 0,
    code: 'timeout',
    title: 'The run did not finish in time',
    detail: `run ${id} is still going`,
  });
}
