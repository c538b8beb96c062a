// Bodies read off the event loop (POST /v1/evaluate always; /v1/runs and /v1/sweeps from 64 KiB) are refused
// exactly as fastify's own parser and validator refuse them on the loop: the same status, media type and problem
// (pointers, messages, detail), compared with a reference app that validates the same schemas the usual way.
import Fastify, { type FastifyInstance } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DataSpec } from '../../src/core/index.ts';
import { registerProblemHandling } from '../../src/http/problems.ts';
import { registerStrictRequests } from '../../src/http/strict-requests.ts';
import { dataRowsOf } from '../../src/model/budget.ts';
import { OFF_LOOP_BODY_BYTES, ON_LOOP_MAX_DATA_ROWS } from '../../src/routes/read-body.ts';
import { CreateHeadersSchema } from '../../src/routes/runs.ts';
import { EvaluateRequestSchema } from '../../src/schemas/evaluate.ts';
import { RunSpecSchema } from '../../src/schemas/specs.ts';
import { SweepRequestSchema } from '../../src/schemas/sweeps.ts';
import { describeServiceOnEachDatabase } from '../helpers/service.ts';
import { probe } from '../helpers/specs.ts';

/** The app's validation as it ran on the event loop: its validator, strict JSON parser and problem handler. */
async function referenceApp(): Promise<FastifyInstance> {
  const app = Fastify({ bodyLimit: 4 * 1024 * 1024 });
  app.setValidatorCompiler(validatorCompiler);
  registerProblemHandling(app);
  registerStrictRequests(app);
  const ok = async () => ({ ok: true });
  app.post('/v1/evaluate', { schema: { body: EvaluateRequestSchema } }, ok);
  app.post('/v1/runs', { schema: { body: RunSpecSchema, headers: CreateHeadersSchema } }, ok);
  app.post('/v1/sweeps', { schema: { body: SweepRequestSchema } }, ok);
  await app.ready();
  return app;
}

interface Case {
  what: string;
  url: string;
  body: string | Buffer;
  headers?: Record<string, string>;
}

const r = (i: number) => Math.sin(i * 12.9898) * 0.123456789;
const rows = (n: number, width: number, from = 0) =>
  Array.from({ length: n }, (_, i) => Array.from({ length: width }, (_, j) => r(from + i * width + j)));

/** A valid evaluate request of a (width → 64 tanh → 1 sigmoid) network on 512 rows: ~1.5 MiB of JSON at width 200. */
function evaluateRequest(width: number) {
  return {
    network: {
      inputSize: width,
      layers: [
        { units: 64, activation: 'tanh' },
        { units: 1, activation: 'sigmoid' },
      ],
      loss: 'binary_cross_entropy',
    },
    weights: [
      { W: rows(64, width), b: Array(64).fill(0) },
      { W: rows(1, 64, 7), b: [0] },
    ],
    features: rows(512, width, 11),
    labels: Array.from({ length: 512 }, (_, i) => i % 2),
  };
}

/** A train spec with `n` inline samples (n = 6,000 is ~0.25 MiB: read off the loop). */
function inlineRun(n: number) {
  return {
    kind: 'train',
    name: 'off-loop',
    network: probe.network,
    init: { weights: { scheme: 'xavier_normal' }, seed: 1 },
    data: { source: 'inline', features: rows(n, 2), labels: Array.from({ length: n }, (_, i) => i % 2) },
    training: { optimizer: { kind: 'sgd', lr: 0.01 }, steps: 1 },
  };
}

const json = (v: unknown) => JSON.stringify(v);
const big = evaluateRequest(200);
const badRow = structuredClone(big);
badRow.weights[0].W[40] = badRow.weights[0].W[40].slice(1);
const badLabels = { ...structuredClone(big), labels: big.labels.slice(1) };
const manyRows = { ...structuredClone(big), features: rows(513, 200), labels: Array(513).fill(0) };
const badTypes = structuredClone(big) as { features: unknown[][]; extra?: number };
badTypes.features[300][7] = 'NaN';
badTypes.features[301] = 'x' as never;
badTypes.extra = 1;
const valid = json(big);
const [head, tail] = json({ ...inlineRun(6000), name: 'AB' }).split('AB');

