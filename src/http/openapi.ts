// Completes the OpenAPI document the route schemas generate with what every route shares: the bearer
// security scheme, operationIds, the error responses every /v1 route can answer (as application/problem+json,
// which is what the error handler sends), and the Location, Retry-After and rate-limit headers.
import { ERROR_CATALOG, type ErrorCode } from './problems.ts';

// biome-ignore lint/suspicious/noExplicitAny: an OpenAPI document, walked and completed generically.
type Json = Record<string, any>;

/** Stable names for generated clients; a route missing here gets one from its method and path. */
const OPERATION_IDS: Record<string, string> = {
  'get /healthz': 'getHealth',
  'get /readyz': 'getReadiness',
  'post /v1/runs': 'createRun',
  'get /v1/runs': 'listRuns',
  'get /v1/runs/{id}': 'getRun',
  'delete /v1/runs/{id}': 'deleteRun',
  'get /v1/runs/{id}/metrics': 'getRunMetrics',
  'get /v1/runs/{id}/model': 'getRunModel',
  'post /v1/runs/{id}/cancel': 'cancelRun',
  'post /v1/evaluate': 'evaluate',
  'get /v1/runs/{id}/stream': 'streamRun',
  'get /v1/stream': 'streamRunEvents',
};

const PROBLEM = 'application/problem+json';
const problemRef = { $ref: '#/components/schemas/Problem' };

const intHeader = (description: string) => ({ description, schema: { type: 'integer', minimum: 0 } });
const RATE_LIMIT_HEADERS = {
  'X-RateLimit-Limit': intHeader('Requests allowed per client address per minute (RATE_LIMIT_PER_MINUTE).'),
  'X-RateLimit-Remaining': intHeader('Requests left in the current minute.'),
  'X-RateLimit-Reset': intHeader('Seconds until the current minute ends.'),
};
const RETRY_AFTER = { 'Retry-After': intHeader('Seconds to wait before retrying.') };
/** Probes are outside the rate limiter (allow-listed in app.ts): their answers carry no rate-limit headers. */
const UNLIMITED = new Set(['/healthz', '/readyz', '/metrics']);

/** Which shared errors a route can answer, and why. */
function sharedErrors(path: string, hasBody: boolean): [number, ErrorCode, string][] {
  const v1 = path.startsWith('/v1/');
  const out: [number, ErrorCode, string][] = [
    [400, 'validation_failed', 'The request is not valid: each bad field with its JSON pointer.'],
  ];
  if (v1) out.push([401, 'unauthorized', 'AUTH_TOKENS is set and no valid bearer token was sent.']);
  if (hasBody) {
    out.push([413, 'payload_too_large', 'The body is over the limit of this endpoint.']);
    out.push([415, 'unsupported_media_type', 'Not JSON in UTF-8, or a Content-Encoding was sent.']);
  }
  out.push([429, 'rate_limited', 'Too many requests or connections from this client address.']);
  out.push([500, 'internal', 'An unexpected error (logged; the body is generic).']);
  if (v1)
    out.push([503, 'unavailable', 'The database cannot be reached right now; retry after Retry-After.']);
  return out;
}

function operationIdOf(method: string, path: string): string {
  const known = OPERATION_IDS[`${method} ${path}`];
  if (known) return known;
  const words = path.split(/[/{}-]+/).filter(Boolean);
  return method + words.map((w) => w[0].toUpperCase() + w.slice(1)).join('');
}

export function completeOpenApi(doc: Json, opts: { rateLimited: boolean }): Json {
  doc.servers = [
    {
      url: '/',
      description: 'The deployment serving this document (production, or local development)',
      'x-internal': false,
    },
  ];
  doc.components ??= {};
  doc.components.securitySchemes = {
    bearerAuth: {
      type: 'http',
      scheme: 'bearer',
      description:
        'One of AUTH_TOKENS. When the service runs without AUTH_TOKENS no token is needed. WebSocket streams ' +
        'may carry it as ?token= instead (browsers cannot set headers on a WebSocket); plain HTTP routes may not.',
    },
  };
  for (const [path, item] of Object.entries<Json>(doc.paths ?? {})) {
    for (const [method, op] of Object.entries<Json>(item)) {
      if (typeof op !== 'object' || !op.responses) continue;
      op.operationId ??= operationIdOf(method, path);
      op.security = path.startsWith('/v1/') ? [{ bearerAuth: [] }] : [];
      const responses: Json = op.responses;
      for (const [status, code, why] of sharedErrors(path, op.requestBody !== undefined)) {
        responses[status] ??= { description: `${ERROR_CATALOG[code].title}. ${why}` };
      }
      for (const [status, r] of Object.entries<Json>(responses)) {
        const n = Number(status);
        if (n >= 400) r.content = { [PROBLEM]: { schema: problemRef } };
        r.headers = {
          ...r.headers,
          ...(opts.rateLimited && n < 500 && !UNLIMITED.has(path) ? RATE_LIMIT_HEADERS : {}),
          ...(n === 429 || n === 503 ? RETRY_AFTER : {}),
        };
        if (Object.keys(r.headers).length === 0) delete r.headers;
      }
      if (method === 'post' && path === '/v1/runs') {
        for (const s of ['200', '202']) {
          responses[s].headers = {
            ...responses[s].headers,
            Location: { description: 'The run: /v1/runs/{id}.', schema: { type: 'string', maxLength: 64 } },
          };
        }
      }
    }
  }
  describeIntegers(doc);
  return doc;
}

/**
 * Every integer schema states its format and bounds: zod's int() only takes safe integers, so an integer
 * without an explicit bound is bounded by ±(2^53 − 1); int32 when its bounds fit.
 */
function describeIntegers(node: unknown): void {
  if (Array.isArray(node)) {
    for (const x of node) describeIntegers(x);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const n = node as Json;
  if (n.type === 'integer') {
    n.minimum ??= Number.MIN_SAFE_INTEGER;
    n.maximum ??= Number.MAX_SAFE_INTEGER;
    n.format ??= n.minimum >= -(2 ** 31) && n.maximum <= 2 ** 31 - 1 ? 'int32' : 'int64';
  }
  for (const v of Object.values(n)) describeIntegers(v);
}
