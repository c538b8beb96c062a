// POST /v1/runs under fire: random JSON, mutated valid specs, hostile transport (content types, raw bytes, framing,
// nesting, size) and hostile headers.
import fc from 'fast-check';
import { RUN_SPEC_EXAMPLES } from '../../../src/schemas/specs.ts';
import { probe as probeSpec, quickTrain, slowTrain } from '../../helpers/specs.ts';
import { mutatedDocument } from '../support/arbitraries.ts';
import { nested, toJsonText, withKey } from '../support/json-text.ts';
import type { RawRequest } from '../support/raw-http.ts';
import { headerName, headerValue } from '../support/request-parts.ts';
import { describeRequest, jsonRequest, probe, runs } from '../support/service.ts';
import { forEachLimit } from '../support/verdict.ts';
import { cases, LANES, type StormContext } from './context.ts';

export const RUN_SPEC_BASES: readonly unknown[] = [
  quickTrain(),
  slowTrain(),
  probeSpec,
  ...RUN_SPEC_EXAMPLES,
];

/** A 2xx of POST /v1/runs must be a run: 202 with id/status/links, or 200 with the finished run. */
function checkAccepted(ctx: StormContext, endpoint: string, req: RawRequest, status: number, text: string) {
  if (status >= 300) return;
  const body = JSON.parse(text) as { id?: string; status?: string };
  if (![200, 202].includes(status) || typeof body.id !== 'string' || typeof body.status !== 'string') {
    ctx.tally.fail({
      endpoint,
      signature: `odd success ${status}`,
      input: describeRequest(req),
      log: text.slice(0, 200),
    });
  }
}

async function storm(
  ctx: StormContext,
  endpoint: string,
  reqs: RawRequest[],
  describe?: (i: number) => string,
  lanes = LANES,
) {
  await forEachLimit(reqs, lanes, async (req, i) => {
    const res = await probe(
      ctx.svc,
      ctx.tally,
      endpoint,
      req,
      describe ? () => `${describe(i)} :: ${describeRequest(req)}` : undefined,
    );
    if (res) checkAccepted(ctx, endpoint, req, res.status, res.text);
  });
}

export async function randomJsonStorm(ctx: StormContext): Promise<void> {
  const values = cases(ctx, 'runs-json', fc.jsonValue({ maxDepth: 6 }), runs(120));
  const objects = cases(
    ctx,
    'runs-json-objects',
    fc.dictionary(
      fc.constantFrom(
        'kind',
        'name',
        'network',
        'init',
        'data',
        'training',
        'telemetry',
        'seed',
        'batchSize',
      ),
      fc.jsonValue({ maxDepth: 3 }),
    ),
    runs(80),
  );
  await storm(
    ctx,
    'POST /v1/runs random JSON',
    [...values, ...objects].map((v) => jsonRequest('POST', '/v1/runs', toJsonText(v))),
  );
}

export async function mutatedSpecStorm(ctx: StormContext): Promise<void> {
  const docs = cases(ctx, 'runs-mutated', mutatedDocument(RUN_SPEC_BASES), runs(350));
  await storm(
    ctx,
    'POST /v1/runs mutated spec',
    docs.map((d) => jsonRequest('POST', '/v1/runs', d.text)),
    (i) => docs[i].what,
  );
}

