// The client's one error class: an API problem (RFC 9457 problem+json), an unreachable server, or a bad message.
import type { Problem, ProblemError } from '../schemas/problem.ts';

/** Codes the client adds to the server's catalog: the request never got an answer, or the answer was not valid. */
export type ClientErrorCode = 'unreachable' | 'invalid_response' | 'timeout';

export class GradscopeError extends Error {
  /** HTTP status; 0 when no answer came (unreachable, timeout). */
  readonly status: number;
  /** The problem's stable code (validation_failed, run_not_found, …) or a ClientErrorCode. */
  readonly code: string;
  readonly title: string;
  readonly detail: string | undefined;
  /** One entry per invalid field, with its JSON pointer (/body/layers/1/units). */
  readonly errors: ProblemError[];
  /** The whole problem document as the server sent it, or null when there was none. */
  readonly problem: Problem | null;
  /** Seconds the server asked to wait (Retry-After), if it did. */
  readonly retryAfter: number | undefined;

  constructor(
    init: { status: number; code: string; title: string; detail?: string; problem?: Problem | null },
    options?: { cause?: unknown; retryAfter?: number },
  ) {
    super(init.detail ? `${init.title}: ${init.detail}` : init.title, { cause: options?.cause });
    this.name = 'GradscopeError';
    this.status = init.status;
    this.code = init.code;
    this.title = init.title;
    this.detail = init.detail;
    this.problem = init.problem ?? null;
    this.errors = init.problem?.errors ?? [];
    this.retryAfter = options?.retryAfter ?? init.problem?.retryAfter;
  }

  static fromProblem(problem: Problem, retryAfter?: number): GradscopeError {
    return new GradscopeError({ ...problem, problem }, { retryAfter });
  }

  static unreachable(url: string, cause: unknown): GradscopeError {
    const why = errorCode(cause) ?? deepestMessage(cause);
    return new GradscopeError(
      { status: 0, code: 'unreachable', title: 'The server is unreachable', detail: `${url}: ${why}` },
      { cause },
    );
  }

  static invalidResponse(what: string, detail: string): GradscopeError {
    return new GradscopeError({
      status: 0,
      code: 'invalid_response',
      title: `The server sent an invalid ${what}`,
      detail,
    });
  }
}

/** The system error code (ECONNREFUSED…) of a fetch failure: undici keeps it in `cause`, maybe an AggregateError's. */
function errorCode(e: unknown): string | undefined {
  for (let c: unknown = e, depth = 0; c && depth < 5; depth++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const inner = (c as { errors?: unknown[] }).errors;
    if (Array.isArray(inner) && inner.length > 0) return errorCode(inner[0]);
    c = (c as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The message of the innermost cause ("bad port", "getaddrinfo ENOTFOUND …"), not the wrapper's "fetch failed". */
function deepestMessage(e: unknown): string {
  let c = e;
  for (let depth = 0; depth < 5 && (c as { cause?: unknown })?.cause; depth++)
    c = (c as { cause: unknown }).cause;
  return c instanceof Error ? c.message : String(c);
}
