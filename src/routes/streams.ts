// WebSocket streams: /v1/runs/:id/stream (history then live steps of one run) and /v1/stream (lifecycle firehose).

import type {} from '@fastify/websocket';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { LAYER_FIELDS, layoutOf } from '../core/index.ts';
import { histogramSettings, type RunRecord } from '../model/run.ts';
import { isFinal } from '../model/status.ts';
import { toListItem } from '../schemas/run-view.ts';
import { RunIdParamsSchema } from '../schemas/runs.ts';
import { RunStreamQuerySchema } from '../schemas/stream.ts';
import { FirehoseSession } from '../stream/firehose-session.ts';
import { RunSession } from '../stream/run-session.ts';
import { encodeStep } from '../stream/step-encoding.ts';
import { checkHandshake, keepAlive, upgradeRequired } from './websocket.ts';

declare module 'fastify' {
  interface FastifyRequest {
    streamRun?: RunRecord;
  }
}

export const streamRoutes: FastifyPluginAsyncZod<{ pingMs: number }> = async (app, { pingMs }) => {
  app.route({
    method: 'GET',
    url: '/v1/runs/:id/stream',
    schema: {
      tags: ['streams'],
      summary: 'WebSocket: a run’s history, then its live steps, then its end',
      description:
        'Messages (see RunStreamMessage): hello, then every recorded step from `from` on (history, then live, with no ' +
        'gap or duplicate), status changes, coalescing notices for slow readers, and end; then the server closes (1000).',
      params: RunIdParamsSchema,
      querystring: RunStreamQuerySchema,
    },
    preHandler: async (req) => {
      checkHandshake(req);
      req.streamRun = await app.runs.get((req.params as { id: string }).id);
    },
    handler: upgradeRequired,
    wsHandler: (socket, req) => {
      const run = req.streamRun!;
      const { from = 0, every = 1 } = req.query;
      keepAlive(socket, pingMs);
      const layout = layoutOf(run.spec.network);
      const meta = histogramSettings(run.spec);
      const session = new RunSession(socket, app.hub, {
        runId: run.id,
        from,
        every,
        run: toListItem(run),
        hello: {
          run: toListItem(run),
          fields: LAYER_FIELDS,
          layers: layout.layers.map((l) => ({
            index: l.index,
            fanIn: l.fanIn,
            fanOut: l.fanOut,
            activation: l.activation,
          })),
        },
        isFinal: (r) => isFinal(r.status),
        readSteps: (fromStep, limit) => app.store.readSteps(run.id, { fromStep, limit }),
        encode: (row) => encodeStep(row, layout.layers.length, meta),
      });
      session.start().catch((err) => {
        req.log.error({ err, runId: run.id }, 'run stream failed');
        socket.close(1011, 'internal error');
      });
    },
  });

  app.route({
    method: 'GET',
    url: '/v1/stream',
    schema: {
      tags: ['streams'],
      summary: 'WebSocket: lifecycle events of every run (for dashboards)',
      description:
        'Messages (see FirehoseMessage): run events created, started, progress, finished, deleted.',
    },
    preHandler: async (req) => checkHandshake(req),
    handler: upgradeRequired,
    wsHandler: (socket) => {
      keepAlive(socket, pingMs);
      new FirehoseSession(socket, app.hub).start();
    },
  });
};
