// Probes: /healthz (the process answers) and /readyz (database reachable, worker pool up, not shutting down).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

const Health = z.object({
  status: z.enum(['ok', 'unavailable']),
  checks: z.record(z.string(), z.boolean()).optional(),
});

export const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // Probes are polled every few seconds: fastify's two info lines per request (incoming, completed) would
  // drown the log. At warn they still show when something goes wrong.
  app.get(
    '/healthz',
    {
      logLevel: 'warn',
      schema: { tags: ['health'], summary: 'Liveness: the process answers', response: { 200: Health } },
    },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/readyz',
    {
      logLevel: 'warn',
      schema: {
        tags: ['health'],
        summary: 'Readiness: database reachable and worker pool up',
        response: { 200: Health, 503: Health },
      },
    },
    async (_req, reply) => {
      const checks = { database: await app.store.ping(), pool: app.pool.size > 0, accepting: !closing };
      const ok = Object.values(checks).every(Boolean);
      return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', checks });
    },
  );
};
