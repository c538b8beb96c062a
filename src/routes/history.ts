// GET /v1/runs/:id/history: what a chart needs of a run in one request — downsampled on the server, min/max kept,
// columnar (JSON, or typed-array blocks with Accept: application/octet-stream), gzip-compressed when accepted.
// A page loads it, then streams live steps `from` its lastStep. A finished run's whole-range answer is built once
// (when it finishes, or at its first request) and stored, so a cold open reads one row, not every step.
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { FIELD_COUNT } from '../core/index.ts';
import type { RunRecord } from '../model/run.ts';
import { isFinal } from '../model/status.ts';
import {
  HISTORY_DEFAULT_FIELDS,
  HISTORY_DEFAULT_POINTS,
  type History,
  HistoryQuerySchema,
  HistorySchema,
} from '../schemas/history.ts';
import { encodeHistory, HISTORY_BINARY_TYPE, type HistoryArrays } from '../schemas/history-binary.ts';
import { ProblemSchema } from '../schemas/problem.ts';
import { RunIdParamsSchema } from '../schemas/runs.ts';
import { HistoryBuilder, LruCache } from './history-buckets.ts';

const gzipAsync = promisify(gzip);
/**
 * Rows read per query: at most 1,000, and no more than about 1 MiB of layer statistics (a 50-layer row is 3.6 KB:
 * 291 rows). Each chunk is decoded and bucketed in one turn of the event loop, so this bounds the turn as well as
 * the memory: at 1,000 rows a 50-layer run's chunk held the loop ~30 ms.
 */
const CHUNK_ROWS = 1000;
const CHUNK_BYTES = 1024 * 1024;
const chunkRows = (layerCount: number) =>
  Math.max(1, Math.min(CHUNK_ROWS, Math.floor(CHUNK_BYTES / (4 * FIELD_COUNT * Math.max(1, layerCount)))));
/** Answers of finished runs kept in memory (a 50-layer, 2,000-point answer is ~0.8 MB binary, ~3 MB of JSON). */
const CACHED_ANSWERS = 16;
/** Whole-range answers stored per finished run (clients choose fields and points: storage stays bounded). */
const STORED_PER_RUN = 8;
/** Below this a body is sent as is: compressing it costs more than it saves. */
const GZIP_ABOVE_BYTES = 8 * 1024;

type Query = { from?: number; to?: number; points: number; fields: History['fields'] };

/** One answer, in the forms asked for so far (binary always; JSON and gzip made on first use). */
interface Answer {
  binary: Uint8Array;
  /** UTF-8, written on the evaluate thread (history-json.ts); a second request meanwhile waits for the same. */
  json?: Promise<Uint8Array>;
  gzipBinary?: Buffer;
  gzipJson?: Buffer;
}

const HISTORY_JSON = new URL('./history-json.ts', import.meta.url).href;

/** The key of a stored whole-range answer: the fields and the points. */
const summaryKey = (fields: readonly string[], points: number) => `${fields.join(',')}|${points}`;

