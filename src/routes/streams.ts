// WebSocket streams: /v1/runs/:id/stream (history then live steps of one run) and /v1/stream (lifecycle firehose).

import type {} from '@fastify/websocket';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { WebSocket } from 'ws';
import { LAYER_FIELDS, layoutOf } from '../core/index.ts';
import { AppError, problemOf, sendProblem } from '../http/problems.ts';
import { histogramSettings, type RunRecord } from '../model/run.ts';
import { isFinal } from '../model/status.ts';
import { toListItem } from '../schemas/run-view.ts';
import { RunIdParamsSchema } from '../schemas/runs.ts';
import { RunStreamQuerySchema } from '../schemas/stream.ts';
import { FirehoseSession } from '../stream/firehose-session.ts';
import { RunSession } from '../stream/run-session.ts';
import { encodeStep } from '../stream/step-encoding.ts';

declare module 'fastify' {
  interface FastifyRequest {
    streamRun?: RunRecord;
  }
}

/** Pings every `pingMs`; a peer that has not answered the previous ping is cut off. */
function keepAlive(socket: WebSocket, pingMs: number): void {
  let alive = true;
  socket.on('pong', () => {
    alive = true;
  });
  const timer = setInterval(() => {
    if (!alive) {
      socket.terminate();
      return;
    }
    alive = false;
    socket.ping();
  }, pingMs);
  socket.on('close', () => clearInterval(timer));
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

/**
 * An upgrade request with a malformed handshake gets a problem here; left to the ws library it would get an
 * HTML page. (RFC 6455: Sec-WebSocket-Key is 16 base64-encoded bytes, Sec-WebSocket-Version is 13.)
 */
function checkHandshake(req: FastifyRequest): void {
  if (String(req.headers.upgrade ?? '').toLowerCase() !== 'websocket') return;
  const key = req.headers['sec-websocket-key'];
  const version = req.headers['sec-websocket-version'];
  if (typeof key !== 'string' || !/^[+/0-9A-Za-z]{21}[AQgw]==$/.test(key)) {
    throw new AppError('validation_failed', 'Sec-WebSocket-Key must be 16 base64-encoded bytes');
  }
  if (version !== '13' && version !== '8')
    throw new AppError('validation_failed', 'Sec-WebSocket-Version must be 13');
  const protocol = req.headers['sec-websocket-protocol'];
  if (
    protocol !== undefined &&
    !/^\s*[\w!#$%&'*+.^`|~-]+(\s*,\s*[\w!#$%&'*+.^`|~-]+)*\s*$/.test(String(protocol))
  ) {
    throw new AppError(
      'validation_failed',
      'Sec-WebSocket-Protocol must be a comma-separated list of tokens',
    );
  }
}

/** A plain HTTP request to a stream: say how to use it instead of an empty 404. */
async function upgradeRequired(req: FastifyRequest, reply: FastifyReply) {
  reply.header('upgrade', 'websocket');
  return sendProblem(reply, {
    ...problemOf(
      'validation_failed',
      `${req.url.split('?')[0]} is a WebSocket: connect with Upgrade: websocket`,
      req.url.split('?')[0],
    ),
    status: 426,
    title: 'Upgrade required',
  });
}
