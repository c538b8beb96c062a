// POST /v1/evaluate in the evaluate thread, from the raw body to the answer's JSON text: nothing of a 4 MiB
// request (parsing, validating, computing, serializing 100,000 gradients) runs on the event loop.
import { serializerCompiler } from 'fastify-type-provider-zod';
import { ownedBytes, parseJsonBody } from '../http/json-body.ts';
import { nullIfNotFinite } from '../schemas/common.ts';
import { EVALUATE_CONVENTIONS, EvaluateRequestSchema, EvaluateResponseSchema } from '../schemas/evaluate.ts';
import type { EvaluateBodyOutcome, EvaluateBodyTask, EvaluateOutcome, EvaluateTask } from './messages.ts';

/** The route's 200 serializer (the app's: zod-checked JSON.stringify), here instead of on the loop. */
const serialize = serializerCompiler({ schema: EvaluateResponseSchema, method: 'POST', url: '/v1/evaluate' });

export function evaluateBody(
  task: EvaluateBodyTask,
  evaluate: (t: EvaluateTask) => EvaluateOutcome,
): EvaluateBodyOutcome {
  const parsed = parseJsonBody(task.body, EvaluateRequestSchema);
  if (!parsed.ok) return { kind: 'refused', failure: parsed.failure };
  const r = evaluate(parsed.value);
  if (!r.ok) return { kind: 'spec_error', path: r.path, message: r.message };
  const n = nullIfNotFinite;
  const matrix = (m: number[][]) => m.map((row) => row.map(n));
  const answer = {
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
  return { kind: 'answer', json: ownedBytes(Buffer.from(serialize(answer) as string)) };
}