export const historyRoutes: FastifyPluginAsyncZod = async (app) => {
  const finished = new LruCache<string, Answer>(CACHED_ANSWERS);
  /** Builds under way, by cache key: a request arriving meanwhile waits for the same one. */
  const building = new Map<string, Promise<Uint8Array>>();
  /** Set on close: a build under way stops at its next chunk instead of holding the shutdown. */
  let closing = false;

  /** Reads exactly the `total` steps counted (a running run records more meanwhile: the stream brings those). */
  async function readHistory(run: RunRecord, q: Query): Promise<HistoryArrays> {
    const { count: total } = await app.store.stepSpan(run.id, q.from, q.to);
    const chunk = chunkRows(run.layerCount);
    const builder = new HistoryBuilder(total, q.points, run.layerCount, q.fields);
    let next = q.from;
    let lastStep: number | null = null;
    for (let read = 0; read < total; ) {
      if (closing) throw new Error('history: the service is closing');
      const limit = Math.min(chunk, total - read);
      const rows = await app.store.readSteps(run.id, {
        fromStep: next,
        toStep: q.to,
        limit,
        histograms: false,
      });
      if (rows.length === 0) break;
      for (const row of rows) builder.add(row);
      read += rows.length;
      lastStep = rows[rows.length - 1].step;
      next = lastStep + 1;
    }
    return {
      runId: run.id,
      fields: q.fields,
      layerCount: run.layerCount,
      totalSteps: total,
      ...builder.finish(),
      lastStep,
    };
  }

  /**
   * The binary answer. A finished run's whole range comes from its stored summary, or is built from the steps and
   * stored; anything else is built from the steps.
   */
  async function binaryAnswer(run: RunRecord, q: Query): Promise<Uint8Array> {
    const whole = q.from === undefined && q.to === undefined;
    if (!whole || !isFinal(run.status)) return encodeHistory(await readHistory(run, q));
    const key = summaryKey(q.fields, q.points);
    const stored = await app.store.readHistorySummary(run.id, key);
    if (stored) return stored;
    const body = encodeHistory(await readHistory(run, q));
    await app.store.saveHistorySummary(run.id, key, body, STORED_PER_RUN);
    return body;
  }

  /** One build per key at a time. */
  function shared(key: string, build: () => Promise<Uint8Array>): Promise<Uint8Array> {
    let pending = building.get(key);
    if (!pending) {
      pending = build().finally(() => building.delete(key));
      building.set(key, pending);
    }
    return pending;
  }

  /** The JSON answer's bytes, written on the evaluate thread from a copy (the cached binary stays on the loop). */
  async function jsonOnThread(binary: Uint8Array): Promise<Uint8Array> {
    const copy = new Uint8Array(binary); // a copy: Buffer#slice would be a view, and the move would detach it
    const r = await app.pool.offLoop<{ json: Uint8Array }>(HISTORY_JSON, 'historyJson', copy, [
      copy.buffer as ArrayBuffer,
    ]);
    return r.json;
  }

  const cacheKey = (id: string, q: Query) => `${id}|${q.from}|${q.to}|${summaryKey(q.fields, q.points)}`;

  // The page's default answer is built as soon as a training run finishes, before anyone opens it (every
  // instance hears of it; the stored row is written once, ON CONFLICT keeps the first).
  const defaults: Query = { points: HISTORY_DEFAULT_POINTS, fields: [...HISTORY_DEFAULT_FIELDS] };
  const prepared = new Set<Promise<unknown>>();
  const unsubscribe = app.hub.observeLifecycle((event, item) => {
    if (event !== 'finished' || item.kind !== 'train') return;
    const job = app.store
      .getRun(item.id)
      .then((run) => (run ? shared(cacheKey(run.id, defaults), () => binaryAnswer(run, defaults)) : null))
      .catch((err: unknown) => app.log.warn({ err, runId: item.id }, 'history summary not prepared'))
      .finally(() => prepared.delete(job));
    prepared.add(job);
  });
  app.addHook('onClose', async () => {
    closing = true;
    unsubscribe();
    await Promise.allSettled([...prepared]);
  });

  app.get(
    '/v1/runs/:id/history',
    {
      schema: {
        tags: ['runs'],
        summary:
          'Recorded statistics downsampled for charts (min/max preserving, columnar, JSON or binary, gzip)',
        description:
          'Reads every recorded step in [from, to] and returns at most `points` points: the whole history of a long ' +
          'run in one compact answer, spikes included. Ask again with from/to for full resolution of a zoomed range. ' +
          'Then follow live steps with the run stream `?from=lastStep` (the last point comes again, in full). ' +
          'JSON by default; `Accept: application/octet-stream` gives the same numbers as typed-array blocks ' +
          '(Float64 steps, loss, gradNorm, train and test accuracy; Float32 layer values; NaN for null) after a ' +
          'small JSON header — the layout is in the README ("History, binary"). A finished run’s whole-range ' +
          'answer is stored when it finishes, so opening it never reads every step again.',
        params: RunIdParamsSchema,
        querystring: HistoryQuerySchema,
        response: {
          200: {
            description: 'The downsampled history, as JSON or in the binary columnar layout.',
            content: {
              'application/json': { schema: HistorySchema },
              [HISTORY_BINARY_TYPE]: {
                schema: z
                  .string()
                  .meta({ format: 'binary' })
                  .describe(
                    '"GSH1", uint32 header length, JSON header (with the blocks’ offsets), the blocks.',
                  ),
              },
            },
          },
          400: ProblemSchema,
          404: ProblemSchema,
        },
      },
    },
    async (req, reply) => {
      const run = await app.runs.get(req.params.id);
      const { from, to, points } = req.query;
      const q: Query = { from, to, points, fields: req.query.fields ?? [...HISTORY_DEFAULT_FIELDS] };
      // A finished run's history never changes: its answer is kept (a deleted run is a 404 above, first).
      const key = cacheKey(run.id, q);
      let answer = finished.get(key);
      if (!answer) {
        answer = { binary: await shared(key, () => binaryAnswer(run, q)) };
        if (isFinal(run.status)) finished.set(key, answer);
      }
      const binary = new RegExp(`\\b${HISTORY_BINARY_TYPE}\\b`).test(String(req.headers.accept ?? ''));
      const gzipped = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
      reply.header('vary', 'accept, accept-encoding');
      let body: Uint8Array;
      let zipped = false;
      if (binary) {
        reply.type(HISTORY_BINARY_TYPE);
        body = answer.binary;
        if (gzipped && body.byteLength > GZIP_ABOVE_BYTES) {
          body = answer.gzipBinary ??= await gzipAsync(body);
          zipped = true;
        }
      } else {
        reply.type('application/json; charset=utf-8');
        const kept = answer;
        // A failure is not kept: the next request tries again.
        body = await (kept.json ??= jsonOnThread(kept.binary).catch((err: unknown) => {
          kept.json = undefined;
          throw err;
        }));
        if (gzipped && body.byteLength > GZIP_ABOVE_BYTES) {
          body = answer.gzipJson ??= await gzipAsync(body);
          zipped = true;
        }
      }
      if (zipped) reply.header('content-encoding', 'gzip');
      // Serialized already (typed by History): a Buffer bypasses the response serializer.
      return reply.send(Buffer.from(body.buffer, body.byteOffset, body.byteLength) as never);
    },
  );
};
