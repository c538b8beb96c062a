// WebSocket streams: /v1/runs/:id/stream (history then live steps of one run) and /v1/stream (lifecycle firehose).
// A flood of subscribers is bounded: at most maxSubscribers at once (beyond, closed 1013), the run record read
// once for the joiners arriving together, the history read through one StepHistory (one read per page), and
// both the upgrades and the history replay paced (Pacers: so many per turn of the event loop, over all joiners).

import type {} from '@fastify/websocket';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { WebSocket } from 'ws';
import { LAYER_FIELDS, layoutOf } from '../core/index.ts';
import { AppError } from '../http/problems.ts';
import { rawHandshakeError } from '../http/raw-problems.ts';
import { histogramSettings, type RunRecord } from '../model/run.ts';
import { isFinal } from '../model/status.ts';
import { toListItem } from '../schemas/run-view.ts';
import { RunIdParamsSchema, type RunListItem } from '../schemas/runs.ts';
import { RunStreamQuerySchema } from '../schemas/stream.ts';
import { FirehoseSession } from '../stream/firehose-session.ts';
import { Pacer } from '../stream/pacer.ts';
import { RunSession } from '../stream/run-session.ts';
import { freshFlight, singleFlight } from '../stream/shared-reads.ts';
import { encodeStep } from '../stream/step-encoding.ts';
import { keepAlive, upgradeRequired } from './websocket.ts';

declare module 'fastify' {
  interface FastifyRequest {
    streamRun?: RunRecord;
  }
}

/** RFC 6455 close code 1013, "Try Again Later": the server is at its subscriber limit. */
export const CLOSE_TRY_AGAIN_LATER = 1013;

export const streamRoutes: FastifyPluginAsyncZod<{ pingMs: number; maxSubscribers: number }> = async (
  app,
  { pingMs, maxSubscribers },
) => {
  const history = app.stepHistory;
  // History messages of all joiners together: at most 64 chunks of 32 (2,048) per turn of the event loop.
  const pacer = new Pacer(64);
  // Upgrades go on at most 50 per turn: a burst of thousands would otherwise run its handshakes, hellos and
  // first reads in one stretch of the loop (seconds, with every lease renewal and health check behind it).
  const admission = new Pacer(50);
  const admitted = () => admission.take();
  const readRun = singleFlight((id) => app.runs.get(id));
  // The re-check after subscribing (the join race: see run-session.ts), one read for the joiners of a turn.
  const recheckRun = freshFlight(async (id): Promise<RunListItem | null> => {
    try {
      return toListItem(await app.runs.get(id));
    } catch (e) {
      if (e instanceof AppError && e.code === 'run_not_found') return null;
      throw e;
    }
  });
  // A handshake the ws library refuses (bad key, version, protocol list) is answered as a problem.
  app.websocketServer.on('wsClientError', rawHandshakeError);

  let subscribers = 0;
  const refuse = (socket: WebSocket) =>
    socket.close(CLOSE_TRY_AGAIN_LATER, `at the subscriber limit (${maxSubscribers}): retry later`);
  /** Admits a subscriber under the limit (counted until its socket closes), or closes it 1013. */
  const admit = (socket: WebSocket): boolean => {
    if (subscribers >= maxSubscribers) {
      refuse(socket);
      return false;
    }
    subscribers++;
    socket.on('close', () => subscribers--);
    return true;
  };

  app.route({
    method: 'GET',
    url: '/v1/runs/:id/stream',
    schema: {
      tags: ['streams'],
      summary: 'WebSocket: a run’s history, then its live steps, then its end',
      description:
        'Messages (see RunStreamMessage): hello, then every recorded step from `from` on (history, then live, with no ' +
        'gap or duplicate), status changes, coalescing notices for slow readers, and end; then the server closes (1000). ' +
        'At its subscriber limit (MAX_STREAM_SUBSCRIBERS) the server closes a new stream at once with 1013 (try again later).',
      params: RunIdParamsSchema,
      querystring: RunStreamQuerySchema,
    },
    preHandler: async (req) => {
      await admitted();
      // At the limit the upgrade is closed 1013 anyway: spare the database the read.
      if (subscribers >= maxSubscribers) return;
      req.streamRun = await readRun((req.params as { id: string }).id);
    },
    handler: upgradeRequired,
    wsHandler: (socket, req) => {
      const run = req.streamRun;
      // No run read: the limit was reached when the request arrived.
      if (!run) return void refuse(socket);
      if (!admit(socket)) return;
      const { from = 0, every = 1 } = req.query;
      keepAlive(socket, pingMs);
      const layout = layoutOf(run.spec.network);
      const meta = histogramSettings(run.spec);
      const encode = (row: Parameters<typeof encodeStep>[0]) => encodeStep(row, layout.layers.length, meta);
      const final = isFinal(run.status);
      // The session subscribes to live steps before its first read, so a mark taken at that read follows it.
      let since: number | undefined;
      const session = new RunSession(socket, app.hub, {
        runId: run.id,
        from,
        every,
        run: toListItem(run),
        hello: {
          run: toListItem(run),
          fields: [...LAYER_FIELDS],
          layers: layout.layers.map((l) => ({
            index: l.index,
            fanIn: l.fanIn,
            fanOut: l.fanOut,
            activation: l.activation,
          })),
        },
        isFinal: (r) => isFinal(r.status),
        recheck: () => recheckRun(run.id),
        readPage: (fromStep, limit) => {
          since ??= history.mark();
          return history.page(run.id, fromStep, limit, encode, { since, final });
        },
        pace: () => pacer.take(),
        connection: req.socket,
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
        'Messages (see FirehoseMessage): run events created, started, progress, finished, deleted. At its subscriber ' +
        'limit (MAX_STREAM_SUBSCRIBERS) the server closes a new stream at once with 1013 (try again later).',
    },
    preHandler: async () => {
      await admitted();
    },
    handler: upgradeRequired,
    wsHandler: (socket) => {
      if (!admit(socket)) return;
      keepAlive(socket, pingMs);
      new FirehoseSession(socket, app.hub).start();
    },
  });
};
