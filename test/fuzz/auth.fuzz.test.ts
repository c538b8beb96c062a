// Auth fuzz suite (AUTH_TOKENS set): no endpoint or stream gives run data to a client without a valid token — random
// tokens, near misses, a real token in the wrong place, and path spellings a router still matches — while probes and
// metrics stay open; valid tokens work where documented; and no token ever reaches the log (production logger config).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http } from '../helpers/service.ts';
import { probe as probeSpec, quickTrain } from '../helpers/specs.ts';
import { type Credential, invalidCredential, pathSpelling, validCredential } from './support/credentials.ts';
import { secretHits } from './support/logger.ts';
import { type RawRequest, sendRaw } from './support/raw-http.ts';
import {
  describeRequest,
  FUZZ_SCALE,
  FUZZ_SEED,
  type FuzzService,
  REQUEST_TIMEOUT_MS,
  runs,
  seedOf,
  startFuzzService,
} from './support/service.ts';
import { contractViolation, forEachLimit, Tally } from './support/verdict.ts';
import { wsProbe } from './support/ws-probe.ts';

const TOKENS = ['fz-Tok3n-ALPHA-4b9c1e7d', 'second.Token_XYZ~90a2'];
/** The name of the fixture runs: run data a refused client must never see. */
const MARKER = 'classified-run-name-61d3';
const SNEAKY = 'created-without-a-token-9e0b';

const EVALUATE = {
  network: { inputSize: 1, layers: [{ units: 1, activation: 'sigmoid' }], loss: 'binary_cross_entropy' },
  weights: [{ W: [[1]], b: [0] }],
  features: [[1]],
  labels: [1],
};

interface Endpoint {
  name: string;
  method: string;
  path(id: string): string;
  body?: unknown;
}

const PROTECTED: Endpoint[] = [
  { name: 'GET /v1/runs', method: 'GET', path: () => '/v1/runs' },
  { name: 'GET /v1/runs/:id', method: 'GET', path: (id) => `/v1/runs/${id}` },
  { name: 'HEAD /v1/runs/:id', method: 'HEAD', path: (id) => `/v1/runs/${id}` },
  { name: 'GET /v1/runs/:id/metrics', method: 'GET', path: (id) => `/v1/runs/${id}/metrics` },
  { name: 'GET /v1/runs/:id/model', method: 'GET', path: (id) => `/v1/runs/${id}/model` },
  { name: 'POST /v1/runs/:id/cancel', method: 'POST', path: (id) => `/v1/runs/${id}/cancel` },
  { name: 'DELETE /v1/runs/:id', method: 'DELETE', path: (id) => `/v1/runs/${id}` },
  { name: 'POST /v1/runs', method: 'POST', path: () => '/v1/runs', body: { ...probeSpec, name: SNEAKY } },
  { name: 'POST /v1/evaluate', method: 'POST', path: () => '/v1/evaluate', body: EVALUATE },
];

function request(
  e: Endpoint,
  id: string,
  c: Credential,
  spell: (p: string) => string = (p) => p,
): RawRequest {
  const target = `${spell(e.path(id))}${c.query.length ? `?${c.query.join('&')}` : ''}${c.suffix ?? ''}`;
  return {
    method: e.method,
    target,
    headers: [
      ...c.headers,
      ...(e.body ? ([['Content-Type', 'application/json']] as [string, string][]) : []),
    ],
    body: e.body ? JSON.stringify(e.body) : undefined,
  };
}

