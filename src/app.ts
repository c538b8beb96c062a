// The app composes, and only composes: validation and errors, docs, websocket, limits, then the
// database, the runtime (pool, dispatcher, streams), then routes. Tests build it and call it over HTTP.
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import {
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Config } from './config.ts';
import type { Database } from './db/client.ts';
import type { EmbeddedPostgres } from './db/pglite.ts';
import { limitConnectionsPerClient } from './http/connection-limit.ts';
import { completeOpenApi } from './http/openapi.ts';
import { problemOf, registerProblemHandling, sendProblem } from './http/problems.ts';
import { answerUnroutable, rawClientError } from './http/raw-problems.ts';
import { registerStrictRequests } from './http/strict-requests.ts';
import { authPlugin } from './plugins/auth.ts';
import { databasePlugin } from './plugins/database.ts';
import { metricsPlugin } from './plugins/metrics.ts';
import { runtimePlugin } from './plugins/runtime.ts';
import { dashboardRoutes } from './routes/dashboard.ts';
import { evaluateRoutes } from './routes/evaluate.ts';
import { healthRoutes } from './routes/health.ts';
import { historyRoutes } from './routes/history.ts';
import { runRoutes } from './routes/runs.ts';
import { streamRoutes } from './routes/streams.ts';
import { sweepRoutes } from './routes/sweeps.ts';
import { theoryRoutes } from './routes/theory.ts';
import { openApiTransform } from './schemas/openapi-transform.ts';
import { SubscriberLimit } from './stream/subscriber-limit.ts';
import { TimeSlicer } from './stream/time-slicer.ts';
import { UpgradeGate } from './stream/upgrade-gate.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** WebSocket upgrades queued before routing (stream/upgrade-gate.ts). */
    upgradeGate: UpgradeGate;
  }
}

export interface AppOptions {
  config: Config;
  logger?: FastifyServerOptions['logger'];
  /** An already open database (tests); otherwise opened from the config. */
  database?: Database;
  /** The embedded server, already being started on config.DATA_DIR (main.ts starts it before importing this). */
  embedded?: Promise<EmbeddedPostgres>;
  /** Bring the database it opens up to date first (`npm start`, and the tests' services). */
  migrate?: boolean;
  /** Worker module override (tests). */
  workerFile?: string;
  /** WebSocket ping interval (ms). */
  pingMs?: number;
}

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const { config } = opts;
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: config.BODY_LIMIT_BYTES,
    // Avvio times every close hook with this too, and the runtime's drain runs for up to the whole
    // SHUTDOWN_GRACE_MS: keep it above the grace, or a drain ≥ 10 s (fastify's default) fails the close.
    // Opening the database is a plugin too: on a loaded machine PGlite's open alone took over 12 s (a test
    // service failed to start at load 20), so a start gets at least a minute.
    pluginTimeout: Math.max(60_000, config.SHUTDOWN_GRACE_MS + 10_000),
    // Slow clients: the whole request (headers and body) within REQUEST_TIMEOUT_MS, the headers within
    // HEADERS_TIMEOUT_MS, else 408 and the connection is closed. Node checks them every second here.
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    http: {
      headersTimeout: Math.min(config.HEADERS_TIMEOUT_MS, config.REQUEST_TIMEOUT_MS),
      connectionsCheckingInterval: 1000,
    },
    // Long enough for any id a client may send, so that a bad one is a 400 on its parameter, not a miss.
    routerOptions: { maxParamLength: 8192 },
    // A client's X-Request-Id is kept only when it is a short, plain token (it ends up in every log line).
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : crypto.randomUUID();
    },
    frameworkErrors: (err, req, reply) => {
      const status = (err as { statusCode?: number }).statusCode ?? 400;
      const problem = problemOf('validation_failed', err.message, req.url.split('?')[0]);
      sendProblem(reply, { ...problem, status: status >= 400 && status < 500 ? status : 400 });
    },
    clientErrorHandler: rawClientError,
  }).withTypeProvider<ZodTypeProvider>();
  // CONNECT and an unmet Expect never reach fastify's router: answered with a problem all the same.
  answerUnroutable(app.server);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerProblemHandling(app);
  limitConnectionsPerClient(app, config.MAX_CONNECTIONS_PER_CLIENT);
  registerStrictRequests(app);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Gradscope',
        version: '0.1.0',
        description:
          'Train, probe and gradient-check dense networks, and watch per-layer gradient statistics live: ' +
          'vanishing and exploding gradients, weight initialization, and gradient checking.',
      },
      tags: [
        { name: 'runs', description: 'Submit and inspect runs' },
        { name: 'evaluate', description: 'Check your own backprop against ours' },
        { name: 'theory', description: 'Mean-field signal propagation and the init advisor' },
        { name: 'sweeps', description: 'Sweeps of runs over axes, and the trainability map' },
        { name: 'streams', description: 'WebSocket streams' },
        { name: 'health', description: 'Probes' },
      ],
    },
    transform: openApiTransform,
    transformObject: (input) =>
      completeOpenApi(jsonSchemaTransformObject(input), { rateLimited: config.RATE_LIMIT_PER_MINUTE > 0 }),
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });
  // The streams' share of the event loop: the upgrades' routing (the gate hands them to @fastify/websocket's router a
  // few per piece), their handshakes, the history pages' encoding, the replay and the live fan-out all run in its
  // turns: 20 ms at a time, up to 40 ms when the rest of the loop took longer (so that the replay still ends on a
  // busy machine; 100 ms before, which let a turn of the loop take 200 ms).
  const slicer = new TimeSlicer(20, 40);
  app.decorate(
    'upgradeGate',
    new UpgradeGate(app.server, { perPiece: 8, pace: (piece) => slicer.run(piece) }),
  );
  // Closing: no upgrade is routed once @fastify/websocket (registered before) has closed its clients.
  app.addHook('preClose', async () => app.upgradeGate.close());
  if (config.RATE_LIMIT_PER_MINUTE > 0) {
    await app.register(fastifyRateLimit, {
      max: config.RATE_LIMIT_PER_MINUTE,
      timeWindow: '1 minute',
      allowList: (req) => req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics',
    });
  }

  await app.register(authPlugin, { tokens: config.AUTH_TOKENS });
  await app.register(databasePlugin, {
    config,
    database: opts.database,
    embedded: opts.embedded,
    migrate: opts.migrate,
  });
  await app.register(metricsPlugin);
  await app.register(runtimePlugin, { config, workerFile: opts.workerFile, slicer });

  await app.register(healthRoutes);
  await app.register(runRoutes, { waitMaxSeconds: config.WAIT_MAX_SECONDS });
  await app.register(historyRoutes);
  await app.register(evaluateRoutes, { bodyLimit: config.EVALUATE_BODY_LIMIT_BYTES });
  await app.register(theoryRoutes);
  // One limit for every WebSocket stream of the instance: sweep streams, run streams and the firehose.
  const subscribers = new SubscriberLimit(config.MAX_STREAM_SUBSCRIBERS);
  await app.register(sweepRoutes, { pingMs: opts.pingMs ?? 30_000, subscribers });
  await app.register(streamRoutes, { pingMs: opts.pingMs ?? 30_000, subscribers, slicer });
  await app.register(dashboardRoutes);
  // Last of the close's first phase (after the jobs' drain): a stream whose handshake was under way when the
  // clients were closed opened after it; the HTTP server's close would wait for it.
  app.addHook('preClose', async () => {
    for (const client of app.websocketServer.clients) client.close(1001, 'server shutting down');
  });
  return app;
}
