// The rest of the HTTP surface under fire: list queries, per-run reads and actions with random ids, query strings and
// headers, and every method on known and unknown paths (sent byte-exact, so paths are not normalised on the way).
import fc from 'fast-check';
import { hostileValue } from '../support/arbitraries.ts';
import { toJsonText } from '../support/json-text.ts';
import type { RawRequest } from '../support/raw-http.ts';
import { headerName, headerValue, mutatedQuery, queryString, runIdLike } from '../support/request-parts.ts';
import { describeRequest, probe, runs } from '../support/service.ts';
import { forEachLimit } from '../support/verdict.ts';
import { cases, LANES, type StormContext } from './context.ts';

const withQuery = (path: string, q: string) => (q === '' ? path : `${path}?${q}`);
/** Mostly no extra header (a bad header answers before the handler and would hide what the query does). */
const headers = fc.oneof(
  { arbitrary: fc.constant<[string, string][]>([]), weight: 3 },
  { arbitrary: fc.array(fc.tuple(headerName, headerValue), { minLength: 1, maxLength: 2 }), weight: 1 },
);

async function fire(ctx: StormContext, endpoint: string, reqs: RawRequest[]) {
  await forEachLimit(reqs, LANES, async (req) => {
    const res = await probe(ctx.svc, ctx.tally, endpoint, req);
    // A 2xx JSON answer must at least be JSON.
    if (res && res.status < 300 && /json/.test(res.headers['content-type'] ?? '') && req.method !== 'HEAD') {
      try {
        JSON.parse(res.text);
      } catch {
        ctx.tally.fail({
          endpoint,
          signature: `${res.status} with a body that is not JSON`,
          input: describeRequest(req),
        });
      }
    }
  });
}

export async function listStorm(ctx: StormContext): Promise<void> {
  const valid = { status: 'succeeded', kind: 'train', name: 'quick', limit: '10' };
  const query = fc.oneof(queryString(['status', 'kind', 'name', 'cursor', 'limit']), mutatedQuery(valid));
  const qs = cases(ctx, 'list', fc.tuple(query, headers), runs(300));
  await fire(
    ctx,
    'GET /v1/runs',
    qs.map(([q, h]) => ({ method: 'GET', target: withQuery('/v1/runs', q), headers: h })),
  );
}

export async function perRunStorm(ctx: StormContext): Promise<void> {
  const readId = runIdLike(ctx.readIds);
  const anyQuery = queryString(['from', 'to', 'layers', 'fields', 'maxPoints', 'every', 'x']);
  const gets = (suffix: string, keys: string[], valid: Record<string, string> = {}) =>
    fc
      .tuple(
        readId,
        fc.oneof(queryString(keys), anyQuery, ...(Object.keys(valid).length ? [mutatedQuery(valid)] : [])),
        headers,
      )
      .map(
        ([id, q, h]): RawRequest => ({
          method: 'GET',
          target: withQuery(`/v1/runs/${id}${suffix}`, q),
          headers: h,
        }),
      );
  const metricsAccept = fc.constantFrom(
    'text/csv',
    'text/csv, application/json',
    'application/json',
    '*/*',
    'text/*',
    'text/csv;q=0',
    'image/png',
  );
  const metrics = fc
    .tuple(readId, queryString(['from', 'to', 'layers', 'fields', 'maxPoints']), metricsAccept)
    .map(
      ([id, q, accept]): RawRequest => ({
        method: 'GET',
        target: withQuery(`/v1/runs/${id}/metrics`, q),
        headers: [['Accept', accept]],
      }),
    );
  // Actions only on runs the storm may destroy, and on ids of no run.
  const actionId = runIdLike(ctx.mutableIds);
  const body = fc.option(
    fc.tuple(
      fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'),
      hostileValue.map(toJsonText),
    ),
  );
  const action = (method: string, suffix: string) =>
    fc.tuple(actionId, body, fc.option(fc.constant('force=true'))).map(
      ([id, b, q]): RawRequest => ({
        method,
        target: withQuery(`/v1/runs/${id}${suffix}`, q ?? ''),
        headers: b ? [['Content-Type', b[0]]] : [],
        body: b ? b[1] : undefined,
      }),
    );
  const plan: [string, fc.Arbitrary<RawRequest>, number][] = [
    ['GET /v1/runs/:id', gets('', ['x', 'fields']), 120],
    [
      'GET /v1/runs/:id/metrics',
      gets('/metrics', ['from', 'to', 'layers', 'fields', 'maxPoints'], {
        from: '0',
        to: '50',
        layers: '0,1',
        fields: 'gradNorm,deadFrac',
        maxPoints: '100',
      }),
      200,
    ],
    ['GET /v1/runs/:id/metrics Accept', metrics, 60],
    ['GET /v1/runs/:id/model', gets('/model', ['format', 'x']), 80],
    [
      'GET /v1/runs/:id/stream without upgrade',
      gets('/stream', ['from', 'every'], { from: '0', every: '10' }),
      30,
    ],
    ['POST /v1/runs/:id/cancel', action('POST', '/cancel'), 80],
    ['DELETE /v1/runs/:id', action('DELETE', ''), 80],
  ];
  for (const [endpoint, arb, n] of plan) await fire(ctx, endpoint, cases(ctx, endpoint, arb, runs(n)));
}

