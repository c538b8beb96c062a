// JSON request bodies read outside fastify's parser and validator, so that a large one can be read off the event
// loop: the route keeps the raw bytes, then UTF-8, JSON and the route's zod schema are checked in one pure function
// (on the loop for small bodies, in the evaluate thread for large ones) with the outcomes fastify gives on the loop.
import { errorCodes, type FastifyInstance, type FastifySchemaCompiler } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import sjson from 'secure-json-parse';
import type { z } from 'zod';
import {
  issuesFromFastifyValidation,
  type ProblemError,
  zodIssuesToProblemErrors,
} from '../schemas/problem.ts';
import { AppError, validationFailed } from './problems.ts';
import { charsetError, INVALID_UTF8_DETAIL } from './strict-requests.ts';

/** Why a body was refused, as plain data (it crosses the thread boundary; errors lose their class there). */
export type BodyFailure = { kind: 'utf8' } | { kind: 'json' } | { kind: 'invalid'; errors: ProblemError[] };

export type ParsedBody<T> = { ok: true; value: T } | { ok: false; failure: BodyFailure };

// fatal: a byte sequence that is not UTF-8 is an error, not a U+FFFD (as the parser of http/strict-requests.ts).
const utf8 = new TextDecoder('utf-8', { fatal: true });
/** fastify's default JSON parser options there: __proto__ and constructor.prototype keys are refused. */
const JSON_OPTIONS = { protoAction: 'error', constructorAction: 'error' } as const;

/**
 * Decodes, parses and validates a JSON body against `schema` exactly as the app's parser (strict-requests) and
 * validator (fastify-type-provider-zod, then the problem handler's error mapping) do. Pure: runs on any thread.
 */
export function parseJsonBody<S extends z.ZodType>(bytes: Uint8Array, schema: S): ParsedBody<z.output<S>> {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { ok: false, failure: { kind: 'utf8' } };
  }
  let data: unknown;
  try {
    data = sjson.parse(text, JSON_OPTIONS);
  } catch {
    return { ok: false, failure: { kind: 'json' } };
  }
  return validateBody(data, schema);
}

/**
 * Validates a parsed body as the app's validator does. Also for a body that was not JSON bytes: none at all, or
 * one another content-type parser made (fastify validates those as they are).
 */
export function validateBody<S extends z.ZodType>(data: unknown, schema: S): ParsedBody<z.output<S>> {
  const result = validatorCompiler({ schema, method: 'POST', url: '' })(data) as
    | { value: z.output<S> }
    | { error: Parameters<typeof issuesFromFastifyValidation>[0] };
  if ('error' in result) {
    const errors = zodIssuesToProblemErrors(issuesFromFastifyValidation(result.error), 'body');
    return { ok: false, failure: { kind: 'invalid', errors } };
  }
  return { ok: true, value: result.value };
}

/** The error a refused body answers with: the one fastify's parser or validator throws on the loop. */
export function bodyFailureError(failure: BodyFailure): Error {
  if (failure.kind === 'utf8') return new AppError('validation_failed', INVALID_UTF8_DETAIL);
  if (failure.kind === 'json') return new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY();
  return validationFailed(failure.errors);
}

/**
 * In this (encapsulated) scope, JSON bodies arrive as their raw bytes (a Buffer): the charset and emptiness are
 * checked here as the app's parser does, the rest by parseJsonBody. Its routes must not let fastify validate the
 * body (bodyNotValidated), and read it with parseJsonBody.
 */
export function keepRawJsonBodies(scope: FastifyInstance): void {
  scope.removeContentTypeParser('application/json');
  scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    const refused = charsetError(req.headers['content-type']);
    if (refused) done(refused);
    else if ((body as Buffer).length === 0) done(new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY());
    else done(null, body);
  });
}

/**
 * A route's validator compiler that validates every request part as the app's does, except those listed (the
 * body is read by parseJsonBody; a part validated after it goes through validatePart). The schemas stay on the
 * route for the OpenAPI document.
 */
export function validateExcept(...parts: ('body' | 'headers')[]): FastifySchemaCompiler<unknown> {
  return (route) =>
    parts.includes(route.httpPart as 'body')
      ? (data) => ({ value: data })
      : validatorCompiler(route as Parameters<typeof validatorCompiler>[0]);
}

/** Validates one request part after the body, failing with the error fastify's validation throws for it. */
export function validatePart<S extends z.ZodType>(schema: S, data: unknown, part: 'headers'): z.output<S> {
  const result = validatorCompiler({ schema, method: '', url: '' })(data) as
    | { value: z.output<S> }
    | { error: unknown[] };
  if (!('error' in result)) return result.value;
  throw Object.assign(new Error(`${part} are not valid`), {
    statusCode: 400,
    code: 'FST_ERR_VALIDATION',
    validation: result.error,
    validationContext: part,
  });
}

/** The bytes of a body as a Uint8Array that owns its buffer, so it can be transferred to a thread. */
export function ownedBytes(body: Uint8Array): Uint8Array {
  return body.byteOffset === 0 && body.byteLength === body.buffer.byteLength ? body : new Uint8Array(body);
}
