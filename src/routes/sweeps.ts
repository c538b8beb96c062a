// /v1/sweeps: submit, list, read (JSON or CSV results table), cancel, delete, and the WebSocket of point results.
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { exactSerializerCompiler } from '../http/exact-serializer.ts';
import { keepRawJsonBodies, validateExcept } from '../http/json-body.ts';
import { isFinal } from '../model/status.ts';
import { ProblemSchema } from '../schemas/problem.ts';
import {
  CancelSweepResponseSchema,
  CreateSweepResponseSchema,
  ListSweepsQuerySchema,
  SweepIdParamsSchema,
  type SweepListItem,
  SweepListSchema,
  SweepQuerySchema,
  SweepRequestSchema,
  SweepSchema,
} from '../schemas/sweeps.ts';
import type { SubscriberLimit } from '../stream/subscriber-limit.ts';
import { SweepSession } from '../stream/sweep-session.ts';
import { pointsCsv, sweepLinks } from '../sweeps/results.ts';
import { admitSweepRequest } from './read-body.ts';
import { keepAlive, upgradeRequired } from './websocket.ts';

export const sweepRoutes: FastifyPluginAsyncZod<{ pingMs: number; subscribers: SubscriberLimit }> = async (
  app,
  { pingMs, subscribers },
) => {
  /** The sweep as the handshake found it (404 before upgrading when there is none): the stream's hello. */
  const hellos = new WeakMap<FastifyRequest, SweepListItem>();

  // A base spec may carry inline data: a large body is read off the event loop (read-body.ts).
  await app.register(async (scope) => {
    keepRawJsonBodies(scope);
    scope.post(
      '/v1/sweeps',
      {
        schema: {
          tags: ['sweeps'],
          summary: 'Submit a sweep (a grid over a base spec, or the trainability map)',
          description:
            'Expands the axes into points, validates every point as a run spec (a bad point is a 422 naming its index ' +
            'and the field), checks the budget of each point and of the whole sweep, then queues one run per point ' +
            '(202). Nothing is stored when any point is refused.',
          body: SweepRequestSchema,
          response: {
            202: CreateSweepResponseSchema,
            400: ProblemSchema,
            422: ProblemSchema,
            429: ProblemSchema,
          },
        },
        validatorCompiler: validateExcept('body'),
        serializerCompiler: exactSerializerCompiler,
      },
      async (req, reply) => {
        const sweep = await app.sweeps.create(await admitSweepRequest(app.pool, req.body, app.sweeps.limits));
        reply.header('location', sweepLinks(sweep.id).self);
        return reply.status(202).send({
          id: sweep.id,
          status: 'queued',
          pointCount: sweep.pointCount,
          links: sweepLinks(sweep.id),
        });
      },
    );
  });

  app.get(
    '/v1/sweeps',
    {
      schema: {
        tags: ['sweeps'],
        summary: 'List sweeps, newest first',
        querystring: ListSweepsQuerySchema,
        response: { 200: SweepListSchema, 400: ProblemSchema },
      },
    },
    async (req) => app.sweeps.list(req.query),
  );

  app.get(
    '/v1/sweeps/:id',
    {
      schema: {
        tags: ['sweeps'],
        summary: 'A sweep: progress and its results table (JSON, or CSV)',
        description:
          'The results table has a row per point: its values, status, final loss and accuracy, diagnosis verdict, ' +
          'first/last-layer gradient ratio at initialization, steps to targetLoss, divergence step. ' +
          '`format=csv` (or `Accept: text/csv`) answers the table as CSV, a column per varied field first.',
        params: SweepIdParamsSchema,
        querystring: SweepQuerySchema,
        response: {
          200: {
            description: 'The sweep (JSON) or its results table (CSV).',
            content: {
              'application/json': { schema: SweepSchema },
              'text/csv': { schema: z.string().describe('A header line, then one line per point.') },
            },
          },
          400: ProblemSchema,
          404: ProblemSchema,
        },
      },
      serializerCompiler: exactSerializerCompiler,
    },
    async (req, reply) => {
      reply.header('vary', 'accept');
      const sweep = await app.sweeps.get(req.params.id);
      const accept = req.headers.accept ?? '';
      const csv =
        req.query.format === 'csv' ||
        (req.query.format === undefined && /\btext\/csv\b/.test(accept) && !/application\/json/.test(accept));
      if (!csv) return sweep;
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="sweep-${sweep.id}.csv"`)
        .serializer((s: string) => s)
        .send(pointsCsv(sweep.fields, sweep.points) as never);
    },
  );

  app.post(
    '/v1/sweeps/:id/cancel',
    {
      schema: {
        tags: ['sweeps'],
        summary: 'Cancel a sweep: its queued points at once, its running points within a step',
        params: SweepIdParamsSchema,
        response: { 200: CancelSweepResponseSchema, 400: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (req) => {
      const { cancelled, stopping } = await app.sweeps.cancel(req.params.id);
      return {
        id: req.params.id,
        cancelled,
        stopping,
        message: `${cancelled} queued points were cancelled; ${stopping} running points stop before their next step`,
      };
    },
  );

  app.delete(
    '/v1/sweeps/:id',
    {
      schema: {
        tags: ['sweeps'],
        summary: 'Delete a finished sweep with all its runs and their data',
        params: SweepIdParamsSchema,
        response: {
          204: z.null().describe('Deleted.'),
          400: ProblemSchema,
          404: ProblemSchema,
          409: ProblemSchema,
        },
      },
    },
    async (req, reply) => {
      await app.sweeps.remove(req.params.id);
      return reply.status(204).send(null);
    },
  );

  app.route({
    method: 'GET',
    url: '/v1/sweeps/:id/stream',
    schema: {
      tags: ['streams'],
      summary: 'WebSocket: a sweep’s finished points, then each point as it finishes, then its end',
      description:
        'Messages (see SweepStreamMessage): hello, the rows of the points already final (history), then each row as ' +
        'its point finishes (live; no gap, no duplicate), then end; then the server closes (1000). At its subscriber ' +
        'limit (MAX_STREAM_SUBSCRIBERS) the server closes a new stream at once with 1013 (try again later).',
      params: SweepIdParamsSchema,
    },
    preHandler: async (req) => {
      // At the limit the upgrade is closed 1013 anyway: spare the database the read (a missing sweep is still a 404
      // once a place is free).
      if (!subscribers.full) hellos.set(req, await app.sweeps.item((req.params as { id: string }).id));
    },
    handler: upgradeRequired,
    wsHandler: (socket, req) => {
      const id = (req.params as { id: string }).id;
      const hello = hellos.get(req);
      // No sweep read: the limit was reached when the request arrived.
      if (!hello) return void subscribers.refuse(socket);
      if (!subscribers.admit(socket)) return;
      keepAlive(socket, pingMs);
      const session = new SweepSession(socket, app.hub, {
        sweepId: id,
        hello,
        readHistory: async () => {
          const sweep = await app.sweeps.get(id);
          return { sweep, points: sweep.points };
        },
        isFinal,
      });
      session.start().catch((err) => {
        req.log.error({ err, sweepId: id }, 'sweep stream failed');
        socket.close(1011, 'internal error');
      });
    },
  });
};
