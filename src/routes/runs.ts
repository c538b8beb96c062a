// /v1/runs: submit, list, read, metrics (JSON, or CSV/NDJSON exports), model, cancel, delete. Thin: validate, call, reply.
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { compiledSerializerCompiler } from '../http/compiled-serializer.ts';
import { exactSerializerCompiler } from '../http/exact-serializer.ts';
import { bodyFailureError, keepRawJsonBodies, validateExcept, validatePart } from '../http/json-body.ts';
import { isFinal } from '../model/status.ts';
import type { StepCounts } from '../runs/metrics.ts';
import { storableText } from '../schemas/common.ts';
import { ProblemSchema } from '../schemas/problem.ts';
import { linksOf, toRun } from '../schemas/run-view.ts';
import {
  CancelRunResponseSchema,
  CreateRunResponseSchema,
  type ExportFormat,
  ListRunsQuerySchema,
  MetricsCountHeadersSchema,
  type MetricsQuery,
  MetricsQuerySchema,
  MetricsSchema,
  ModelSchema,
  RunIdParamsSchema,
  RunListSchema,
  RunSchema,
} from '../schemas/runs.ts';
import { RunSpecSchema } from '../schemas/specs.ts';
import { admitRunRequest } from './read-body.ts';

const problems = {
  400: ProblemSchema,
  404: ProblemSchema,
  409: ProblemSchema,
  422: ProblemSchema,
  429: ProblemSchema,
};

/** RFC 7240 `Prefer: wait=N` (and `respond-async`, which is the default anyway). */
const PreferWaitSchema = z
  .string()
  .regex(/^\s*(respond-async|wait=\d+)(\s*,\s*(respond-async|wait=\d+))*\s*$/, 'expected e.g. "wait=10"')
  .optional();

/** The seconds a `Prefer: wait=N` asks for, capped by the server's limit; null without one. */
function preferredWait(prefer: string | undefined, maxSeconds: number): number | null {
  const wait = /wait=(\d+)/.exec(prefer ?? '');
  return wait ? Math.min(Number(wait[1]), maxSeconds) : null;
}

export const CreateHeadersSchema = z.object({
  'idempotency-key': storableText(1, 200)
    .optional()
    .describe(
      'Resubmitting with the same key returns the same run instead of creating another (409 if the body differs).',
    ),
  prefer: PreferWaitSchema.describe(
    '`wait=N`: hold the answer up to N seconds (capped by WAIT_MAX_SECONDS) until the run finishes.',
  ),
});