const evaluateCases: Case[] = [
  { what: 'a W row of the wrong length', url: '/v1/evaluate', body: json(badRow) },
  { what: 'labels for fewer rows', url: '/v1/evaluate', body: json(badLabels) },
  { what: '513 rows', url: '/v1/evaluate', body: json(manyRows) },
  { what: 'wrong types and an unknown key', url: '/v1/evaluate', body: json(badTypes) },
  { what: 'a small body with a bad network', url: '/v1/evaluate', body: json({ network: {}, weights: [] }) },
  { what: 'a large body that is not JSON', url: '/v1/evaluate', body: `${valid.slice(0, -1)},}` },
  { what: 'a __proto__ key', url: '/v1/evaluate', body: `{"__proto__":{"x":1},${valid.slice(1)}` },
  {
    what: 'a constructor.prototype key',
    url: '/v1/evaluate',
    body: `{"constructor":{"prototype":{"x":1}},${valid.slice(1)}`,
  },
  {
    what: 'bytes that are not UTF-8',
    url: '/v1/evaluate',
    body: Buffer.concat([Buffer.from(valid.slice(0, -1)), Buffer.from(',"\xff":1}', 'latin1')]),
  },
  { what: 'an empty body', url: '/v1/evaluate', body: '' },
  {
    what: 'charset=utf-16',
    url: '/v1/evaluate',
    body: valid,
    headers: { 'content-type': 'application/json; charset=utf-16' },
  },
];

const bigRun = inlineRun(6000);
const runCases: Case[] = [
  {
    what: 'a large inline spec with a bad label and an unknown key',
    url: '/v1/runs',
    body: json({
      ...bigRun,
      extra: true,
      data: { ...bigRun.data, labels: [...bigRun.data.labels.slice(1), 'x'] },
    }),
  },
  {
    what: 'a large inline spec with a name the database cannot hold',
    url: '/v1/runs',
    body: json({ ...bigRun, name: 'a\u0000b' }),
  },
  {
    what: 'a large inline spec with invalid UTF-8 in its name',
    url: '/v1/runs',
    body: Buffer.concat([Buffer.from(`${head}a`), Buffer.from([0xff, 0xfe]), Buffer.from(`b${tail}`)]),
  },
  {
    what: 'a bad body and a bad header: the body is named',
    url: '/v1/runs',
    body: json({ ...bigRun, kind: 'nope' }),
    headers: { prefer: 'wait=soon' },
  },
  {
    what: 'a good large body and a bad header: the header is named',
    url: '/v1/runs',
    body: json(bigRun),
    headers: { prefer: 'wait=soon' },
  },
  { what: 'a small bad body', url: '/v1/runs', body: json({ kind: 'train' }) },
  {
    what: 'a large sweep whose base has a bad inline row',
    url: '/v1/sweeps',
    body: json({
      kind: 'grid',
      base: { ...bigRun, data: { ...bigRun.data, features: [[1], ...bigRun.data.features.slice(1)] } },
      axes: { 'training.optimizer.lr': [0.01, 0.1] },
      extra: 1,
    }),
  },
];

/** A network over the parameter budget (2 → 1500 → 1500 → 1: 2.26 million parameters). */
const overBudget = {
  ...probe.network,
  layers: [
    { units: 1500, activation: 'tanh' },
    { units: 1500, activation: 'tanh' },
    { units: 1, activation: 'sigmoid' },
  ],
};
const threeInputs = { ...probe.network, inputSize: 3 };
/**
 * Refusals after the body is read (the budget, the core's checks): a run admitted on the evaluate thread (a body
 * over 64 KiB, or generated data of many rows) against the same spec admitted on the loop (few rows).
 */
