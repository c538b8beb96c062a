// Metrics exports over real HTTP, on PGlite and on Postgres, loaded by Python's csv and json modules: every
// recorded step unless fewer are asked for, unique column names, long and wide layouts, thinning announced.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAYER_FIELDS } from '../../src/core/stats.ts';
import { DB_KINDS, freshDatabase, type TestDatabase } from '../helpers/databases.ts';
import { http, type RunningService, startService, waitFor } from '../helpers/service.ts';
import { quickTrain } from '../helpers/specs.ts';

/** The run: 12,000 steps, every one recorded (3 layers). */
const STEPS = 12_000;
const LAYERS = 3;
const LOADER = join(import.meta.dirname, '../helpers/load-export.py');
const SCALARS = ['step', 'loss', 'globalGradNorm', 'trainAccuracy', 'testAccuracy'];
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

interface Loaded {
  header: string[];
  rows: number;
  steps: number[];
  picked: Record<string, number | string | null>[];
}

describe.each(DB_KINDS)('metrics exports on $kind', ({ kind, skip }) => {
  if (skip) {
    it.skip(`(${skip})`, () => {});
    return;
  }
  let db: TestDatabase;
  let svc: RunningService;
  let id: string;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gradscope-exports-'));
    db = await freshDatabase(kind);
    svc = await startService(db);
    id = (await http(`${svc.url}/v1/runs`, { body: quickTrain(STEPS, { name: 'long' }) })).body.id;
    await waitFor(
      async () => (await http(`${svc.url}/v1/runs/${id}`)).body.status === 'succeeded',
      120_000,
      `run ${id} to succeed`,
    );
  }, 180_000);
  afterAll(async () => {
    await svc?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** GETs the metrics, saves the body to a file and loads it with Python. */
  async function exported(
    query: string,
    loader: 'csv' | 'ndjson',
    headers: Record<string, string> = {},
    pick = [0],
  ) {
    const res = await fetch(`${svc.url}/v1/runs/${id}/metrics${query}`, { headers });
    expect(res.status).toBe(200);
    const file = join(dir, `export-${Math.random().toString(36).slice(2)}`);
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const out = execFileSync('python3', [LOADER, loader, file, pick.join(',')], { maxBuffer: 256 << 20 });
    return { res, py: JSON.parse(String(out)) as Loaded };
  }

  /** The same step as the JSON endpoint returns it. */
  async function jsonStep(step: number, fields = 'gradNorm,deadFrac') {
    const r = await http(`${svc.url}/v1/runs/${id}/metrics?from=${step}&to=${step}&fields=${fields}`);
    expect(r.body.steps).toEqual([step]);
    return r.body;
  }

  const counts = (res: Response) => ({
    recorded: res.headers.get('gradscope-recorded-steps'),
    returned: res.headers.get('gradscope-returned-steps'),
    downsampled: res.headers.get('gradscope-downsampled'),
  });

  it('a plain CSV request returns every recorded step, under unique, self-describing column names', async () => {
    const { res, py } = await exported('', 'csv', { accept: 'text/csv' }, [0, 5000, STEPS - 1]);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(counts(res)).toEqual({ recorded: `${STEPS}`, returned: `${STEPS}`, downsampled: 'false' });
    expect(py.header).toEqual([...SCALARS, 'layer', ...LAYER_FIELDS]);
    expect(new Set(py.header).size).toBe(py.header.length);
    expect(py.rows).toBe(STEPS * LAYERS);
    expect(py.steps).toEqual(range(STEPS));

    const json = await jsonStep(5000, LAYER_FIELDS.join(','));
    const rows = py.picked.filter((r) => r.step === 5000);
    expect(rows.map((r) => r.layer)).toEqual([0, 1, 2]);
    for (const r of rows) {
      expect(r.loss).toBe(json.loss[0]);
      expect(r.globalGradNorm).toBe(json.gradNorm[0]);
      for (const [fp, f] of LAYER_FIELDS.entries())
        expect(r[f], f).toBe(json.values[r.layer as number][fp][0]);
    }
  });

  it('wide CSV has one row per step and one column per layer × field', async () => {
    const { py } = await exported('?format=csv&layout=wide&fields=gradNorm,deadFrac', 'csv', {}, [7]);
    const perLayer = range(LAYERS).flatMap((l) => [`layer${l}_gradNorm`, `layer${l}_deadFrac`]);
    expect(py.header).toEqual([...SCALARS, ...perLayer]);
    expect(py.rows).toBe(STEPS);
    expect(py.steps).toEqual(range(STEPS));
    const json = await jsonStep(7);
    const [row] = py.picked;
    expect(row.globalGradNorm).toBe(json.gradNorm[0]);
    expect(row.layer0_gradNorm).toBe(json.values[0][0][0]);
    expect(row.layer2_gradNorm).toBe(json.values[2][0][0]);
    expect(row.layer2_deadFrac).toBeNull(); // the sigmoid layer has no dead units: empty, not 0
  });

  it('NDJSON (format=ndjson or Accept: application/x-ndjson) loads line by line as strict JSON', async () => {
    for (const [query, headers] of [
      ['?fields=gradNorm,deadFrac', { accept: 'application/x-ndjson' }],
      ['?format=ndjson&fields=gradNorm,deadFrac', {}],
    ] as const) {
      const { res, py } = await exported(query, 'ndjson', headers, [11]);
      expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
      expect(py.header).toEqual([...SCALARS, 'layer', 'gradNorm', 'deadFrac']);
      expect(py.rows).toBe(STEPS * LAYERS);
      expect(py.steps).toEqual(range(STEPS));
      const json = await jsonStep(11);
      expect(py.picked.map((r) => r.gradNorm)).toEqual(json.values.map((v: number[][]) => v[0][0]));
    }
    const wide = await exported('?format=ndjson&layout=wide&fields=gradRms', 'ndjson', {}, []);
    expect(wide.py.header).toEqual([...SCALARS, 'layer0_gradRms', 'layer1_gradRms', 'layer2_gradRms']);
    expect(wide.py.rows).toBe(STEPS);
  });

  it('thins only when asked, and says so in response headers', async () => {
    const thin = await exported('?format=csv&maxPoints=100&layers=1', 'csv');
    expect(counts(thin.res)).toEqual({
      recorded: `${STEPS}`,
      returned: `${thin.py.rows}`,
      downsampled: 'true',
    });
    expect(thin.py.rows).toBeLessThanOrEqual(100);
    expect(thin.py.rows).toBeGreaterThan(90);
    expect(thin.py.steps[0]).toBe(0);
    expect(thin.py.steps.at(-1)).toBe(STEPS - 1);
    const head = await fetch(`${svc.url}/v1/runs/${id}/metrics?format=csv&maxPoints=100&layers=1`, {
      method: 'HEAD',
    });
    expect(head.status).toBe(200);
    expect(counts(head)).toEqual(counts(thin.res));

    const all = await exported(`?format=csv&maxPoints=${5 * STEPS}&layers=0`, 'csv');
    expect(counts(all.res)).toEqual({ recorded: `${STEPS}`, returned: `${STEPS}`, downsampled: 'false' });
    expect(all.py.rows).toBe(STEPS);

    const part = await exported('?format=csv&from=100&to=199&layers=0', 'csv');
    expect(counts(part.res)).toEqual({ recorded: '100', returned: '100', downsampled: 'false' });
    expect(part.py.steps).toEqual(range(100).map((i) => i + 100));
  });

  it('the JSON metrics say how many steps were recorded and how many they return', async () => {
    const r = await http(`${svc.url}/v1/runs/${id}/metrics?fields=gradNorm`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      recordedSteps: STEPS,
      returnedSteps: r.body.steps.length,
      downsampled: true,
    });
    expect(r.body.steps.length).toBeLessThanOrEqual(2000);
    expect(r.headers.get('gradscope-downsampled')).toBe('true');

    const whole = await http(`${svc.url}/v1/runs/${id}/metrics?fields=gradNorm&to=999`);
    expect(whole.body).toMatchObject({ recordedSteps: 1000, returnedSteps: 1000, downsampled: false });

    const tooMany = await http(`${svc.url}/v1/runs/${id}/metrics?maxPoints=20000`);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors[0].pointer).toBe('/query/maxPoints');
    expect(tooMany.body.detail).toMatch(/format=csv/);
  });

  it('the OpenAPI document names the formats, the export parameters and the count headers', async () => {
    const doc = (await http(`${svc.url}/openapi.json`)).body;
    const op = doc.paths['/v1/runs/{id}/metrics'].get;
    const param = (name: string) => op.parameters.find((p: { name: string }) => p.name === name)?.schema;
    expect(param('format').enum).toEqual(['json', 'csv', 'ndjson']);
    expect(param('layout').enum).toEqual(['long', 'wide']);
    expect(param('maxPoints').maximum).toBeGreaterThan(10_000);
    const ok = op.responses['200'];
    expect(Object.keys(ok.content)).toEqual(['application/json', 'text/csv', 'application/x-ndjson']);
    expect(ok.content['application/json'].schema.$ref).toBe('#/components/schemas/Metrics');
    expect(Object.keys(ok.headers)).toEqual([
      'gradscope-recorded-steps',
      'gradscope-returned-steps',
      'gradscope-downsampled',
    ]);
    expect(ok.headers['gradscope-downsampled'].description).toMatch(/maxPoints/);
    expect(doc.components.schemas.Metrics.properties).toHaveProperty('recordedSteps');
  });
});
