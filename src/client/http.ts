// HTTP transport of the client: base URL and token, JSON in and out, problem+json → GradscopeError, safe retries.
import type { z } from 'zod';
import { ProblemSchema } from '../schemas/problem.ts';
import { GradscopeError } from './errors.ts';
import {
  DEFAULT_RETRY,
  parseRetryAfter,
  type RetryPolicy,
  retryableStatus,
  retryDelay,
  sleep,
} from './retry.ts';

export interface TransportOptions {
  /** Default: GRADSCOPE_URL, else http://127.0.0.1:3000. */
  baseUrl?: string;
  /** Bearer token. Default: GRADSCOPE_TOKEN. */
  token?: string;
  retry?: Partial<RetryPolicy>;
  /** Replaces the global fetch (tests, proxies). */
  fetch?: typeof fetch;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'DELETE' | 'HEAD';
  query?: Record<string, string | number | readonly (string | number)[] | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * Whether repeating the request is harmless. Default: GET, HEAD and DELETE are; a POST is only when it carries
   * an Idempotency-Key (the server then answers a repeat with the same run).
   */
  idempotent?: boolean;
  signal?: AbortSignal;
}

export class Transport {
  readonly baseUrl: string;
  readonly token: string | undefined;
  readonly retry: RetryPolicy;
  private readonly fetchFn: typeof fetch;

  constructor(options: TransportOptions = {}) {
    const base = options.baseUrl ?? process.env.GRADSCOPE_URL ?? 'http://127.0.0.1:3000';
    this.baseUrl = base.replace(/\/+$/, '');
    this.token = options.token ?? (process.env.GRADSCOPE_TOKEN || undefined);
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.fetchFn = options.fetch ?? fetch;
  }

  url(path: string, query: RequestOptions['query'] = {}): string {
    const u = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined) continue;
      u.searchParams.set(k, Array.isArray(v) ? v.join(',') : String(v));
    }
    return u.toString();
  }

  /** The response of a successful request (2xx), after retries; a problem or a failure throws GradscopeError. */
  async send(path: string, options: RequestOptions = {}): Promise<Response> {
    const method = options.method ?? (options.body === undefined ? 'GET' : 'POST');
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const idempotent =
      options.idempotent ??
      (method !== 'POST' || Object.keys(headers).some((h) => /^idempotency-key$/i.test(h)));
    const url = this.url(path, options.query);
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    for (let attempt = 0; ; attempt++) {
      const canRetry = idempotent && attempt < this.retry.retries;
      let res: Response;
      try {
        res = await this.fetchFn(url, { method, headers, body, signal: options.signal });
      } catch (e) {
        if (options.signal?.aborted) throw e;
        if (!canRetry) throw GradscopeError.unreachable(this.baseUrl, e);
        await sleep(retryDelay(this.retry, attempt + 1), options.signal);
        continue;
      }
      if (res.ok) return res;
      const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
      if (canRetry && retryableStatus(res.status)) {
        await res.body?.cancel();
        await sleep(retryDelay(this.retry, attempt + 1, retryAfterMs), options.signal);
        continue;
      }
      throw await problemError(res, retryAfterMs);
    }
  }

  /** A JSON request whose answer is parsed with `schema` (the server's own response schema). */
  async json<S extends z.ZodType>(
    schema: S,
    path: string,
    options: RequestOptions = {},
  ): Promise<z.output<S>> {
    const res = await this.send(path, options);
    return parseBody(schema, res, `${options.method ?? 'GET'} ${path}`);
  }
}

export async function parseBody<S extends z.ZodType>(
  schema: S,
  res: Response,
  what: string,
): Promise<z.output<S>> {
  const text = await res.text();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw GradscopeError.invalidResponse('response', `${what}: not JSON (${text.slice(0, 80)})`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw GradscopeError.invalidResponse('response', `${what}: ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

/** The GradscopeError of a non-2xx answer: its problem+json, or a problem made from the status line. */
export async function problemError(res: Response, retryAfterMs?: number): Promise<GradscopeError> {
  const text = await res.text().catch(() => '');
  const retryAfter = retryAfterMs === undefined ? undefined : Math.round(retryAfterMs / 1000);
  try {
    const parsed = ProblemSchema.safeParse(JSON.parse(text));
    if (parsed.success) return GradscopeError.fromProblem(parsed.data, retryAfter);
  } catch {}
  return new GradscopeError(
    {
      status: res.status,
      code: `http_${res.status}`,
      title: res.statusText || `HTTP ${res.status}`,
      detail: text.slice(0, 200) || undefined,
    },
    { retryAfter },
  );
}
