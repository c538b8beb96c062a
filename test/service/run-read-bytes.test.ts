// GET /v1/runs/:id answers exactly the bytes it answered through Prisma's findUnique and the zod-checked
// serializer (issue 16's fast read must not change them): runs in every state, and stored rows a client or an
// earlier release could have left odd (−0 and extreme doubles, spec keys out of order, old shapes, unicode),
// on PGlite and on Postgres.

import { createSerializerCompiler } from 'fastify-type-provider-zod';
import { expect, it } from 'vitest';
import { getRun } from '../../src/db/runs-repository.ts';
import { keepNegativeZero } from '../../src/schemas/common.ts';
import { toRun } from '../../src/schemas/run-view.ts';
import { RunSchema } from '../../src/schemas/runs.ts';
import {
  describeServiceOnEachDatabase,
  http,
  type RunningService,
  runFinished,
  waitFor,
} from '../helpers/service.ts';
import { probe, quickTrain, slowTrain, spiralsGradcheck } from '../helpers/specs.ts';

/** The answer as the route built it before issue 16: Prisma's findUnique, toRun, zod check, JSON with −0. */
const zodRunJson = createSerializerCompiler({ replacer: keepNegativeZero })({
  schema: RunSchema,
  method: 'GET',
  url: '/v1/runs/:id',
  httpStatus: '200',
} as never) as (data: unknown) => string;

async function reference(svc: RunningService, id: string): Promise<string> {
  const run = await getRun(svc.app.database.prisma, id);
  if (!run) throw new Error(`reference: run ${id} not found`);
  return zodRunJson(toRun(run));
}

/** The served body next to the reference, read while the row did not change (a running run moves on). */
async function servedAndReference(svc: RunningService, id: string) {
  for (let attempt = 0; ; attempt++) {
    const before = await reference(svc, id);
    const res = await fetch(`${svc.url}/v1/runs/${id}`);
    const served = await res.text();
    const after = await reference(svc, id);
    if (before === after || attempt === 50) {
      return { status: res.status, type: res.headers.get('content-type'), served, expected: after };
    }
  }
}

const sql = (svc: RunningService, text: string, ...values: unknown[]) =>
  svc.app.database.prisma.$executeRawUnsafe(text, ...values);

/** Sends exact JSON text (−0 kept). */
const exactJson = (v: unknown) => JSON.stringify(v, keepNegativeZero);