const METHODS = [
  'GET',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'HEAD',
  'OPTIONS',
  'TRACE',
  'PROPFIND',
  'SEARCH',
  'PURGE',
  'LOCK',
  'MKCOL',
  'COPY',
  'MOVE',
  'QUERY',
  'CONNECT',
  'get',
  'G3T',
  'X'.repeat(40),
];

/** Paths of the app (with ids filled in) and mangled variants: encoded, doubled slashes, dot segments, very long. */
function pathArb(ids: string[]): fc.Arbitrary<string> {
  const id = runIdLike(ids);
  const known = fc.oneof(
    fc.constantFrom(
      '/v1/runs',
      '/v1/stream',
      '/v1/evaluate',
      '/healthz',
      '/readyz',
      '/metrics',
      '/openapi.json',
      '/docs',
      '/docs/json',
      '/docs/static/index.html',
      '/',
      '/index.html',
      '/v1',
      '/v2/runs',
      '*',
    ),
    fc
      .tuple(id, fc.constantFrom('', '/metrics', '/model', '/cancel', '/stream', '/nope', '/'))
      .map(([i, s]) => `/v1/runs/${i}${s}`),
  );
  const mangle = fc.constantFrom<(p: string) => string>(
    (p) => p,
    (p) => p.replace('/v1/', '//v1/'),
    (p) => `${p}/`,
    (p) => p.toUpperCase(),
    (p) => p.replace('v1', '%761'),
    (p) => p.replace('runs', 'r%75ns'),
    (p) => `${p}/..`,
    (p) => `${p}/%2e%2e/%2e%2e`,
    (p) => `/x/..${p}`,
    (p) => `${p};jsessionid=1`,
    (p) => `${p}%00`,
    (p) => `${p}%`,
    (p) => `${p}/%E0%A4%A`,
    (p) => `http://fuzz.local${p}`,
    (p) => `${p}#frag`,
    (p) => `${p}${'/a'.repeat(5000)}`,
    (p) => `${p}?${'q'.repeat(20_000)}`,
  );
  return fc.oneof(
    { arbitrary: fc.tuple(known, mangle).map(([p, m]) => m(p)), weight: 6 },
    { arbitrary: fc.webPath(), weight: 2 },
  );
}

export async function methodPathStorm(ctx: StormContext): Promise<void> {
  const arb = fc
    .tuple(fc.constantFrom(...METHODS), pathArb(ctx.mutableIds), fc.option(hostileValue.map(toJsonText)))
    .map(
      ([method, target, body]): RawRequest => ({
        method,
        target: target === '' ? '/' : target,
        headers: body === null ? [] : [['Content-Type', 'application/json']],
        body: body ?? undefined,
      }),
    );
  await fire(ctx, 'methods × paths', cases(ctx, 'methods-paths', arb, runs(300)));
}
