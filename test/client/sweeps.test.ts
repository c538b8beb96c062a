// The typed client's sweep calls against a real service on PGlite and Postgres: create, get, list, stream,
// cancel, delete, and a bad point as a GradscopeError naming the point's field.
import { expect, it } from 'vitest';
import { GradscopeClient, GradscopeError, type SweepStreamMessage } from '../../src/client/index.ts';
import { describeServiceOnEachDatabase } from '../helpers/service.ts';
import { probe, slowTrain } from '../helpers/specs.ts';

describeServiceOnEachDatabase('client sweeps', { extra: { pingMs: 500 } }, (svc) => {
  const client = () => new GradscopeClient({ baseUrl: svc().url });

  it('creates a sweep, streams its points to the end, reads and lists it, then deletes it', async () => {
    const created = await client().createSweep({
      kind: 'grid',
      name: 'client sweep',
      base: probe as never,
      axes: [{ field: '/init/weights/gain', values: [0.5, 1, 2] }],
    });
    expect(created).toMatchObject({ status: 'queued', pointCount: 3 });
    const messages: SweepStreamMessage[] = [];
    for await (const m of client().streamSweep(created.id, { heartbeatMs: 2000 })) messages.push(m);
    expect(messages[0].type).toBe('hello');
    expect(messages.filter((m) => m.type === 'point')).toHaveLength(3);
    expect(messages.at(-1)).toMatchObject({ type: 'end', sweep: { status: 'finished' } });
    const sweep = await client().getSweep(created.id);
    expect(sweep.points.map((p) => p.values['/init/weights/gain'])).toEqual([0.5, 1, 2]);
    expect(sweep.points.every((p) => p.status === 'succeeded')).toBe(true);
    const listed = [];
    for await (const s of client().listSweeps({ limit: 1 })) listed.push(s.id);
    expect(listed).toContain(created.id);
    await client().deleteSweep(created.id);
    await expect(client().getSweep(created.id)).rejects.toMatchObject({
      status: 404,
      code: 'sweep_not_found',
    });
  });

  it('cancels a running sweep', async () => {
    const created = await client().createSweep({
      kind: 'grid',
      base: slowTrain('client slow') as never,
      axes: [{ field: '/init/seed', values: [1, 2, 3] }],
      maxConcurrent: 1,
    });
    const outcome = await client().cancelSweep(created.id);
    expect(outcome.cancelled + outcome.stopping).toBe(3);
    for await (const m of client().streamSweep(created.id, { heartbeatMs: 2000 })) {
      if (m.type === 'end') expect(m.sweep.status).toBe('cancelled');
    }
  });

  it('throws a GradscopeError naming the bad point and its field', async () => {
    const err = await client()
      .createSweep({ kind: 'grid', base: probe as never, points: [{}, { '/network/layers/0/units': 0 }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GradscopeError);
    expect((err as GradscopeError).status).toBe(422);
    expect((err as GradscopeError).errors[0]).toMatchObject({
      point: 1,
      pointer: '/body/base/network/layers/0/units',
    });
  });
});
