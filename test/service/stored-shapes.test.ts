// Runs stored by an earlier release (diagnosis and result in older shapes) still read back, on PGlite and
// Postgres: the verdict and message kept where they mean the same, never a 500.
import { expect, it } from 'vitest';
import { describeServiceOnEachDatabase, http, runFinished } from '../helpers/service.ts';
import { probe, quickTrain } from '../helpers/specs.ts';

describeServiceOnEachDatabase('runs stored in older shapes', (service) => {
  it('reads an old-shaped diagnosis (verdict and message kept) and an unknown result shape (null)', async () => {
    const svc = service();
    const id = (await http(`${svc.url}/v1/runs`, { body: probe })).body.id;
    await runFinished(svc, id);
    // What the previous release stored: the end layers only, no trend.
    const oldDiagnosis = {
      verdict: 'vanishing',
      message: "gradient RMS shrinks ≈0.71× per layer going backward; layer 1 gets 3.1e-05 of layer 30's",
      atInit: { verdict: 'vanishing', message: '…', forward: { first: 1, last: 0.5 }, backward: null },
      atEnd: null,
    };
    await svc.app.database.prisma.$executeRawUnsafe(
      'UPDATE runs SET diagnosis = $1::jsonb, result = $2::jsonb WHERE id = $3::uuid',
      JSON.stringify(oldDiagnosis),
      JSON.stringify({ layers: 'an older shape' }),
      id,
    );
    for (const url of [`${svc.url}/v1/runs/${id}`, `${svc.url}/v1/runs?limit=5`]) {
      const r = await http(url);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      const run = 'items' in r.body ? r.body.items.find((x: { id: string }) => x.id === id) : r.body;
      expect(run.diagnosis).toEqual({
        verdict: 'vanishing',
        message: `${oldDiagnosis.message} (diagnosed by an earlier release, from the end layers only)`,
        atInit: null,
        atEnd: null,
      });
      expect(run.result).toBeNull();
    }
  });

  it("reads a train summary of the first release (flat, no `final`) as null, and today's as stored", async () => {
    const svc = service();
    const id = (await http(`${svc.url}/v1/runs`, { body: quickTrain(20) })).body.id;
    await runFinished(svc, id);
    const today = (await http(`${svc.url}/v1/runs/${id}`)).body.summary;
    expect(today).toMatchObject({ stepsCompleted: 20, totalSteps: 20, divergence: null, lsuv: null });
    expect(Object.keys(today.final).sort()).toEqual(['loss', 'testAccuracy', 'testLoss', 'trainAccuracy']);
    const flat = { stepsCompleted: 20, totalSteps: 20, finalLoss: 0.3, trainAccuracy: 0.9, divergence: null };
    await svc.app.database.prisma.$executeRawUnsafe(
      'UPDATE runs SET summary = $1::jsonb WHERE id = $2::uuid',
      JSON.stringify(flat),
      id,
    );
    for (const url of [`${svc.url}/v1/runs/${id}`, `${svc.url}/v1/runs?limit=5`]) {
      const r = await http(url);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      const run = 'items' in r.body ? r.body.items.find((x: { id: string }) => x.id === id) : r.body;
      expect(run.summary).toBeNull();
      expect(run.status).toBe('succeeded');
    }
  });
});
