// The one error catalog (code → HTTP status and title) and the handler that answers every error as
// RFC 9457 application/problem+json. 5xx bodies stay generic; the log keeps the full context.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { SpecError } from '../core/index.ts';
import {
  issuesFromFastifyValidation,
  jsonPointer,
  type Problem,
  type ProblemError,
  type ProblemLocation,
  zodIssuesToProblemErrors,
} from '../schemas/problem.ts';
import { isDatabaseUnavailable } from './db-unavailable.ts';

export const ERROR_CATALOG = {
  validation_failed: { status: 400, title: 'The request is not valid' },
  invalid_spec: { status: 422, title: 'The run spec cannot be run' },
  budget_exceeded: { status: 422, title: 'The run is over the compute budget' },
  idempotency_conflict: { status: 409, title: 'The idempotency key was used for a different request' },
  run_not_found: { status: 404, title: 'No such run' },
  sweep_not_found: { status: 404, title: 'No such sweep' },
  sweep_not_finished: { status: 409, title: 'The sweep has points not finished' },
  route_not_found: { status: 404, title: 'No such endpoint' },
  run_not_finished: { status: 409, title: 'The run has not finished' },
  run_finished: { status: 409, title: 'The run has already finished' },
  unauthorized: { status: 401, title: 'A valid bearer token is required' },
  payload_too_large: { status: 413, title: 'The request body is too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported content type' },
  not_acceptable: { status: 406, title: 'Cannot produce the requested media type' },
  queue_full: { status: 429, title: 'The run queue is full' },
  rate_limited: { status: 429, title: 'Too many requests' },
  unavailable: { status: 503, title: 'The service is temporarily unavailable' },
  internal: { status: 500, title: 'Internal server error' },
} as const;
export type ErrorCode = keyof typeof ERROR_CATALOG;

/** An error users see: a catalog code, a detail for them, optional fields (errors, limit, retryAfter…). */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly extra: Partial<Problem> = {},
  ) {
    super(detail);
    this.name = 'AppError';
  }
}

export function problemOf(
  code: ErrorCode,
  detail: string,
  instance: string,
  extra: Partial<Problem> = {},
): Problem {
  const { status, title } = ERROR_CATALOG[code];
  return { type: 'about:blank', title, status, detail, instance, code, ...extra };
}

/** A SpecError from the core as a 422 whose error names the body field. */
export function specProblem(e: SpecError, prefix: (string | number)[] = []): AppError {
  const path = [...prefix, ...e.path];
  const error: ProblemError = { path, pointer: jsonPointer('body', path), message: e.message };
  return new AppError('invalid_spec', `${error.pointer}: ${e.message}`, { errors: [error] });
}

/** The 400 of a request part the schemas refused: every error, the first five in the detail. */
export function validationFailed(errors: ProblemError[]): AppError {
  const detail = errors
    .slice(0, 5)
    .map((e) => `${e.pointer}: ${e.message}`)
    .join('; ');
  return new AppError('validation_failed', detail, { errors });
}

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  if (problem.retryAfter !== undefined) reply.header('retry-after', String(problem.retryAfter));
  return reply.status(problem.status).type('application/problem+json').send(problem);
}

const LOCATIONS: Record<string, ProblemLocation> = {
  body: 'body',
  querystring: 'query',
  params: 'params',
  headers: 'headers',
};

/** The 413's detail: the limit in bytes, which setting it is, and how to avoid inline data. */
function tooLargeDetail(path: string, limit: number): string {
  if (path === '/v1/evaluate')
    return `the request body is larger than ${limit} bytes (EVALUATE_BODY_LIMIT_BYTES, the limit of /v1/evaluate); split the batch`;
  return (
    `the request body is larger than ${limit} bytes (BODY_LIMIT_BYTES, the limit of request bodies); for large ` +
    'data use a generated source (e.g. data.source "normal" for N(0, σ²) inputs) instead of inline samples'
  );
}

export function registerProblemHandling(app: FastifyInstance): void {
  app.setNotFoundHandler((req: FastifyRequest, reply: FastifyReply) =>
    sendProblem(
      reply,
      problemOf('route_not_found', `${req.method} ${req.url.split('?')[0]} does not exist`, req.url),
    ),
  );
  app.setErrorHandler((err: FastifyError | AppError | SpecError, req, reply) => {
    const instance = req.url.split('?')[0];
    if (err instanceof AppError)
      return sendProblem(reply, problemOf(err.code, err.detail, instance, err.extra));
    if (err instanceof SpecError) {
      const e = specProblem(err);
      return sendProblem(reply, problemOf(e.code, e.detail, instance, e.extra));
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const location = LOCATIONS[err.validationContext ?? 'body'] ?? 'body';
      const errors = zodIssuesToProblemErrors(issuesFromFastifyValidation(err.validation), location);
      const e = validationFailed(errors);
      return sendProblem(reply, problemOf(e.code, e.detail, instance, e.extra));
    }
    const fe = err as FastifyError;
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const limit = req.routeOptions.bodyLimit ?? app.initialConfig.bodyLimit ?? 0;
      const limitName = instance === '/v1/evaluate' ? 'EVALUATE_BODY_LIMIT_BYTES' : 'BODY_LIMIT_BYTES';
      const detail = tooLargeDetail(instance, limit);
      return sendProblem(reply, problemOf('payload_too_large', detail, instance, { limitName, limit }));
    }
    if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return sendProblem(reply, problemOf('unsupported_media_type', fe.message, instance));
    }
    if (fe.statusCode === 429) {
      return sendProblem(reply, problemOf('rate_limited', fe.message, instance));
    }
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      // Malformed JSON, bad content-length, and other client errors fastify detects itself.
      return sendProblem(reply, {
        ...problemOf('validation_failed', fe.message, instance),
        status: fe.statusCode,
      });
    }
    if ((err as { code?: string }).code === 'invalid_cursor') {
      const error = { path: ['cursor'], pointer: '/query/cursor', message: (err as Error).message };
      return sendProblem(
        reply,
        problemOf('validation_failed', `/query/cursor: ${error.message}`, instance, { errors: [error] }),
      );
    }
    if (isDatabaseUnavailable(err)) {
      req.log.warn({ err }, 'database unavailable');
      return sendProblem(
        reply,
        problemOf('unavailable', 'The database cannot be reached right now; retry shortly.', instance, {
          retryAfter: 5,
        }),
      );
    }
    req.log.error({ err }, 'unhandled error');
    return sendProblem(
      reply,
      problemOf('internal', 'An unexpected error occurred; it has been logged.', instance),
    );
  });
}
