// The typed client against a real service on PGlite and Postgres: every call, its errors, and its stream.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GradscopeClient, GradscopeError, type RunStreamMessage } from '../../src/client/index.ts';
import { DB_KINDS, freshDatabase, type TestDatabase } from '../helpers/databases.ts';
import { type RunningService, startService } from '../helpers/service.ts';
import { probe, quickTrain, slowTrain } from '../helpers/specs.ts';

describe.each(DB_KINDS)('client on $kind', ({ kind, skip }) => {
  if (skip) {
    it.skip(`(${skip})`, () => {});
    return;
  }
  let db: TestDatabase;
  let svc: RunningService;
  let client: GradscopeClient;
  let dir: string;
  beforeAll(async () => {
    db = await freshDatabase(kind);
    svc = await startService(db, {}, { pingMs: 500 });
    client = new GradscopeClient({ baseUrl: svc.url });
    dir = mkdtempSync(join(tmpdir(), 'gradscope-client-'));
  });
  afterAll(async () => {
    await svc?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('submits, waits, reads metrics, the lossless export and the model, then deletes', async () => {
    const created = await client.submit(quickTrain(200) as never);
    expect(created.status).toBe('queued');
    const run = await client.wait(created.id, { timeoutMs: 60_000 });
    expect(run.status).toBe('succeeded');
    expect(run.spec.kind).toBe('train');
    expect((await client.get(created.id)).progress.step).toBe(199);

    const m = await client.metrics(created.id, { fields: ['gradRms'], layers: [0, 2] });
    expect(m.steps).toHaveLength(200);
    expect(m.fields).toEqual(['gradRms']);
    expect(m.values).toHaveLength(2);

    const out = join(dir, 'run.csv');
    const counts = await client.exportToFile(created.id, out, { format: 'csv', fields: ['gradNorm'] });
    expect(counts).toEqual({ recordedSteps: 200, returnedSteps: 200, downsampled: false });
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('step,loss,globalGradNorm,trainAccuracy,testAccuracy,layer,gradNorm');
    expect(lines).toHaveLength(1 + 200 * 3);
    const wide = await client.export(created.id, { format: 'ndjson', layout: 'wide', maxPoints: 10 });
    expect(wide.counts).toEqual({ recordedSteps: 200, returnedSteps: 10, downsampled: true });
    expect((await wide.body.toArray()).join('').trimEnd().split('\n')).toHaveLength(10);

    const model = await client.model(created.id);
    expect(model.final).toHaveLength(3);
    expect(model.final![0].W).toHaveLength(10);

    await client.delete(created.id);
    const gone = await client.get(created.id).catch((e) => e);
    expect(gone).toBeInstanceOf(GradscopeError);
    expect(gone).toMatchObject({ status: 404, code: 'run_not_found', title: 'No such run' });
  });

  it('carries the problem of a rejected spec, with its field pointers', async () => {
    const bad = { ...probe, network: { ...probe.network, layers: [{ units: 0, activation: 'tanh' }] } };
    const e = await client.submit(bad as never).catch((err) => err);
    expect(e).toBeInstanceOf(GradscopeError);
    expect(e.status).toBe(400);
    expect(e.code).toBe('validation_failed');
    expect(e.errors.map((x: { pointer: string }) => x.pointer)).toContain('/body/network/layers/0/units');
  });

  it('an Idempotency-Key returns the same run; submitAndWait answers the finished run', async () => {
    const a = await client.submit(probe as never, { idempotencyKey: `k-${kind}` });
    const b = await client.submit(probe as never, { idempotencyKey: `k-${kind}` });
    expect(b.id).toBe(a.id);
    const done = await client.submitAndWait(quickTrain(50) as never, { timeoutMs: 60_000 });
    expect(done.status).toBe('succeeded');
    expect(done.summary).not.toBeNull();
  });

  it('lists every page of runs, newest first, with filters', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await client.submit({ ...probe, name: `page ${i}` } as never)).id);
    const seen: string[] = [];
    for await (const r of client.list({ kind: 'probe', limit: 2 })) seen.push(r.id);
    expect(seen.slice(0, 5)).toEqual([...ids].reverse());
    expect(new Set(seen).size).toBe(seen.length);
    for await (const r of client.list({ kind: 'train' })) expect(r.kind).toBe('train');
  });

  it('cancels a running run; a second cancel is a 409 problem (not retried)', async () => {
    const { id } = await client.submit(slowTrain('to cancel') as never);
    for await (const msg of client.streamRun(id)) if (msg.type === 'step') break;
    const c = await client.cancel(id);
    expect(c.cancelRequested).toBe(true);
    expect((await client.wait(id, { timeoutMs: 30_000 })).status).toBe('cancelled');
    const again = await client.cancel(id).catch((e) => e);
    expect(again).toMatchObject({ status: 409, code: 'run_finished' });
  });

  it('wait is a long poll (Prefer: wait): one GET held until the run is final; polls when the server does not hold', async () => {
    const gets: string[] = [];
    const counting = new GradscopeClient({
      baseUrl: svc.url,
      fetch: (url, init) => {
        gets.push(String(((init?.headers ?? {}) as Record<string, string>).prefer));
        return fetch(url, init);
      },
    });
    const { id } = await client.submit(slowTrain('long poll') as never);
    const waiting = counting.wait(id, { timeoutMs: 30_000 });
    await expect.poll(() => gets.length).toBe(1);
    await client.cancel(id);
    expect((await waiting).status).toBe('cancelled');
    expect(gets).toHaveLength(1);
    expect(gets[0]).toMatch(/^wait=(29|30)$/);

    // A server that does not hold (here: the header stripped on the way) is polled instead.
    let polls = 0;
    const polling = new GradscopeClient({
      baseUrl: svc.url,
      fetch: (url, init) => {
        polls++;
        const { prefer: _, ...headers } = (init?.headers ?? {}) as Record<string, string>;
        return fetch(url, { ...init, headers });
      },
    });
    const second = await client.submit(slowTrain('polled') as never);
    const polled = polling.wait(second.id, { timeoutMs: 30_000, pollMs: 50 });
    await expect.poll(() => polls).toBeGreaterThan(2);
    await client.cancel(second.id);
    expect((await polled).status).toBe('cancelled');
  });

  it('theory: a point and the init advisor', async () => {
    const tanh = await client.theory({ activation: 'tanh', sigmaW2: 1, sigmaB2: 0 });
    expect(tanh.mode).toBe('point');
    expect(tanh.point?.phase).toBe('critical');
    const advice = await client.theory({
      network: {
        inputSize: 4,
        layers: [
          { units: 8, activation: 'relu' },
          { units: 1, activation: 'linear' },
        ],
        loss: 'mse',
      },
      init: { weights: { scheme: 'he_normal' }, seed: 1 },
    });
    expect(advice.advice?.layers[0].criticalSigmaW2).toBeCloseTo(2, 9);
    const bad = await client.theory({ sigmaW2: -1 }).catch((e) => e);
    expect(bad).toBeInstanceOf(GradscopeError);
    expect(bad.errors[0].pointer).toBe('/body/sigmaW2');
  });

  it('evaluates a network on a batch', async () => {
    const r = await client.evaluate({
      network: { inputSize: 2, layers: [{ units: 1, activation: 'linear' }], loss: 'mse' },
      weights: [{ W: [[1, 2]], b: [0.5] }],
      features: [[1, 1]],
      labels: [[3]],
    });
    expect(r.outputs).toEqual([[3.5]]);
    expect(r.loss).toBeCloseTo(0.25, 15);
    expect(r.gradients[0].dW).toEqual([[1, 1]]);
  });

  it('streams a run: hello once, ascending steps on the every grid, then end', async () => {
    const { id } = await client.submit(quickTrain(300) as never);
    const msgs: RunStreamMessage[] = [];
    for await (const msg of client.streamRun(id, { every: 25 })) msgs.push(msg);
    expect(msgs[0].type).toBe('hello');
    expect(msgs.filter((m) => m.type === 'hello')).toHaveLength(1);
    const steps = msgs.flatMap((m) => (m.type === 'step' ? [m.step] : []));
    expect(steps).toEqual([...Array.from({ length: 12 }, (_, i) => i * 25), 299]);
    const end = msgs.at(-1)!;
    expect(end.type === 'end' && end.run.status).toBe('succeeded');
  });

  it('a stream of an unknown run throws its 404 problem instead of reconnecting', async () => {
    const it = client.streamRun('00000000-0000-4000-8000-000000000000');
    await expect(it.next()).rejects.toMatchObject({ status: 404, code: 'run_not_found' });
  });

  it('an unreachable server is a GradscopeError with code unreachable', async () => {
    const off = new GradscopeClient({
      baseUrl: 'http://127.0.0.1:1',
      retry: { retries: 1, baseDelayMs: 10 },
    });
    await expect(off.get('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({
      status: 0,
      code: 'unreachable',
    });
  });
});
