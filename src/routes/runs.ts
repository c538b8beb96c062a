// /v1/runs: submit, list, read, metrics (JSON or CSV), model, cancel, delete. Thin: validate, call, reply.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { exactSerializerCompiler } from '../http/exact-serializer.ts';
import { isFinal, linksOf, toRun } from '../runs/service.ts';
import { storableText } from '../schemas/common.ts';
import { ProblemSchema } from '../schemas/problem.ts';
import {
  CancelRunResponseSchema,
  CreateRunResponseSchema,
  ListRunsQuerySchema,
  MetricsQuerySchema,
  MetricsSchema,
  ModelSchema,
  RunIdParamsSchema,
  RunListSchema,
  RunSchema,
} from '../schemas/runs.ts';
import { RunSpecSchema } from '../schemas/specs.ts';

const problems = {
  400: ProblemSchema,
  404: ProblemSchema,
  409: ProblemSchema,
  422: ProblemSchema,
  429: ProblemSchema,
};

const CreateHeadersSchema = z.object({
  'idempotency-key': storableText(1, 200)
    .optional()
    .describe(
      'Resubmitting with the same key returns the same run instead of creating another (409 if the body differs).',
    ),
  prefer: z
    .string()
    .regex(/^\s*(respond-async|wait=\d+)(\s*,\s*(respond-async|wait=\d+))*\s*$/, 'expected e.g. "wait=10"')
    .optional()
    .describe(
      '`wait=N`: hold the answer up to N seconds (capped by WAIT_MAX_SECONDS) until the run finishes.',
    ),
});

export const runRoutes: FastifyPluginAsyncZod<{ waitMaxSeconds: number }> = async (app, opts) => {
  app.post(
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
      serializerCompiler: exactSerializerCompiler,
    },
    async (req, reply) => {
      const key = req.headers['idempotency-key'] ?? null;
      const { run, created } = await app.runs.create(req.body, key);
      reply.header('location', linksOf(run.id).self);
      const wait = /wait=(\d+)/.exec(req.headers.prefer ?? '');
      if (wait) {
        const seconds = Math.min(Number(wait[1]), opts.waitMaxSeconds);
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
        params: RunIdParamsSchema,
        response: { 200: RunSchema, 400: ProblemSchema, 404: ProblemSchema },
      },
      serializerCompiler: exactSerializerCompiler,
    },
    async (req) => toRun(await app.runs.get(req.params.id)),
  );

  app.get(
    '/v1/runs/:id/metrics',
    {
      schema: {
        tags: ['runs'],
        summary: 'Recorded per-step statistics (JSON columns, or CSV with Accept: text/csv)',
        description:
          'JSON is columnar for charts. With `Accept: text/csv` the same selection comes as one row per (step, layer): ' +
          'step, loss, gradNorm, trainAccuracy, testAccuracy, layer, then the selected fields.',
        params: RunIdParamsSchema,
        querystring: MetricsQuerySchema,
        response: { 200: MetricsSchema, 400: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (req, reply) => {
      const m = await app.runs.metrics(req.params.id, req.query);
      const accept = req.headers.accept ?? '';
      if (/\btext\/csv\b/.test(accept) && !/application\/json/.test(accept)) {
        return reply
          .type('text/csv; charset=utf-8')
          .serializer((x: unknown) => x as string)
          .send(metricsCsv(m) as never);
      }
      return m;
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

type Metrics = Awaited<ReturnType<import('../runs/service.ts').RunsService['metrics']>>;

function metricsCsv(m: Metrics): string {
  const cell = (x: number | null) => (x === null ? '' : String(x));
  const lines = [
    ['step', 'loss', 'gradNorm', 'trainAccuracy', 'testAccuracy', 'layer', ...m.fields].join(','),
  ];
  m.steps.forEach((step, p) => {
    m.layers.forEach((layer, lp) => {
      const head = [
        step,
        cell(m.loss[p]),
        cell(m.gradNorm[p]),
        cell(m.trainAccuracy[p]),
        cell(m.testAccuracy[p]),
        layer,
      ];
      lines.push([...head, ...m.fields.map((_, fp) => cell(m.values[lp][fp][p]))].join(','));
    });
  });
  return `${lines.join('\n')}\n`;
}