describe('auth fuzz: AUTH_TOKENS set', () => {
  let svc: FuzzService;
  const tally = new Tally();
  const started = Date.now();
  /** Runs the valid-credential and log checks read. */
  const ids: string[] = [];
  /** Runs the refused requests aim at (a refused DELETE that gets through would delete one). */
  const victims: string[] = [];
  const authed = { authorization: `Bearer ${TOKENS[0]}` };
  const sample = <T>(name: string, arb: fc.Arbitrary<T>, n: number) =>
    fc.sample(arb, { seed: seedOf(name), numRuns: runs(n) });

  beforeAll(async () => {
    svc = await startFuzzService(
      { AUTH_TOKENS: TOKENS.join(','), WAIT_MAX_SECONDS: '30' },
      'production:trace',
    );
    const specs = [
      { ...probeSpec, name: MARKER },
      { ...quickTrain(30), name: MARKER },
    ];
    for (const [list, spec] of [
      ...specs.map((x) => [ids, x] as const),
      ...specs.map((x) => [victims, x] as const),
    ]) {
      const r = await http(`${svc.url}/v1/runs`, { body: spec, headers: { ...authed, prefer: 'wait=30' } });
      if (r.status !== 200) throw new Error(`fixture: ${r.status} ${JSON.stringify(r.body)}`);
      list.push(r.body.id);
    }
  });

  afterAll(async () => {
    console.log(tally.summary('fuzz (auth)', FUZZ_SEED, Date.now() - started));
    await svc?.close();
  });

  it('probes and metrics stay open, with or without credentials', async () => {
    const creds = sample('open', invalidCredential(TOKENS), 30);
    await forEachLimit(
      ['/healthz', '/readyz', '/metrics'].flatMap((p) => creds.map((c) => [p, c] as const)),
      8,
      async ([path, c]) => {
        tally.count(`GET ${path}`);
        const req = request({ name: path, method: 'GET', path: () => path }, '', c);
        const res = await sendRaw(svc.port, req, REQUEST_TIMEOUT_MS).catch(() => null);
        if (res?.status !== 200)
          tally.fail({
            endpoint: `GET ${path}`,
            signature: `answered ${res?.status ?? 'nothing'}`,
            input: `${c.what} :: ${describeRequest(req)}`,
          });
      },
    );
    expect(tally.report(), tally.report()).toBe('');
  });

  it('valid tokens work in the documented places (?token= on streams only)', async () => {
    const from = tally.failures.length;
    const arb = fc.record({ c: validCredential(TOKENS), id: fc.constantFrom(...ids) });
    await forEachLimit(sample('valid', arb, 60), 8, async ({ c, id }) => {
      const endpoint = 'valid credential';
      tally.count(endpoint);
      const req = request(PROTECTED[1], id, c);
      const res = await sendRaw(svc.port, req, REQUEST_TIMEOUT_MS).catch(() => null);
      if (c.query.length > 0) {
        // A token in the URL of a plain HTTP request ends up in logs and histories: refused.
        if (res?.status !== 401 || res.text.includes(MARKER))
          tally.fail({
            endpoint,
            signature: `GET /v1/runs/:id with only ?token= answered ${res?.status ?? 'nothing'}, not 401`,
            input: `${c.what} :: ${describeRequest(req)}`,
          });
      } else if (res?.status !== 200 || !res.text.includes(MARKER)) {
        tally.fail({
          endpoint,
          signature: `GET /v1/runs/:id answered ${res?.status ?? 'nothing'}`,
          input: `${c.what} :: ${describeRequest(req)}`,
        });
      }
      tally.count(endpoint);
      const url = `${svc.wsUrl}/v1/runs/${id}/stream${c.query.length ? `?${c.query.join('&')}` : ''}`;
      const o = await wsProbe(url, { headers: Object.fromEntries(c.headers), timeoutMs: REQUEST_TIMEOUT_MS });
      if (o.kind !== 'closed' || o.code !== 1000)
        tally.fail({
          endpoint,
          signature: `stream ended as ${o.kind} ${'code' in o ? o.code : ''}`,
          input: `${c.what} :: ${url}`,
        });
    });
    const report = tally.report(from);
    if (report) throw new Error(report);
  });

  it('no protected endpoint answers without a valid token', async () => {
    const from = tally.failures.length;
    const arb = fc.record({
      e: fc.constantFrom(...PROTECTED),
      id: fc.constantFrom(...victims),
      // A right token in the query is no credential on an HTTP route (only on WebSocket upgrades).
      c: fc.oneof(
        { weight: 9, arbitrary: invalidCredential(TOKENS) },
        { weight: 1, arbitrary: validCredential(TOKENS).filter((v) => v.query.length > 0) },
      ),
      spelling: pathSpelling,
    });
    await forEachLimit(sample('http-denied', arb, 700), 8, async ({ e, id, c, spelling }) => {
      const endpoint = `${e.name} (${spelling.what})`;
      tally.count(endpoint);
      const req = request(e, id, c, spelling.spell);
      const input = `${c.what} :: ${describeRequest(req)}`;
      const res = await sendRaw(svc.port, req, REQUEST_TIMEOUT_MS).catch(() => null);
      if (!res) return tally.fail({ endpoint, signature: 'no answer', input });
      if (res.status < 400)
        return tally.fail({
          endpoint,
          signature: `answered ${res.status} without a valid token`,
          input,
          log: res.text.slice(0, 160),
        });
      if (res.text.includes(MARKER))
        return tally.fail({ endpoint, signature: `${res.status} body carries run data`, input });
      if (spelling.what === 'plain' && res.status !== 401)
        return tally.fail({ endpoint, signature: `answered ${res.status}, not 401`, input });
      if (res.status === 401 && !res.headers['www-authenticate'])
        tally.fail({ endpoint, signature: '401 without WWW-Authenticate', input });
      const bad = contractViolation(res, { head: req.method === 'HEAD' });
      if (bad) tally.fail({ endpoint, signature: bad, input });
    });
    const report = tally.report(from);
    if (report) throw new Error(report);
  });

  it('no stream opens without a valid token', async () => {
    const from = tally.failures.length;
    const arb = fc.record({
      path: fc.constantFrom(...victims.map((id) => `/v1/runs/${id}/stream`), '/v1/stream'),
      c: invalidCredential(TOKENS),
      spelling: pathSpelling.filter((s) => !s.what.startsWith('absolute')),
    });
    await forEachLimit(sample('ws-denied', arb, 150), 8, async ({ path, c, spelling }) => {
      const endpoint = `WS ${path.startsWith('/v1/stream') ? '/v1/stream' : '/v1/runs/:id/stream'} (${spelling.what})`;
      tally.count(endpoint);
      const url = `${svc.wsUrl}${spelling.spell(path)}${c.query.length ? `?${c.query.join('&')}` : ''}`;
      const o = await wsProbe(url, {
        headers: Object.fromEntries(c.headers),
        closeAfterMs: 300,
        timeoutMs: REQUEST_TIMEOUT_MS,
      });
      const input = `${c.what} :: ${url.replace(svc.wsUrl, '')}`;
      if (o.kind === 'closed' || o.kind === 'hang') {
        tally.fail({
          endpoint,
          signature: `upgraded without a valid token (${o.messages.length} messages${o.messages.some((m) => m.includes(MARKER)) ? ', with run data' : ''})`,
          input,
        });
      } else if (o.kind === 'rejected' && o.response.status !== 401 && spelling.what === 'plain') {
        tally.fail({ endpoint, signature: `rejected with ${o.response.status}, not 401`, input });
      }
    });
    const report = tally.report(from);
    if (report) throw new Error(report);
  });

  it('refused requests changed nothing', async () => {
    for (const id of victims) {
      const r = await http(`${svc.url}/v1/runs/${id}`, { headers: authed });
      expect(r.status, `fixture run ${id} after the storm`).toBe(200);
      expect(r.body.status).toBe('succeeded');
    }
    const sneaky = await http(`${svc.url}/v1/runs?name=${SNEAKY}`, { headers: authed });
    expect(sneaky.body.items, 'runs created without a valid token').toEqual([]);
  });

  it('no token ever reaches the log, at any level', async () => {
    // Only the bait counts: the refused-request storms put tokens in places the server never reads (a fragment, a
    // cookie), where logging the URL or header is no leak of a credential the server accepted.
    svc.logs.length = 0;
    // Bait: real tokens in the header and in ?token= (also with an encoded key), on every kind of request and failure.
    const bait: { what: string; send(): Promise<unknown> }[] = [];
    for (const token of TOKENS) {
      const places: Credential[] = [
        { headers: [['Authorization', `Bearer ${token}`]], query: [], what: 'header' },
        { headers: [], query: [`token=${token}`], what: '?token=' },
        { headers: [], query: [`%74oken=${token}`], what: '?%74oken=' },
        { headers: [], query: [`x=1&TOKEN=${token}`], what: '?TOKEN=' },
      ];
      for (const c of places) {
        for (const e of PROTECTED)
          bait.push({
            what: `${e.name} ${c.what}`,
            send: () => sendRaw(svc.port, request(e, ids[0], c), REQUEST_TIMEOUT_MS),
          });
        const raw = (method: string, path: string, extra: [string, string][] = []) =>
          bait.push({
            what: `${method} ${path} ${c.what}`,
            send: () =>
              sendRaw(
                svc.port,
                request({ name: path, method, path: () => path }, '', {
                  ...c,
                  headers: [...c.headers, ...extra],
                }),
                REQUEST_TIMEOUT_MS,
              ),
          });
        raw('GET', '/nope');
        raw('GET', '/v1/runs/%E0%A4%A');
        raw('GET', `/v1/runs/${ids[0]}/metrics`);
        raw('GET', '/healthz');
        raw('GET', '/v1/runs', [['Expect', 'nonsense']]);
        raw('GET', '/v1/runs', [['X-Big', 'h'.repeat(20_000)]]);
        raw('GET', '/v1/runs', [['Content-Length', 'zz']]);
        const ws = (path: string, send?: Buffer) =>
          bait.push({
            what: `WS ${path} ${c.what}`,
            send: () =>
              wsProbe(
                `${svc.wsUrl}${path}${c.query.length ? `${path.includes('?') ? '&' : '?'}${c.query.join('&')}` : ''}`,
                {
                  headers: Object.fromEntries(c.headers),
                  closeAfterMs: 200,
                  onOpen: send ? (w) => w.send(send) : undefined,
                },
              ),
          });
        ws(`/v1/runs/${ids[1]}/stream`);
        ws(`/v1/runs/${ids[1]}/stream?from=3000000000`);
        ws('/v1/stream', Buffer.alloc(70_000));
        ws('/healthz');
        ws('/v1/runs');
      }
    }
    await forEachLimit(bait, 6, async (b) => {
      tally.count('log bait');
      await b.send().catch(() => undefined);
    });
    await new Promise((r) => setTimeout(r, 200));
    const hits = TOKENS.flatMap((t, i) => secretHits(svc.logs, t).map((h) => `token #${i}: ${h}`));
    const unique = [
      ...new Set(hits.map((h) => h.replace(/"reqId":"[^"]*"|"time":\d+|"remotePort":\d+/g, ''))),
    ];
    expect(svc.logs.length, 'the log captured nothing').toBeGreaterThan(100);
    if (unique.length > 0)
      throw new Error(`${hits.length} log lines carry a token:\n${unique.slice(0, 12).join('\n')}`);
  });

  it('ran enough cases to mean something', () => {
    expect(tally.total).toBeGreaterThanOrEqual(900 * Math.min(1, FUZZ_SCALE));
  });
});