const admissionCases: { what: string; spec: (rows: number) => unknown }[] = [
  {
    what: 'inline data under a network over the budget',
    spec: (n) => ({ ...inlineRun(n), network: overBudget }),
  },
  { what: 'inline rows narrower than the network', spec: (n) => ({ ...inlineRun(n), network: threeInputs }) },
  {
    what: 'generated rows narrower than the network',
    spec: (n) => ({ ...inlineRun(1), network: threeInputs, data: { source: 'circles', n: n * 20, seed: 1 } }),
  },
  {
    what: 'a test set of the wrong width',
    spec: (n) => {
      const run = inlineRun(n);
      return { ...run, data: { ...run.data, test: { features: rows(3, 3), labels: [0, 1, 0] } } };
    },
  },
];

/** A grid over a base with `n` inline rows: point 1 of each case is refused (after point 0 was checked). */
const sweepOf = (n: number, field: string, values: unknown[]) => ({
  kind: 'grid',
  name: 'off-loop sweep',
  base: inlineRun(n),
  axes: [{ field, values }],
});
const sweepAdmissionCases: { what: string; sweep: (rows: number) => unknown }[] = [
  { what: 'a point over the budget', sweep: (n) => sweepOf(n, '/network/layers/0/units', [4, 1_500_000]) },
  { what: 'a point whose inline rows are narrower', sweep: (n) => sweepOf(n, '/network/inputSize', [2, 3]) },
  { what: 'a point that is not a run spec', sweep: (n) => sweepOf(n, '/training/optimizer/lr', [0.01, 'x']) },
];

