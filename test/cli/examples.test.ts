// examples/: each spec is a dashboard preset's (kept equal), submitted to a real service on PGlite and Postgres,
// doing what the README and the preset say; and the Python example follows a run and loads its export.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GradscopeClient, type Run } from '../../src/client/index.ts';
import { LAYER_FIELDS } from '../../src/core/stats.ts';
import { exportColumns } from '../../src/runs/export.ts';
import { PRESETS } from '../../web/src/presets.ts';
import { DB_KINDS, freshDatabase, type TestDatabase } from '../helpers/databases.ts';
import { type RunningService, startService } from '../helpers/service.ts';
import { ROOT } from './run-cli.ts';

const DIR = join(ROOT, 'examples');
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.json') && f !== 'evaluate.json');
/** Sweep requests (POST /v1/sweeps), submitted as sweeps below; the rest are run specs. */
const SWEEPS = FILES.filter((f) => f.startsWith('sweep-'));
const SPECS = FILES.filter((f) => !f.startsWith('sweep-'));
const load = (file: string) => JSON.parse(readFileSync(join(DIR, file), 'utf8'));
/** A Python with the `websockets` package: Debian's (python3-websockets) or the first python3 on PATH. */
const python = (async () => {
  for (const exe of ['/usr/bin/python3', 'python3']) {
    try {
      await promisify(execFile)(exe, ['-c', 'import websockets']);
      return exe;
    } catch {}
  }
  return null;
})();

it('every example spec is a dashboard preset, unchanged (so the two cannot drift apart)', () => {
  const presetSpecs = PRESETS.flatMap((p) => p.specs).map((s) => JSON.stringify(s));
  for (const f of SPECS) expect(presetSpecs, f).toContain(JSON.stringify(load(f)));
  expect(SPECS.length).toBe(13);
});

type Result = NonNullable<Run['result']>;
const column = (r: Result, field: string) => {
  if (!('fields' in r)) throw new Error('not a probe result');
  const at = r.fields.indexOf(field as never);
  return r.layers.map((row) => row[at]!);
};
const final = (run: Run) => (run.summary as { final: Record<string, number> }).final;

describe.each(DB_KINDS)('examples on $kind', ({ kind, skip }) => {
  if (skip) {
    it.skip(`(${skip})`, () => {});
    return;
  }
  let db: TestDatabase;
  let svc: RunningService;
  let runs: Record<string, Run>;
  beforeAll(async () => {
    db = await freshDatabase(kind);
    svc = await startService(db);
    const client = new GradscopeClient({ baseUrl: svc.url });
    const done = await Promise.all(SPECS.map((f) => client.submitAndWait(load(f), { timeoutMs: 400_000 })));
    runs = Object.fromEntries(SPECS.map((f, i) => [f.replace(/\.json$/, ''), done[i]]));
  }, 420_000);
  afterAll(async () => {
    await svc?.close();
    await db?.drop();
  });

  it('each sweep example runs every point to success and fills its results table', {
    timeout: 120_000,
  }, async () => {
    expect(SWEEPS.length).toBeGreaterThanOrEqual(1);
    const client = new GradscopeClient({ baseUrl: svc.url });
    for (const f of SWEEPS) {
      const { id, pointCount } = await client.createSweep(load(f));
      for await (const m of client.streamSweep(id)) if (m.type === 'end') break;
      const sweep = await client.getSweep(id);
      expect(sweep.progress).toMatchObject({ total: pointCount, succeeded: pointCount });
      expect(sweep.points.every((p) => p.finalLoss !== null && p.gradRatio !== null)).toBe(true);
    }
  });

  it("the course's three inits: zeros stays at ln 2, randn×10 ends at 0.83/0.86, He at 0.99333/0.96", () => {
    expect(final(runs['course-zeros']).loss).toBeCloseTo(Math.LN2, 12);
    expect([final(runs['course-zeros']).trainAccuracy, final(runs['course-zeros']).testAccuracy]).toEqual([
      0.5, 0.5,
    ]);
    expect([final(runs['course-randn10']).trainAccuracy, final(runs['course-randn10']).testAccuracy]).toEqual(
      [0.83, 0.86],
    );
    expect(final(runs['course-he']).trainAccuracy).toBe(0.9933333333333333);
    expect(final(runs['course-he']).testAccuracy).toBe(0.96);
    expect(final(runs['course-he-quick']).trainAccuracy).toBe(0.9966666666666667);
  });

  it('deep linear 1.5·I / 0.5·I: layer 10 is c⁹ × layer 1; trained, 1.5 diverges and 0.5 does not', () => {
    for (const c of [1.5, 0.5]) {
      const std = column(runs[`deep-linear-probe-${c}`].result!, 'actStd');
      expect(std[9] / std[0]).toBeCloseTo(c ** 9, 6);
    }
    expect(runs['deep-linear-probe-1.5'].diagnosis!.verdict).toBe('exploding');
    expect(runs['deep-linear-probe-0.5'].diagnosis!.verdict).toBe('vanishing');
    expect(runs['deep-linear-train-1.5'].status).toBe('diverged');
    expect(runs['deep-linear-train-0.5'].status).toBe('succeeded');
  });

  it('30-layer ReLU: Xavier loses 10³ of the signal by layer 29, He keeps it within 2×', () => {
    const x = column(runs['relu30-xavier'].result!, 'preactStd');
    expect(x[28] / x[0]).toBeLessThan(1e-3);
    const he = column(runs['relu30-he'].result!, 'preactStd');
    const ratios = he.slice(0, 29).map((s) => s / he[0]);
    expect(Math.min(...ratios)).toBeGreaterThan(0.5);
    expect(Math.max(...ratios)).toBeLessThan(2);
  });

  it("Glorot's tanh probe: standard init shrinks activations and gradients > 100×, normalized far less", () => {
    const act = column(runs['tanh10-standard'].result!, 'actStd');
    const delta = column(runs['tanh10-standard'].result!, 'deltaRms');
    expect(act[9] / act[0]).toBeLessThan(0.01);
    expect(delta[0] / delta[9]).toBeLessThan(0.01);
    const nAct = column(runs['tanh10-normalized'].result!, 'actStd');
    const nDelta = column(runs['tanh10-normalized'].result!, 'deltaRms');
    expect(nAct[9] / nAct[0]).toBeGreaterThan(0.2);
    expect(nDelta[0] / nDelta[9]).toBeGreaterThan(0.1);
  });

  it('the gradient check passes', () => {
    const r = runs.gradcheck.result!;
    expect('verdict' in r && r.verdict).toBe('pass');
  });

  it('the Python example submits a run, follows its stream and loads its export', async () => {
    const exe = await python;
    if (!exe)
      throw new Error('no python3 with the websockets package: apt-get install -y python3-websockets');
    const { stdout } = await promisify(execFile)(exe, [
      join(DIR, 'follow_run.py'),
      join(DIR, 'deep-linear-train-0.5.json'),
      '--url',
      svc.url,
      '--every',
      '10',
    ]);
    const lines = stdout.trimEnd().split('\n');
    const summary = JSON.parse(lines.at(-1)!);
    expect(summary.status).toBe('succeeded');
    expect(summary.streamedSteps).toEqual([...Array.from({ length: 20 }, (_, i) => i * 10), 199]);
    expect(lines.filter((l) => l.startsWith('step '))).toHaveLength(21);
    expect(summary.exportRows).toBe(200 * 10);
    expect(summary.exportSteps).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(summary.columns).toEqual(
      exportColumns({ layout: 'long', layers: [], fields: [...LAYER_FIELDS] } as never),
    );
  });
});
