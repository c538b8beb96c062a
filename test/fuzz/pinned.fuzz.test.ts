// Inputs the fuzz suites found, pinned as plain tests (each one a bug at the time it was found), with the service in
// its own process so that a crash or a wedged event loop is observed rather than suffered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFinal } from '../../src/model/status.ts';
import { http, waitFor } from '../helpers/service.ts';
import { quickTrain } from '../helpers/specs.ts';
import { type FuzzService, startFuzzService } from './support/service.ts';
import { wsProbe } from './support/ws-probe.ts';

/** GET that gives up (null) when the server is down or does not answer in time. */
async function get(
  s: FuzzService,
  path: string,
): Promise<{ status: number; body: Record<string, unknown> } | null> {
  if (s.down) return null;
  const res = await fetch(`${s.url}${path}`, { signal: AbortSignal.timeout(5000) }).catch(() => null);
  return res ? { status: res.status, body: (await res.json()) as Record<string, unknown> } : null;
}

describe('pinned: a big inline-data submission while a run trains', () => {
  let s: FuzzService;
  // A short lease, so that the event-loop stall of storing ~1 MB of inline data (~2 s on PGlite) outlasts it; the
  // default 15 s lease is outlasted the same way by an ~8 MB spec (~20 s).
  beforeAll(async () => {
    s = await startFuzzService({ LEASE_MS: '1000', WORKERS: '2' });
  });
  afterAll(() => s?.close());

  it('neither crashes the process nor runs the job twice', async () => {
    const victim = (await http(`${s.url}/v1/runs`, { body: { ...quickTrain(5000), name: 'victim' } })).body
      .id as string;
    await waitFor(
      async () => (await get(s, `/v1/runs/${victim}`))?.body.status === 'running',
      20_000,
      'victim to run',
    );
    const rows = 150_000;
    const t0 = Date.now();
    const big = await http(`${s.url}/v1/runs`, {
      body: {
        ...quickTrain(5),
        data: { source: 'inline', features: Array(rows).fill([0, 1]), labels: Array(rows).fill(1) },
      },
    });
    const postMs = Date.now() - t0;
    const done: Record<string, unknown> = await waitFor<Record<string, unknown>>(
      async () => {
        if (s.down) return { down: s.down };
        const r = await get(s, `/v1/runs/${victim}`);
        return r && isFinal(r.body.status as string) ? r.body : null;
      },
      40_000,
      'victim to finish',
    ).catch((e: Error) => ({ down: s.down ?? e.message }));
    expect(s.down, `after a ${big.status} to a ${rows}-row spec that took ${postMs} ms`).toBeNull();
    expect(done.status, JSON.stringify(done)).toBe('succeeded');
    expect(done.attempts, `the job was claimed again by its own instance: ${JSON.stringify(done)}`).toBe(1);
  }, 60_000);
});

describe('pinned: steps beyond Postgres integer, and downsampled replays', () => {
  let s: FuzzService;
  let id: string;
  beforeAll(async () => {
    s = await startFuzzService();
    id = (await http(`${s.url}/v1/runs`, { body: quickTrain(1200) })).body.id;
    await waitFor(
      async () => (await get(s, `/v1/runs/${id}`))?.body.status === 'succeeded',
      30_000,
      'run to finish',
    );
  });
  afterAll(() => s?.close());

  it.each(['from=2147483648', 'to=2147483648', 'from=9007199254740991'])(
    'GET /metrics?%s is not a 5xx',
    async (q) => {
      const r = await get(s, `/v1/runs/${id}/metrics?${q}`);
      expect(r?.status, JSON.stringify(r?.body)).toBeLessThan(500);
    },
  );

  it.each(['from=2147483648', 'from=9007199254740991'])(
    'the stream with ?%s ends without 1011',
    async (q) => {
      const o = await wsProbe(`${s.wsUrl}/v1/runs/${id}/stream?${q}`, { timeoutMs: 5000 });
      const how =
        o.kind === 'closed'
          ? `closed ${o.code} ${o.reason}`
          : o.kind === 'rejected'
            ? `rejected ${o.response.status}`
            : o.kind;
      expect(o.kind === 'rejected' ? o.response.status : o.kind === 'closed' ? o.code : 0, how).not.toBe(
        1011,
      );
      expect(['closed', 'rejected'], how).toContain(o.kind);
    },
  );

  // Last: before the fix this wedges the server for good.
  it('a downsampled replay (every > 500) ends, and the server stays responsive', async () => {
    for (const every of [400, 600, 1000]) {
      const o = await wsProbe(`${s.wsUrl}/v1/runs/${id}/stream?every=${every}`, { timeoutMs: 3000 });
      const steps =
        'messages' in o
          ? o.messages
              .map((m) => JSON.parse(m))
              .filter((m) => m.type === 'step')
              .map((m) => m.step)
          : [];
      expect(
        o.kind === 'closed' && o.code,
        `every=${every}: ${o.kind} after steps ${JSON.stringify(steps)}`,
      ).toBe(1000);
      expect(steps).toEqual([...Array.from({ length: Math.ceil(1200 / every) }, (_, i) => i * every), 1199]);
      expect(await get(s, '/healthz'), `/healthz after every=${every}`).not.toBeNull();
    }
  });
});