describeServiceOnEachDatabase('bodies read off the event loop', (svc) => {
  let reference: FastifyInstance;
  beforeAll(async () => {
    reference = await referenceApp();
  });
  afterAll(async () => {
    await reference?.close();
  });

  /** The service's answer and the reference's, as status, media type and parsed problem. */
  async function both(c: Case) {
    const headers = { 'content-type': 'application/json', ...c.headers };
    const res = await fetch(`${svc().url}${c.url}`, { method: 'POST', headers, body: c.body as BodyInit });
    const ref = await reference.inject({ method: 'POST', url: c.url, headers, payload: c.body });
    return {
      service: { status: res.status, type: res.headers.get('content-type'), body: await res.json() },
      reference: { status: ref.statusCode, type: ref.headers['content-type'], body: ref.json() },
    };
  }

  it.each([...evaluateCases, ...runCases].map((c) => [c.what, c] as const))(
    '%s: the same problem as on the loop',
    async (_what, c) => {
      const { service, reference: expected } = await both(c);
      expect(service.status).toBeGreaterThanOrEqual(400);
      expect(service).toEqual(expected);
    },
  );

  it.each([
    ['/v1/evaluate', undefined],
    ['/v1/runs', undefined],
    ['/v1/sweeps', undefined],
    ['/v1/evaluate', 'text/plain'],
    ['/v1/runs', 'text/plain'],
  ])('%s with no body, or a %s one: the same problem as on the loop', async (url, type) => {
    const init = type ? { headers: { 'content-type': type }, body: '{}' } : {};
    const res = await fetch(`${svc().url}${url}`, { method: 'POST', ...init });
    const ref = await reference.inject({ method: 'POST', url, ...(type ? { ...init, payload: '{}' } : {}) });
    expect(res.status).toBe(ref.statusCode);
    expect(await res.json()).toEqual(ref.json());
  });

  it.each(admissionCases.map((c) => [c.what, c] as const))(
    '%s: admitted off the loop, the same problem as a small spec on the loop',
    async (_what, c) => {
      const answer = async (spec: unknown) => {
        const res = await fetch(`${svc().url}/v1/runs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: json(spec),
        });
        return { status: res.status, type: res.headers.get('content-type'), body: await res.json() };
      };
      const offLoop = await answer(c.spec(6000));
      expect(offLoop.status).toBeGreaterThanOrEqual(400);
      expect(offLoop).toEqual(await answer(c.spec(10)));
    },
  );

  it.each(sweepAdmissionCases.map((c) => [c.what, c] as const))(
    'a sweep with %s: admitted off the loop, the same problem as a small one on the loop',
    async (_what, c) => {
      const answer = async (sweep: unknown) => {
        const res = await fetch(`${svc().url}/v1/sweeps`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: json(sweep),
        });
        return { status: res.status, type: res.headers.get('content-type'), body: await res.json() };
      };
      expect(Buffer.byteLength(json(c.sweep(6000)))).toBeGreaterThanOrEqual(OFF_LOOP_BODY_BYTES);
      const offLoop = await answer(c.sweep(6000));
      expect(offLoop.status).toBeGreaterThanOrEqual(400);
      expect(offLoop.body.errors[0].point).toBe(1);
      expect(offLoop).toEqual(await answer(c.sweep(10)));
    },
  );

  it('a large sweep admitted off the loop stores its request and every point exactly as sent', async () => {
    const sweep = { ...sweepOf(6000, '/training/optimizer/lr', [0.01, 0.1]), maxConcurrent: 1 };
    const res = await fetch(`${svc().url}/v1/sweeps`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: json(sweep),
    });
    expect(res.status).toBe(202);
    const { id, pointCount } = await res.json();
    expect(pointCount).toBe(2);
    const read = await (await fetch(`${svc().url}/v1/sweeps/${id}`)).json();
    expect(read.request).toEqual(sweep);
    expect(read.maxConcurrent).toBe(1);
    expect(read.fields).toEqual(['/training/optimizer/lr']);
    for (const [i, point] of read.points.entries()) {
      const run = await (await fetch(`${svc().url}/v1/runs/${point.runId}`)).json();
      const { name: _name, ...base } = sweep.base;
      expect(run.spec).toEqual({
        ...base,
        training: { ...base.training, optimizer: { kind: 'sgd', lr: [0.01, 0.1][i] } },
      });
      expect(run.name).toBe(`off-loop sweep: lr=${[0.01, 0.1][i]}`);
    }
  });

  it('an Idempotency-Key resent with another large body is a 409, with the same body a replay', async () => {
    const post = (spec: unknown) =>
      fetch(`${svc().url}/v1/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'off-loop-409' },
        body: json(spec),
      });
    const first = await post(bigRun);
    expect(first.status).toBe(202);
    const other = await post({ ...bigRun, name: 'another' });
    expect(other.status).toBe(409);
    expect((await other.json()).code).toBe('idempotency_conflict');
    const again = await post(bigRun);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await again.json()).id).toBe((await first.json()).id);
  });

  it('a large body is read off the loop: the cases above are over 64 KiB', () => {
    for (const c of admissionCases) {
      const spec = c.spec(6000) as { data: DataSpec };
      const offLoop =
        Buffer.byteLength(json(spec)) >= OFF_LOOP_BODY_BYTES || dataRowsOf(spec.data) > ON_LOOP_MAX_DATA_ROWS;
      expect(offLoop, c.what).toBe(true);
      const small = c.spec(10) as { data: DataSpec };
      expect(Buffer.byteLength(json(small)) < OFF_LOOP_BODY_BYTES, c.what).toBe(true);
      expect(dataRowsOf(small.data), c.what).toBeLessThanOrEqual(ON_LOOP_MAX_DATA_ROWS);
    }
    for (const c of [...evaluateCases.slice(0, 4), ...runCases.slice(0, 5), runCases[6]]) {
      expect(Buffer.byteLength(c.body), c.what).toBeGreaterThan(64 * 1024);
    }
  });

  it('a valid large evaluate body is answered (200) and a valid large inline run accepted (202)', async () => {
    const e = await fetch(`${svc().url}/v1/evaluate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: valid,
    });
    expect(e.status).toBe(200);
    expect(e.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const answer = await e.json();
    expect(answer.gradients[0].dW).toHaveLength(64);
    expect(answer.outputs).toHaveLength(512);
    const run = await fetch(`${svc().url}/v1/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'off-loop-1' },
      body: json(bigRun),
    });
    expect(run.status).toBe(202);
    const again = await fetch(`${svc().url}/v1/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'off-loop-1' },
      body: json(bigRun),
    });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await again.json()).id).toBe((await run.json()).id);
  });
});
