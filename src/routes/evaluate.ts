// POST /v1/evaluate: outputs, logits (and, on request, every layer's Z and A), loss and every gradient of an
// explicit network on a small batch. The whole request runs on the evaluate thread, from its raw body to the
// answer's JSON bytes (jobs/evaluate-body.ts): the event loop only receives bytes and sends bytes.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { SpecError } from '../core/index.ts';
import {
  bodyFailureError,
  keepRawJsonBodies,
  ownedBytes,
  validateBody,
  validateExcept,
} from '../http/json-body.ts';
import { specProblem } from '../http/problems.ts';
import { EVALUATE_CONVENTIONS, EvaluateRequestSchema, EvaluateResponseSchema } from '../schemas/evaluate.ts';
import { ProblemSchema } from '../schemas/problem.ts';

export const evaluateRoutes: FastifyPluginAsyncZod<{ bodyLimit: number }> = async (app, opts) => {
  keepRawJsonBodies(app);
  app.post(
    '/v1/evaluate',
    {
      // Its own limit (EVALUATE_BODY_LIMIT_BYTES, 4 MiB): 100,000 parameters at full float64 precision are
      // ~2.5 MB of JSON, plus a batch. The limit is what the endpoint can use: 16 MiB only carried more rows
      // than the 512 a batch may have.
      bodyLimit: opts.bodyLimit,
      // The body schema documents the request (OpenAPI); the evaluate thread validates it with that schema.
      validatorCompiler: validateExcept('body'),
      schema: {
        tags: ['evaluate'],
        summary: 'Forward and backward pass of your network on your batch: outputs, loss, dW and db',
        description: EVALUATE_CONVENTIONS,
        body: EvaluateRequestSchema,
        response: { 200: EvaluateResponseSchema, 400: ProblemSchema, 422: ProblemSchema },
      },
    },
    async (req, reply) => {
      const body: unknown = req.body;
      if (!Buffer.isBuffer(body)) {
        // No body, or one another content-type parser made: refused by the schema, as fastify would.
        const v = validateBody(body, EvaluateRequestSchema);
        throw v.ok
          ? new Error('evaluate: a body that is not JSON bytes passed validation')
          : bodyFailureError(v.failure);
      }
      const r = await app.pool.evaluate(ownedBytes(body));
      if (r.kind === 'refused') throw bodyFailureError(r.failure);
      if (r.kind === 'spec_error') throw specProblem(new SpecError(r.path, r.message));
      // Already serialized by the route's response schema and encoded, in the thread: the bytes are sent as is.
      return reply
        .type('application/json; charset=utf-8')
        .send(Buffer.from(r.json.buffer, r.json.byteOffset, r.json.byteLength) as never);
    },
  );
};
