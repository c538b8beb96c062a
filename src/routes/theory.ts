// POST /v1/theory: the mean-field theory at a point or over a grid, or the init advisor for a network (on the pool).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { SpecError } from '../core/index.ts';
import { specProblem } from '../http/problems.ts';
import { ProblemSchema } from '../schemas/problem.ts';
import { THEORY_METHOD, TheoryRequestSchema, TheoryResponseSchema } from '../schemas/theory.ts';

export const theoryRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/theory',
    {
      schema: {
        tags: ['theory'],
        summary:
          'Mean-field theory (q*, χ₁, c*, ξ_q, ξ_c, the critical line) or the init advisor for a network',
        description: THEORY_METHOD,
        body: TheoryRequestSchema,
        response: { 200: TheoryResponseSchema, 400: ProblemSchema, 422: ProblemSchema },
      },
    },
    async (req) => {
      const r = await app.pool.theory(req.body);
      if (!r.ok) throw specProblem(new SpecError(r.path, r.message));
      return r.response;
    },
  );
};
