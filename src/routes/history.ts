// GET /v1/runs/:id/history: what a chart needs of a run in one request — downsampled on the server, min/max kept,
// columnar, gzip-compressed when accepted. A page loads it, then streams live steps `from` its lastStep.
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { RunRecord } from '../model/run.ts';
import { isFinal } from '../model/status.ts';
import {
  HISTORY_DEFAULT_FIELDS,
  type History,
  HistoryQuerySchema,
  HistorySchema,
} from '../schemas/history.ts';
import { ProblemSchema } from '../schemas/problem.ts';
import { RunIdParamsSchema } from '../schemas/runs.ts';
import { HistoryBuilder, LruCache } from './history-buckets.ts';

const gzipAsync = promisify(gzip);
/** Rows read per query: bounds the memory of a long run's read (a 50-layer row is ~3.6 KB). */
const CHUNK_ROWS = 1000;
/** Answers of finished runs kept in memory (a 50-layer, 2,000-point answer is ~4 MB of JSON, ~1 MB gzipped). */
const CACHED_ANSWERS = 16;
/** Below this a body is sent as is: compressing it costs more than it saves. */
const GZIP_ABOVE_BYTES = 8 * 1024;

export const historyRoutes: FastifyPluginAsyncZod = async (app) => {
  const finished = new LruCache<string, { json: string; gzip: Buffer | null }>(CACHED_ANSWERS);

  /** Reads exactly the `total` steps counted (a running run records more meanwhile: the stream brings those). */
  async function readHistory(
    run: RunRecord,
    q: { from?: number; to?: number; points: number; fields: History['fields'] },
  ): Promise<History> {
    const { count: total } = await app.store.stepSpan(run.id, q.from, q.to);
    const builder = new HistoryBuilder(total, q.points, run.layerCount, q.fields);
    let next = q.from;
    let lastStep: number | null = null;
    for (let read = 0; read < total; ) {
      const limit = Math.min(CHUNK_ROWS, total - read);
      const rows = await app.store.readSteps(run.id, { fromStep: next, toStep: q.to, limit });
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

  app.get(
    '/v1/runs/:id/history',
    {
      schema: {
        tags: ['runs'],
        summary: 'Recorded statistics downsampled for charts (min/max preserving, columnar, gzip)',
        description:
          'Reads every recorded step in [from, to] and returns at most `points` points: the whole history of a long ' +
          'run in one compact answer, spikes included. Ask again with from/to for full resolution of a zoomed range. ' +
          'Then follow live steps with the run stream `?from=lastStep` (the last point comes again, in full).',
        params: RunIdParamsSchema,
        querystring: HistoryQuerySchema,
        response: { 200: HistorySchema, 400: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (req, reply) => {
      const run = await app.runs.get(req.params.id);
      const { from, to, points } = req.query;
      const fields = req.query.fields ?? [...HISTORY_DEFAULT_FIELDS];
      // A finished run's history never changes: its answer is kept (a deleted run is a 404 above, first).
      const key = `${run.id}|${from}|${to}|${fields.join(',')}|${points}`;
      let answer = finished.get(key);
      if (!answer) {
        answer = { json: JSON.stringify(await readHistory(run, { from, to, points, fields })), gzip: null };
        if (isFinal(run.status)) finished.set(key, answer);
      }
      reply.type('application/json; charset=utf-8').header('vary', 'accept-encoding');
      if (
        answer.json.length > GZIP_ABOVE_BYTES &&
        /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))
      ) {
        answer.gzip ??= await gzipAsync(answer.json);
        return reply.header('content-encoding', 'gzip').send(answer.gzip as never);
      }
      // Serialized already (typed by History): a string or Buffer bypasses the response serializer.
      return reply.send(answer.json as never);
    },
  );
};