export const runRoutes: FastifyPluginAsyncZod<{ waitMaxSeconds: number }> = async (app, opts) => {
  // Its body (inline data: up to BODY_LIMIT_BYTES) is admitted off the event loop when large or when its data are
  // generated in many rows (read-body.ts); the headers are validated after the body, the order fastify validates
  // them in, and before the budget and the core's checks, as they were when those ran in the service.
  await app.register(async (scope) => {
    keepRawJsonBodies(scope);
    scope.post(
      '/v1/runs',
      {
        schema: {
          tags: ['runs'],
          summary: 'Submit a run (train, probe or gradcheck)',
          description:
            'Validates the spec and its compute budget, stores the run as queued and answers 202 with its id and links. ' +
            'With `Prefer: wait=N` the answer waits up to N s and is 200 with the final run when it finished in time.',
          headers: CreateHeadersSchema,
          body: RunSpecSchema,
          response: { 200: RunSchema, 202: CreateRunResponseSchema, ...problems },
        },
        validatorCompiler: validateExcept('body', 'headers'),
        serializerCompiler: exactSerializerCompiler,
      },
      async (req, reply) => {
        const admission = await admitRunRequest(app.pool, req.body, app.runs.budget);
        if (admission.kind === 'refused') throw bodyFailureError(admission.failure);
        const headers = validatePart(CreateHeadersSchema, req.headers, 'headers');
        const key = headers['idempotency-key'] ?? null;
        const { run, created } = await app.runs.create(admission, key);
        reply.header('location', linksOf(run.id).self);
        const seconds = preferredWait(headers.prefer, opts.waitMaxSeconds);
        if (seconds !== null) {
          const after = await app.runs.waitForFinal(run.id, seconds * 1000);
          if (isFinal(after.status)) {
            reply.header('preference-applied', `wait=${seconds}`);
            return reply.status(200).send(toRun(after));
          }
          return reply.status(202).send({ id: after.id, status: after.status, links: linksOf(after.id) });
        }
        // 202 for a new run, and for an idempotent resubmission (the same run, whatever its status now).
        if (!created) reply.header('idempotent-replayed', 'true');
        return reply.status(202).send({ id: run.id, status: run.status, links: linksOf(run.id) });
      },
    );
  });

  app.get(
    '/v1/runs',
    {
      schema: {
        tags: ['runs'],
        summary: 'List runs, newest first',
        querystring: ListRunsQuerySchema,
        response: { 200: RunListSchema, 400: ProblemSchema },
      },
    },
    async (req) => app.runs.list(req.query),
  );

  app.get(
    '/v1/runs/:id',
    {
      schema: {
        tags: ['runs'],
        summary: 'A run: spec, status, timings, summary, diagnosis, result, error',
        description:
          'With `Prefer: wait=N` the answer waits up to N s (capped by WAIT_MAX_SECONDS) for the run to reach a ' +
          'final status, then answers with the run as it is (`Preference-Applied: wait=N`): a long poll.',
        params: RunIdParamsSchema,
        headers: z.object({
          prefer: PreferWaitSchema.describe(
            '`wait=N`: hold the answer up to N seconds until the run is final (answered at once if it is).',
          ),
        }),
        response: { 200: RunSchema, 400: ProblemSchema, 404: ProblemSchema },
      },
      // The API's most frequent read: its 200 written by a serializer compiled from RunSchema, without zod's
      // check of every answer (the same bytes; the spec was checked when submitted, results as they are read).
      serializerCompiler: compiledSerializerCompiler('200'),
    },
    async (req, reply) => {
      const seconds = preferredWait(req.headers.prefer, opts.waitMaxSeconds);
      if (seconds === null) return toRun(await app.runs.get(req.params.id));
      reply.header('preference-applied', `wait=${seconds}`);
      return toRun(await app.runs.waitForFinal(req.params.id, seconds * 1000));
    },
  );

  app.get(
    '/v1/runs/:id/metrics',
    {
      schema: {
        tags: ['runs'],
        summary: 'Recorded per-step statistics: JSON columns for charts, or a CSV / NDJSON export',
        description:
          'JSON (the default) is columnar for charts and holds at most 10,000 steps (2,000 by default). ' +
          '`format=csv` or `format=ndjson` (or `Accept: text/csv` / `application/x-ndjson`) streams an export with ' +
          'every recorded step of [from, to] unless `maxPoints` asks for fewer, in the `layout` asked for ' +
          '(long: a row per step × layer; wide: a row per step). Column names are unique: `globalGradNorm` is the ' +
          "whole network's gradient norm, `gradNorm` (long) or `layer<L>_gradNorm` (wide) a layer's. CSV leaves " +
          'missing values (not applicable, not evaluated, NaN) empty and writes ±Infinity as `inf`/`-inf`; NDJSON ' +
          'writes null for them. Every answer says whether it was thinned in its Gradscope-* response headers.',
        params: RunIdParamsSchema,
        querystring: MetricsQuerySchema,
        response: {
          200: {
            description: 'The statistics in the format asked for (see the Gradscope-* headers for thinning).',
            headers: MetricsCountHeadersSchema,
            content: {
              'application/json': { schema: MetricsSchema },
              'text/csv': { schema: z.string().describe('A header line, then one line per row.') },
              'application/x-ndjson': { schema: z.string().describe('One JSON object per row and line.') },
            },
          },
          400: ProblemSchema,
          404: ProblemSchema,
        },
      },
    },
    async (req, reply) => {
      const format = metricsFormat(req.query.format, req.headers.accept);
      reply.header('vary', 'accept');
      if (format === 'json') {
        // HEAD: the counts only (the answer's bytes are not written to be discarded).
        if (req.method === 'HEAD') {
          countHeaders(reply, await app.runs.metricsCounts(req.params.id, req.query));
          return reply.type('application/json; charset=utf-8').send('' as never);
        }
        const m = await app.runs.metrics(req.params.id, req.query);
        countHeaders(reply, m.counts);
        reply.type('application/json; charset=utf-8');
        // 10,000 points of every statistic took 300+ ms to stringify in one turn: written on the evaluate thread
        // (runs/metrics-json.ts), the same bytes as JSON.stringify of the answer.
        return reply.send(Buffer.from(m.json.buffer, m.json.byteOffset, m.json.byteLength) as never);
      }
      const e = await app.runs.exportMetrics(req.params.id, req.query, format);
      countHeaders(reply, e.counts);
      reply.type(e.contentType).header('content-disposition', `attachment; filename="${e.filename}"`);
      // HEAD: the counts only (fastify would drain a stream, reading the whole export to discard it).
      if (req.method === 'HEAD') return reply.send('' as never);
      return reply.send(Readable.from(e.chunks, { objectMode: false }) as never);
    },
  );

  app.get(
    '/v1/runs/:id/model',
    {
      schema: {
        tags: ['runs'],
        summary: 'Initial and final weights as JSON matrices',
        params: RunIdParamsSchema,
        response: { 200: ModelSchema, 400: ProblemSchema, 404: ProblemSchema },
      },
      serializerCompiler: exactSerializerCompiler,
    },
    async (req) => app.runs.model(req.params.id),
  );

  app.post(
    '/v1/runs/:id/cancel',
    {
      schema: {
        tags: ['runs'],
        summary: 'Cancel a queued or running run',
        description: 'A queued run is cancelled at once; a running one stops before its next step (202).',
        params: RunIdParamsSchema,
        response: {
          200: CancelRunResponseSchema,
          202: CancelRunResponseSchema,
          400: ProblemSchema,
          404: ProblemSchema,
          409: ProblemSchema,
        },
      },
    },
    async (req, reply) => {
      const run = await app.runs.cancel(req.params.id);
      const done = run.status === 'cancelled';
      return reply.status(done ? 200 : 202).send({
        id: run.id,
        status: run.status,
        cancelRequested: true,
        message: done ? 'the run was cancelled' : 'the run stops before its next step',
      });
    },
  );

  app.delete(
    '/v1/runs/:id',
    {
      schema: {
        tags: ['runs'],
        summary: 'Delete a finished run with all its statistics and weights',
        params: RunIdParamsSchema,
        response: {
          204: z.null().describe('Deleted.'),
          400: ProblemSchema,
          404: ProblemSchema,
          409: ProblemSchema,
        },
      },
    },
    async (req, reply) => {
      await app.runs.remove(req.params.id);
      return reply.status(204).send(null);
    },
  );
};

/** The format asked for: `format` if given, else from Accept (CSV or NDJSON named and JSON not), else JSON. */
function metricsFormat(format: MetricsQuery['format'], accept = ''): 'json' | ExportFormat {
  if (format) return format;
  if (/application\/json/.test(accept)) return 'json';
  if (/\btext\/csv\b/.test(accept)) return 'csv';
  if (/\bapplication\/(x-ndjson|jsonl)\b/.test(accept)) return 'ndjson';
  return 'json';
}

function countHeaders(reply: FastifyReply, c: StepCounts): void {
  reply.header('gradscope-recorded-steps', String(c.recordedSteps));
  reply.header('gradscope-returned-steps', String(c.returnedSteps));
  reply.header('gradscope-downsampled', String(c.downsampled));
}