// One worker: the first slow run holds it, so the next ones stay queued.
describeServiceOnEachDatabase('GET /v1/runs/:id bytes', { env: { WORKERS: '1' } }, (service) => {
  it('are those of the Prisma + zod path for runs in every state and for odd stored rows', {
    timeout: 240_000,
  }, async () => {
    const svc = service();
    const submit = async (spec: unknown, headers: Record<string, string> = {}) => {
      const r = await http(`${svc.url}/v1/runs`, { body: exactJson(spec), headers });
      expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
      return r.body.id as string;
    };
    const ids: Record<string, string> = {};
    // Finished ones first (the worker is free): a train run whose spec holds −0 and extreme doubles (its
    // keys sent out of the schema's order), a probe and a gradient check (results).
    const odd = quickTrain(20, {
      name: 'ünïcødé ✓ "quoted" \\ \u0001',
      telemetry: { every: 1 },
      init: { seed: 3, weights: { std: 5e-324, scheme: 'normal', mean: -0 } },
    });
    ids.succeeded = await submit(odd, { prefer: 'wait=60' });
    ids.probe = await submit(probe, { prefer: 'wait=60' });
    ids.gradcheck = await submit(spiralsGradcheck({ name: 'gradcheck' }), { prefer: 'wait=60' });
    for (const k of ['succeeded', 'probe', 'gradcheck']) await runFinished(svc, ids[k]);
    // Stored by hand (before the slow runs take the worker): a failed run with its error; a row of an earlier
    // release (old diagnosis, spec text with its keys out of the schema's order, −0).
    ids.failed = await submit(quickTrain(5), { prefer: 'wait=60' });
    await sql(
      svc,
      `UPDATE runs SET status = 'failed', summary = NULL, diagnosis = NULL, attempts = 3,
         error = $1::jsonb WHERE id = $2::uuid`,
      JSON.stringify({ code: 'worker_crashed', message: 'the worker exited — "code 1" \n ✓' }),
      ids.failed,
    );
    ids.stored = await submit(quickTrain(5), { prefer: 'wait=60' });
    const spec = JSON.parse(exactJson(quickTrain(5)));
    const { name: _n, ...rest } = spec;
    const shuffled = `{"training":${exactJson(rest.training)},"kind":"train","network":${exactJson(
      rest.network,
    )},"telemetry":{"every":1},"init":{"weights":{"std":0.30000000000000004,"scheme":"normal","mean":-0},"seed":1},"data":${exactJson(rest.data)}}`;
    await sql(
      svc,
      `UPDATE runs SET spec = $1, diagnosis = $2::jsonb, result = $3::jsonb, sweep_index = 7, last_step = NULL
         WHERE id = $4::uuid`,
      shuffled,
      JSON.stringify({ verdict: 'vanishing', message: 'old ✓', atInit: null, extra: 1 }),
      JSON.stringify({ layers: 'an older shape' }),
      ids.stored,
    );

    ids.running = await submit(slowTrain('running'));
    await waitFor(async () => (await http(`${svc.url}/v1/runs/${ids.running}`)).body.progress.step >= 0);
    ids.queued = await submit(slowTrain('queued'));
    ids.cancelled = await submit(slowTrain('cancelled'));
    expect((await http(`${svc.url}/v1/runs/${ids.cancelled}/cancel`, { method: 'POST' })).status).toBe(200);

    const statuses: Record<string, string> = {};
    for (const [what, id] of Object.entries(ids)) {
      const r = await servedAndReference(svc, id);
      expect(r.status, `${what}: ${r.served}`).toBe(200);
      expect(r.type, what).toBe('application/json; charset=utf-8');
      expect(r.served, what).toBe(r.expected);
      statuses[what] = JSON.parse(r.served).status;
    }
    expect(statuses).toEqual({
      succeeded: 'succeeded',
      probe: 'succeeded',
      gradcheck: 'succeeded',
      running: 'running',
      queued: 'queued',
      cancelled: 'cancelled',
      failed: 'failed',
      stored: 'succeeded',
    });
    // The odd ones really are odd: −0 kept, keys in the schema's order, the old diagnosis mapped.
    const stored = JSON.parse((await servedAndReference(svc, ids.stored)).served);
    expect(Object.is(stored.spec.init.weights.mean, -0)).toBe(true);
    expect(Object.keys(stored.spec).slice(0, 2)).toEqual(['kind', 'network']);
    expect(stored.diagnosis.message).toContain('earlier release');
    expect(stored.result).toBeNull();
    expect(stored.sweepIndex).toBe(7);
    for (const id of [ids.running, ids.queued])
      await http(`${svc.url}/v1/runs/${id}/cancel`, { method: 'POST' });
  });

  it('Prefer: wait answers the bytes of a plain read once the run is final (its status polled without the spec)', {
    timeout: 120_000,
  }, async () => {
    const svc = service();
    const spec = quickTrain(30, { name: 'waited', telemetry: { every: 1 } });
    const created = await http(`${svc.url}/v1/runs`, { body: exactJson(spec) });
    expect(created.status).toBe(202);
    const id = created.body.id as string;
    const res = await fetch(`${svc.url}/v1/runs/${id}`, { headers: { prefer: 'wait=60' } });
    expect(res.headers.get('preference-applied')).toBe('wait=60');
    const waited = await res.text();
    expect(JSON.parse(waited).status).toBe('succeeded');
    expect(waited).toBe(await reference(svc, id));
    expect(waited).toBe(await (await fetch(`${svc.url}/v1/runs/${id}`)).text());
  });

  it('answers 404 with the same problem for a run that does not exist', async () => {
    const svc = service();
    const id = '00000000-0000-4000-8000-000000000000';
    const r = await http(`${svc.url}/v1/runs/${id}`);
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(r.body).toMatchObject({ code: 'run_not_found', status: 404, detail: `run ${id} does not exist` });
  });
});
