// POST /v1/evaluate: outputs, logits (and, on request, every layer's Z and A), loss and every gradient of an
// explicit network on a small batch (on the pool).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { SpecError } from '../core/index.ts';
import { specProblem } from '../http/problems.ts';
import { nullIfNotFinite } from '../schemas/common.ts';
import { EVALUATE_CONVENTIONS, EvaluateRequestSchema, EvaluateResponseSchema } from '../schemas/evaluate.ts';
import { ProblemSchema } from '../schemas/problem.ts';

export const evaluateRoutes: FastifyPluginAsyncZod<{ bodyLimit: number }> = async (app, opts) => {
  app.post(
    '/v1/evaluate',
    {
      // Its own limit (EVALUATE_BODY_LIMIT_BYTES, 4 MiB): 100,000 parameters at full float64 precision are
      // ~2.5 MB of JSON, plus a batch. Parsing and validating it runs on the event loop (~25–70 ms per MiB
      // here), so the limit is what the endpoint can use, not more: 16 MiB stalled every request 3–7 s.
      bodyLimit: opts.bodyLimit,
      schema: {
        tags: ['evaluate'],
        summary: 'Forward and backward pass of your network on your batch: outputs, loss, dW and db',
        description: EVALUATE_CONVENTIONS,
        body: EvaluateRequestSchema,
        response: { 200: EvaluateResponseSchema, 400: ProblemSchema, 422: ProblemSchema },
      },
    },
    async (req) => {
      const r = await app.pool.evaluate(req.body);
      if (!r.ok) throw specProblem(new SpecError(r.path, r.message));
      const n = nullIfNotFinite;
      const matrix = (m: number[][]) => m.map((row) => row.map(n));
      return {
        outputs: matrix(r.outputs),
        logits: matrix(r.logits),
        layers: r.layers?.map((l) => ({ Z: matrix(l.Z), A: matrix(l.A) })) ?? null,
        loss: n(r.loss),
        dataLoss: n(r.dataLoss),
        l2Penalty: n(r.l2Penalty),
        gradients: r.gradients.map((g) => ({
          dW: matrix(g.dW),
          db: g.db ? g.db.map(n) : null,
        })),
        conventions: EVALUATE_CONVENTIONS,
      };
    },
  );
};
