// WebSocket streams: /v1/runs/:id/stream (history then live steps of one run) and /v1/stream (lifecycle firehose).
// A flood of subscribers is bounded: at most the SubscriberLimit's places at once (beyond, closed 1013), the run record read
// once for the joiners arriving together, the history read through one StepHistory (one read per page), and every
// part of a join on the event loop in the streams' time slicer (app.ts), so many milliseconds per turn over all
// joiners: the upgrade's routing (the UpgradeGate), its handshake, hello and first read (admitted in a piece, below),
// the history replay and the live fan-out. A health check or a lease renewal waits behind one bounded turn, not
// behind the flood.

import type {} from '@fastify/websocket';
import type { FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { LAYER_FIELDS, layoutOf } from '../core/index.ts';
import { AppError } from '../http/problems.ts';
import { rawHandshakeError } from '../http/raw-problems.ts';
import { histogramSettings, type RunRecord } from '../model/run.ts';
import { isFinal } from '../model/status.ts';
import { toListItem } from '../schemas/run-view.ts';
import { RunIdParamsSchema, type RunListItem } from '../schemas/runs.ts';
import { RunStreamQuerySchema } from '../schemas/stream.ts';
import { FirehoseSession } from '../stream/firehose-session.ts';
import type { HelloBody } from '../stream/messages.ts';
import { RunSession } from '../stream/run-session.ts';
import { freshFlight, singleFlight } from '../stream/shared-reads.ts';
import { encodeStep } from '../stream/step-encoding.ts';
import type { SubscriberLimit } from '../stream/subscriber-limit.ts';
import type { TimeSlicer } from '../stream/time-slicer.ts';
import { keepAlive, upgradeRequired } from './websocket.ts';

declare module 'fastify' {
  interface FastifyRequest {
    streamRun?: RunRecord;
  }
}

export const streamRoutes: FastifyPluginAsyncZod<{
  pingMs: number;
  subscribers: SubscriberLimit;
  /** The streams' turns (app.ts): history replay and live fan-out of all subscribers, in pieces, round-robin. */
  slicer: TimeSlicer;
}> = async (app, { pingMs, subscribers, slicer }) => {
  const history = app.stepHistory;
  // The rest of an upgrade (fastify's handler, the handshake, the wsHandler: a hello and a first read, ~0.5 ms here)
  // runs inside a piece of the slicer, so a read that many joiners share does not let all their handshakes run in one
  // stretch of the loop when it answers. (A callback hook: `done` continues the request synchronously, in the piece.)
  const admitInTurn = (req: FastifyRequest, done: HookHandlerDoneFunction) => {
    slicer
      .run(() => {
        done();
        return false;
      })
      .catch((err) => req.log.error({ err }, 'stream admission failed'));
  };
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

  /** What the joiners of one run record read share: its layout, step encoder, list item and hello (built once). */
  const joins = new WeakMap<RunRecord, ReturnType<typeof buildJoin>>();
  const buildJoin = (run: RunRecord) => {
    const layout = layoutOf(run.spec.network);
    const meta = histogramSettings(run.spec);
    const item = toListItem(run);
    const hello: HelloBody = {
      run: item,
      fields: [...LAYER_FIELDS],
      layers: layout.layers.map((l) => ({
        index: l.index,
        fanIn: l.fanIn,
        fanOut: l.fanOut,
        activation: l.activation,
      })),
    };
    const encode = (row: Parameters<typeof encodeStep>[0]) => encodeStep(row, layout.layers.length, meta);
    return { encode, item, hello };
  };
  const joinOf = (run: RunRecord) => {
    let join = joins.get(run);
    if (!join) {
      join = buildJoin(run);
      joins.set(run, join);
    }
    return join;
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
    preHandler: (req, _reply, done) => {
      // At the limit the upgrade is closed 1013 anyway: spare the database the read.
      if (subscribers.full) return admitInTurn(req, done);
      readRun((req.params as { id: string }).id).then(
        (run) => {
          req.streamRun = run;
          admitInTurn(req, done);
        },
        (err) => done(err),
      );
    },
    handler: upgradeRequired,
    wsHandler: (socket, req) => {
      const run = req.streamRun;
      // No run read: the limit was reached when the request arrived.
      if (!run) return void subscribers.refuse(socket);
      if (!subscribers.admit(socket)) return;
      const { from = 0, every = 1 } = req.query;
      keepAlive(socket, pingMs);
      const { encode, item, hello } = joinOf(run);
      const final = isFinal(run.status);
      const session = new RunSession(socket, app.hub, {
        runId: run.id,
        from,
        every,
        run: item,
        hello,
        isFinal: (r) => isFinal(r.status),
        recheck: () => recheckRun(run.id),
        // The session subscribes to live steps before its first read, and each read is marked when it is asked
        // for (after the session's last look at what was published): it shares only reads sent after that.
        readPage: history.reader(run.id, encode, final),
        pace: (piece) => slicer.run(piece),
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
    preHandler: (req, _reply, done) => admitInTurn(req, done),
    handler: upgradeRequired,
    wsHandler: (socket) => {
      if (!subscribers.admit(socket)) return;
      keepAlive(socket, pingMs);
      new FirehoseSession(socket, app.hub).start();
    },
  });
};
