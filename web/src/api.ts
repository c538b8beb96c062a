// HTTP and WebSocket access to the Gradscope API: bearer auth (prompting on 401), problem+json errors, downloads.
import { decodeHistory, HISTORY_BINARY_TYPE, type HistoryArrays } from '../../src/schemas/history-binary.ts';
import type { Problem } from '../../src/schemas/problem.ts';
import { getToken, promptForToken } from './auth.ts';

/** A request the service refused or could not serve; `problem` holds its application/problem+json body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | null,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

interface RequestOptions {
  body?: unknown;
  accept?: string;
  signal?: AbortSignal;
}

/** Sends a request; on 401 asks for a token and retries until it is accepted or the user cancels. */
export async function request(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
  for (;;) {
    const headers: Record<string, string> = { accept: opts.accept ?? 'application/json' };
    const token = getToken();
    if (token) headers.authorization = `Bearer ${token}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(path, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
    });
    if (res.status !== 401) {
      if (!res.ok) throw await errorOf(res);
      return res;
    }
    // Another request may have brought a new token while this one was on its way: try that first.
    const latest = getToken();
    if (latest !== null && latest !== token) continue;
    const next = await promptForToken(token !== null);
    if (next === null) throw await errorOf(res);
  }
}

async function errorOf(res: Response): Promise<ApiError> {
  const type = res.headers.get('content-type') ?? '';
  let problem: Problem | null = null;
  if (/json/.test(type)) {
    try {
      problem = (await res.json()) as Problem;
    } catch {
      problem = null;
    }
  }
  const message = problem?.detail ?? problem?.title ?? `${res.status} ${res.statusText}`;
  return new ApiError(res.status, problem, message);
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return (await request('GET', path, { signal })).json() as Promise<T>;
}

/** A run's downsampled history in its binary columnar form: typed arrays read in place, no JSON parse. */
export async function getHistory(path: string, signal?: AbortSignal): Promise<HistoryArrays> {
  const res = await request('GET', path, { accept: HISTORY_BINARY_TYPE, signal });
  return decodeHistory(await res.arrayBuffer());
}

export async function postJson<T>(path: string, body?: unknown): Promise<T> {
  const res = await request('POST', path, { body: body ?? {} });
  return (res.status === 204 ? null : await res.json()) as T;
}

export async function deleteResource(path: string): Promise<void> {
  await request('DELETE', path);
}

/** Fetches `path` (with auth) and saves the body as `filename`. */
export async function download(path: string, filename: string, accept: string): Promise<void> {
  const blob = await (await request('GET', path, { accept })).blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * The ws:// URL of an API path. Browsers cannot set headers on a WebSocket, so the token rides in the query.
 */
export function wsUrl(path: string, params: Record<string, string | number | undefined> = {}): string {
  const url = new URL(path, location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  const token = getToken();
  if (token) url.searchParams.set('token', token);
  return url.href;
}

/** A cheap authenticated request: after a WebSocket failed to open, it brings up the token prompt on 401. */
export async function checkAccess(): Promise<void> {
  await request('GET', '/v1/runs?limit=1');
}
