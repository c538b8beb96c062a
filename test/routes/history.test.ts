// GET /v1/runs/:id/history against the real service: one compact answer for a run's charts that agrees with
// the full-resolution metrics (every min and max kept), gzip when accepted, the stream seam at lastStep.
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeHistory, historyFromArrays } from '../../src/schemas/history-binary.ts';
import { DB_KINDS, freshDatabase, type TestDatabase } from '../helpers/databases.ts';
import { collect, http, type RunningService, startService, waitFor } from '../helpers/service.ts';
import { quickTrain } from '../helpers/specs.ts';

describe.each(DB_KINDS)('history on $kind', ({ kind, skip }) => {
  if (skip) {
    it.skip(`(${skip})`, () => {});
    return;
  }
  let db: TestDatabase;
  let svc: RunningService;
  let id: string;
  let full: any;
  beforeAll(async () => {
    db = await freshDatabase(kind);
    svc = await startService(db);
    id = (await http(`${svc.url}/v1/runs`, { body: quickTrain(1200) })).body.id;
    await waitFor(
      async () => (await http(`${svc.url}/v1/runs/${id}`)).body.status === 'succeeded',
      120_000,
      'the run to succeed',
    );
    full = (await http(`${svc.url}/v1/runs/${id}/metrics?fields=gradNorm,gradRms&maxPoints=10000`)).body;
  }, 180_000);
  afterAll(async () => {
    await svc?.close();
    await db?.drop();
  });

  it('returns every step as the metrics do when they fit', async () => {
    const h = (await http(`${svc.url}/v1/runs/${id}/history?points=2000`)).body;
    expect(h.bucketed).toBe(false);
    expect(h.totalSteps).toBe(full.steps.length);
    expect(h.steps).toEqual(full.steps);
    expect(h.loss).toEqual(full.loss);
    // Layer statistics are float32: sent as the shortest decimal of the same float32.
    const f32 = (v: (number | null)[][][]) =>
      v.map((l) => l.map((s) => s.map((x) => (x === null ? x : Math.fround(x)))));
    expect(f32(h.values)).toEqual(f32(full.values));
    expect(h.lastStep).toBe(full.steps.at(-1));
    expect(h.nonFiniteSteps).toEqual([]);
  });

  it('downsamples to the points asked for, keeping every series’ min and max', async () => {
    const h = (await http(`${svc.url}/v1/runs/${id}/history?points=60`)).body;
    expect(h.bucketed).toBe(true);
    expect(h.steps.length).toBeLessThanOrEqual(60);
    expect(h.steps[0]).toBe(0);
    expect(h.steps.at(-1)).toBe(full.steps.at(-1));
    const extremes = (xs: (number | null)[]) => {
      const v = xs.filter((x): x is number => x !== null);
      return [Math.min(...v), Math.max(...v)];
    };
    expect(extremes(h.loss)).toEqual(extremes(full.loss));
    expect(extremes(h.gradNorm)).toEqual(extremes(full.gradNorm));
    for (let l = 0; l < 3; l++) {
      for (let f = 0; f < 2; f++) {
        expect(extremes(h.values[l][f]).map(Math.fround)).toEqual(extremes(full.values[l][f]));
      }
    }
  });

  it('zooms: from/to give full resolution of a range', async () => {
    const h = (await http(`${svc.url}/v1/runs/${id}/history?from=100&to=300&points=500`)).body;
    expect(h.bucketed).toBe(false);
    expect(h.steps).toEqual(full.steps.slice(100, 301));
    expect(h.lastStep).toBe(300);
  });

  it('is gzip-compressed when the client accepts it, and much smaller', async () => {
    const res = await fetch(`${svc.url}/v1/runs/${id}/history`, { headers: { 'accept-encoding': 'gzip' } });
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('vary')).toMatch(/accept-encoding/i);
    const plain = await svc.app.inject({ url: `/v1/runs/${id}/history` });
    const zipped = await svc.app.inject({
      url: `/v1/runs/${id}/history`,
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(zipped.rawPayload.length).toBeLessThan(plain.rawPayload.length / 2);
    expect(JSON.parse(gunzipSync(zipped.rawPayload).toString())).toEqual(JSON.parse(plain.body));
  });

  it('answers Accept: application/octet-stream with typed-array blocks holding exactly the JSON answer’s numbers', async () => {
    for (const query of [
      'points=2000',
      'points=60',
      'points=60&fields=gradNorm,deadFrac',
      'from=100&to=300',
    ]) {
      const json = JSON.parse((await svc.app.inject({ url: `/v1/runs/${id}/history?${query}` })).body);
      const res = await svc.app.inject({
        url: `/v1/runs/${id}/history?${query}`,
        headers: { accept: 'application/octet-stream' },
      });
      expect(res.headers['content-type']).toBe('application/octet-stream');
      const a = decodeHistory(res.rawPayload);
      expect(a.points).toBe(json.steps.length);
      expect(Array.from(a.steps)).toEqual(json.steps);
      // Float64 columns: the very numbers (NaN where JSON has null).
      expect(Array.from(a.loss, (x) => (Number.isNaN(x) ? null : x))).toEqual(json.loss);
      expect(Array.from(a.trainAccuracy, (x) => (Number.isNaN(x) ? null : x))).toEqual(json.trainAccuracy);
      // Float32 layer values: the float32 that JSON's shortest decimal reads back as.
      const F = json.fields.length;
      json.values.forEach((layer: (number | null)[][], l: number) => {
        for (const [f, series] of layer.entries()) {
          const block = Array.from(a.values.subarray((l * F + f) * a.points, (l * F + f + 1) * a.points));
          expect(block.map((x) => (Number.isNaN(x) ? null : x))).toEqual(
            series.map((x) => (x === null ? null : Math.fround(x))),
          );
        }
      });
      const { values: _v, ...rest } = historyFromArrays(a);
      const { values: _w, ...jsonRest } = json;
      expect(rest).toEqual(jsonRest);
    }
  });

  it('stores the page’s default answer when the run finishes, and serves a finished run from it', async () => {
    const prisma = svc.app.database.prisma;
    const stored = await waitFor(
      async () => {
        const rows = await prisma.$queryRaw<{ query: string }[]>`
          SELECT query FROM run_history_summaries WHERE run_id = ${id}::uuid`;
        return rows.some((r) => r.query === 'gradNorm,gradRms|2000') ? rows : null;
      },
      30_000,
      'the default summary',
    );
    expect(stored.length).toBeGreaterThanOrEqual(1);
    const before = JSON.parse((await svc.app.inject({ url: `/v1/runs/${id}/history?points=1500` })).body);
    // Steps removed behind the service's back: a stored (or kept) whole-range answer no longer reads them,
    // while a range is read from the steps.
    await prisma.$executeRaw`DELETE FROM run_steps WHERE run_id = ${id}::uuid AND step >= 200 AND step < 400`;
    // A restarted service keeps nothing in memory: the whole range comes from the stored row.
    await svc.close();
    svc = await startService(db);
    const whole = JSON.parse((await svc.app.inject({ url: `/v1/runs/${id}/history?points=1500` })).body);
    expect(whole).toEqual(before);
    const range = JSON.parse((await svc.app.inject({ url: `/v1/runs/${id}/history?from=150&to=450` })).body);
    expect(range.steps).toEqual(
      full.steps.filter((s: number) => (s >= 150 && s < 200) || (s >= 400 && s <= 450)),
    );
  });

  it('stores at most 8 whole-range answers per run, whatever the clients ask', async () => {
    for (let points = 100; points < 112; points++) {
      expect((await svc.app.inject({ url: `/v1/runs/${id}/history?points=${points}` })).statusCode).toBe(200);
    }
    const [{ n }] = await svc.app.database.prisma.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM run_history_summaries WHERE run_id = ${id}::uuid`;
    expect(n).toBe(8);
  });

  it('meets the stream at lastStep: the stream from there repeats that step in full, then ends', async () => {
    const h = (await http(`${svc.url}/v1/runs/${id}/history?points=100`)).body;
    const { messages } = await collect(`${svc.wsUrl}/v1/runs/${id}/stream?from=${h.lastStep}`);
    const steps = messages.filter((m) => m.type === 'step');
    expect(steps.map((m) => m.step)).toEqual([h.lastStep]);
    expect(steps[0].layers).toHaveLength(3);
  });

  it('answers a finished run again from memory, identically, until the run is deleted', async () => {
    const first = await svc.app.inject({ url: `/v1/runs/${id}/history?points=80` });
    const again = await svc.app.inject({ url: `/v1/runs/${id}/history?points=80` });
    expect(again.body).toBe(first.body);
    // Another selection is another answer.
    const other = await svc.app.inject({ url: `/v1/runs/${id}/history?points=80&fields=deadFrac` });
    expect(JSON.parse(other.body).fields).toEqual(['deadFrac']);
  });

  it('answers 404 for an unknown run and 400 for bad points', async () => {
    expect((await http(`${svc.url}/v1/runs/00000000-0000-4000-8000-000000000000/history`)).status).toBe(404);
    expect((await http(`${svc.url}/v1/runs/${id}/history?points=1`)).status).toBe(400);
    // Last: a deleted run's kept answer is never served.
    expect((await http(`${svc.url}/v1/runs/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await http(`${svc.url}/v1/runs/${id}/history?points=80`)).status).toBe(404);
  });
});
