// GET /v1/runs/:id/history: what a chart needs of a run in one request — downsampled on the server, min/max kept,
// columnar, gzip-compressed when accepted. A page loads it, then streams live steps `from` its lastStep.
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  HISTORY_DEFAULT_FIELDS,
  type History,
  HistoryQuerySchema,
  HistorySchema,
} from '../schemas/history.ts';
import { ProblemSchema } from '../schemas/problem.ts';
import { RunIdParamsSchema } from '../schemas/runs.ts';
import { HistoryBuilder } from './history-buckets.ts';

const gzipAsync = promisify(gzip);
/** Rows read per query: bounds the memory of a long run's read (a 50-layer row is ~3.6 KB). */
const CHUNK_ROWS = 1000;
/** Below this a body is sent as is: compressing it costs more than it saves. */
const GZIP_ABOVE_BYTES = 8 * 1024;

export const historyRoutes: FastifyPluginAsyncZod = async (app) => {
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
      const total = await app.store.countSteps(run.id, from, to);
      const builder = new HistoryBuilder(total, points, run.layerCount, fields);
      // Exactly the `total` steps counted (a running run records more meanwhile: the stream brings those).
      let next = from;
      let lastStep: number | null = null;
      for (let read = 0; read < total; ) {
        const limit = Math.min(CHUNK_ROWS, total - read);
        const rows = await app.store.readSteps(run.id, { fromStep: next, toStep: to, limit });
        if (rows.length === 0) break;
        for (const row of rows) builder.add(row);
        read += rows.length;
        lastStep = rows[rows.length - 1].step;
        next = lastStep + 1;
      }
      const body: History = {
        runId: run.id,
        fields,
        layerCount: run.layerCount,
        totalSteps: total,
        ...builder.finish(),
        lastStep,
      };
      // Serialized here (typed by History above) to compress it: a Buffer or string bypasses the response serializer.
      const json = JSON.stringify(body);
      reply.type('application/json; charset=utf-8').header('vary', 'accept-encoding');
      if (json.length > GZIP_ABOVE_BYTES && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
        return reply.header('content-encoding', 'gzip').send((await gzipAsync(json)) as never);
      }
      return reply.send(json as never);
    },
  );
};