/** Hand-made transport cases: each names one way a body can be wrong besides its content. */
function transportCases(): { light: RawRequest[]; heavy: RawRequest[] } {
  const spec = JSON.stringify(quickTrain(5));
  const post = (
    headers: [string, string][],
    body?: string | Buffer,
    extra: Partial<RawRequest> = {},
  ): RawRequest => ({
    method: 'POST',
    target: '/v1/runs',
    headers,
    body,
    ...extra,
  });
  const json: [string, string] = ['Content-Type', 'application/json'];
  const bigArray = (n: number) =>
    `{"kind":"train","network":{"inputSize":2,"layers":[${Array(n).fill('{"units":1,"activation":"relu"}').join(',')}],"loss":"mse"}}`;
  const inline = (rows: number) =>
    toJsonText({
      ...quickTrain(5),
      data: { source: 'inline', features: Array(rows).fill([0, 1]), labels: Array(rows).fill(1) },
    });
  const light = [
    post([json], ''),
    post([json]),
    post([], ''),
    post([], spec),
    post([['Content-Type', 'text/plain']], spec),
    post([['Content-Type', 'text/plain']], ''),
    post([['Content-Type', 'application/x-www-form-urlencoded']], 'kind=train&name=x'),
    post(
      [['Content-Type', 'multipart/form-data; boundary=x']],
      '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--',
    ),
    post([['Content-Type', 'application/octet-stream']], Buffer.from(spec)),
    post(
      [['Content-Type', 'application/json; charset=latin1']],
      Buffer.from(spec.replace('quick', 'qüick'), 'latin1'),
    ),
    post([['Content-Type', 'application/json; charset=utf-16']], Buffer.from(spec, 'utf16le')),
    post([['Content-Type', 'APPLICATION/JSON']], spec),
    post(
      [
        ['Content-Type', 'application/json'],
        ['Content-Type', 'text/plain'],
      ],
      spec,
    ),
    post([['Content-Type', 'application/vnd.api+json']], spec),
    post([['Content-Type', ';;;===']], spec),
    post([json], `\uFEFF${spec}`),
    post([json], `${spec}${spec}`),
    post([json], `${spec} trailing`),
    post([json], spec.slice(0, -1)),
    post([json], 'null'),
    post([json], '"a string"'),
    post([json], '1e999'),
    post([json], '-0'),
    post([json], spec.replace('{', '{"kind":"dance",')),
    post([json], spec.replace('{', '{"kind":"probe",')),
    post([json], spec.replace(/}$/, ',"kind":"gradcheck"}')),
    post([json], '{"__proto__":{"polluted":true}}'),
    post([json], spec.replace('{', '{"__proto__":{"kind":"probe"},')),
    post([json], spec.replace('"network":{', '"network":{"__proto__":{"inputSize":1},')),
    post([json], '{"constructor":{"prototype":{"polluted":true}}}'),
    post([json], spec.replace('{', '{"constructor":{"prototype":{"polluted":true}},')),
    post([json], toJsonText(withKey(quickTrain(5), 'constructor', { prototype: 1 }))),
    post([json], nested(10_000, 'array').text),
    post([json], nested(10_000, 'object').text),
    post([json], spec.replace('"quick"', nested(10_000, 'array').text)),
    post([json], spec.replace('"layers":[', `"layers":[${nested(10_000, 'object').text},`)),
    post([json, ['Content-Length', String(2 ** 31)]], spec, { noContentLength: true }),
    post([json, ['Content-Length', '-1']], spec, { noContentLength: true }),
    post([json, ['Content-Length', 'abc']], spec, { noContentLength: true }),
    post([json, ['Content-Length', '5'], ['Content-Length', '6']], spec, { noContentLength: true }),
    post([json, ['Transfer-Encoding', 'chunked']], 'zz\r\n{}\r\n0\r\n\r\n'),
    post([json, ['Transfer-Encoding', 'gzip, chunked']], '2\r\n{}\r\n0\r\n\r\n'),
    post([json, ['Content-Encoding', 'gzip']], spec),
    post([json, ['Content-Encoding', 'br']], Buffer.from([0x1f, 0x8b, 0x08, 0x00])),
    post([json, ['Expect', '100-continue']], spec),
    post([json, ['Expect', 'garbage']], spec),
  ];
  // Big bodies go one at a time, so that a stall they cause is not blamed on their neighbours.
  const heavy = [
    post([json], nested(100_000, 'array').text),
    post([json], nested(100_000, 'object', '{"__proto__":1}').text),
    post([json], bigArray(100_000)),
    // Valid but over the default 512 KiB body limit: 120k inline samples (about 1 MB) must be refused fast (413).
    post([json], inline(120_000), { oversized: true }),
    // Far beyond the body limit: 413, declared or streamed.
    post([json], `[${'1,'.repeat(9_000_000)}1]`, { oversized: true }),
    post(
      [json, ['Transfer-Encoding', 'chunked']],
      `${(20 * 1024 * 1024).toString(16)}\r\n${'1'.repeat(20 * 1024 * 1024)}\r\n0\r\n\r\n`,
      { oversized: true },
    ),
  ];
  return { light, heavy };
}

/** Valid JSON text of a spec with random bytes (often invalid UTF-8) spliced in. */
const withRawBytes = fc
  .tuple(
    fc.constantFrom(...RUN_SPEC_BASES.map((b) => Buffer.from(JSON.stringify(b)))),
    fc.nat(),
    fc.uint8Array({ minLength: 1, maxLength: 12 }),
  )
  .map(([spec, at, bytes]) => {
    const i = at % spec.length;
    return Buffer.concat([spec.subarray(0, i), Buffer.from(bytes), spec.subarray(i)]);
  });

export async function transportStorm(ctx: StormContext): Promise<void> {
  const { light, heavy } = transportCases();
  await storm(ctx, 'POST /v1/runs transport', light);
  await storm(ctx, 'POST /v1/runs big bodies', heavy, undefined, 1);
  const raw = cases(ctx, 'runs-raw-bytes', withRawBytes, runs(60));
  const inName = cases(ctx, 'runs-raw-name', fc.uint8Array({ minLength: 1, maxLength: 16 }), runs(30)).map(
    (bytes) => {
      const [a, b] = JSON.stringify(probeSpec).replace('{', '{"name":"@@",').split('@@');
      return Buffer.concat([Buffer.from(a), Buffer.from(bytes), Buffer.from(b)]);
    },
  );
  await storm(
    ctx,
    'POST /v1/runs raw bytes',
    [...raw, ...inName].map((body) => ({
      method: 'POST',
      target: '/v1/runs',
      headers: [['Content-Type', 'application/json']],
      body,
    })),
  );
}

export async function headerStorm(ctx: StormContext): Promise<void> {
  // A valid body, so that validation reaches the headers (fastify checks the body first).
  const body = JSON.stringify(probeSpec);
  const sets = cases(
    ctx,
    'runs-headers',
    fc.array(fc.tuple(headerName, headerValue), { minLength: 1, maxLength: 4 }),
    runs(120),
  );
  await storm(
    ctx,
    'POST /v1/runs headers',
    sets.map((h) => jsonRequest('POST', '/v1/runs', body, h)),
  );
}
