// Subscriber floods (issue 12 §2) on each database: joiners of one run at once share the history reads and
// all get every step; beyond MAX_STREAM_SUBSCRIBERS a new stream is closed 1013 (try again later) and a
// place freed is taken again, sweep streams holding places as run streams and the firehose do; a handshake the ws library refuses is answered as a problem.
import { expect, it } from 'vitest';
import WebSocket from 'ws';
import { CLOSE_TRY_AGAIN_LATER } from '../../src/stream/subscriber-limit.ts';
import { sendRaw } from '../fuzz/support/raw-http.ts';
import { collect, describeServiceOnEachDatabase, http, runFinished } from '../helpers/service.ts';
import { quickTrain, slowTrain } from '../helpers/specs.ts';

const MAX = 40;

/** Opens a WebSocket; resolves once it is open (or with its close code when refused). */
function open(url: string): Promise<{ ws: WebSocket; closed: Promise<{ code: number; reason: string }> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const closed = new Promise<{ code: number; reason: string }>((r) =>
      ws.once('close', (code, reason) => r({ code, reason: reason.toString() })),
    );
    ws.once('open', () => resolve({ ws, closed }));
    ws.once('error', reject);
  });
}

describeServiceOnEachDatabase(
  'subscriber floods',
  { env: { MAX_STREAM_SUBSCRIBERS: String(MAX), MAX_CONNECTIONS_PER_CLIENT: '0' } },
  (svc) => {
    it('30 subscribers joining a run at once share its history reads, and each gets every step', async () => {
      const created = await http(`${svc().url}/v1/runs`, { body: quickTrain(1200) });
      const id = created.body.id;
      await runFinished(svc(), id);
      const readsBefore = svc().app.stepHistory.reads;
      const joiners = await Promise.all(
        Array.from({ length: 30 }, () => collect(`${svc().wsUrl}/v1/runs/${id}/stream`)),
      );
      for (const j of joiners) {
        expect(j.code).toBe(1000);
        const steps = j.messages.filter((m) => m.type === 'step').map((m) => m.step);
        expect(steps).toEqual(Array.from({ length: 1200 }, (_, i) => i));
      }
      // Three pages (500, 500, 200 steps) read once, for everyone: one read per subscriber would be 90.
      expect(svc().app.stepHistory.reads - readsBefore).toBe(3);
    });

    it(`a burst of ${3 * MAX} upgrades is routed in arrival order and none is lost: the first ${MAX} hold places, the rest get 1013`, async () => {
      const gate = svc().app.upgradeGate;
      const joiners: ReturnType<typeof open>[] = [];
      // One after another as the server receives them (the test shares the service's event loop): the gate queues
      // each as it arrives and hands them on in that order.
      for (let i = 0; i < 3 * MAX; i++) {
        const arrived = gate.arrived;
        joiners.push(open(`${svc().wsUrl}/v1/stream`));
        while (gate.arrived === arrived) await new Promise((r) => setTimeout(r, 1));
      }
      const opened = await Promise.all(joiners);
      try {
        const refused = await Promise.all(opened.slice(MAX).map((j) => j.closed));
        expect(refused.map((c) => c.code)).toEqual(Array(2 * MAX).fill(CLOSE_TRY_AGAIN_LATER));
        expect(opened.slice(0, MAX).map((j) => j.ws.readyState)).toEqual(Array(MAX).fill(WebSocket.OPEN));
        expect(gate.waiting).toBe(0);
        expect(gate.dropped).toBe(0);
      } finally {
        for (const j of opened) j.ws.close(1000);
        await Promise.all(opened.map((j) => j.closed));
      }
    });

    it(`beyond ${MAX} subscribers a new stream is closed 1013 with the reason; a freed place is taken again`, async () => {
      const held = await Promise.all(Array.from({ length: MAX }, () => open(`${svc().wsUrl}/v1/stream`)));
      try {
        const created = await http(`${svc().url}/v1/runs`, { body: quickTrain(50) });
        const refused = await collect(`${svc().wsUrl}/v1/runs/${created.body.id}/stream`);
        expect(refused.code).toBe(CLOSE_TRY_AGAIN_LATER);
        expect(refused.reason).toBe(`at the subscriber limit (${MAX}): retry later`);
        expect(refused.messages).toEqual([]);
        const firehose = await collect(`${svc().wsUrl}/v1/stream`);
        expect(firehose.code).toBe(CLOSE_TRY_AGAIN_LATER);

        held[0].ws.close(1000);
        await held[0].closed;
        const admitted = await collect(`${svc().wsUrl}/v1/runs/${created.body.id}/stream`);
        expect(admitted.code).toBe(1000);
        expect(admitted.messages[0].type).toBe('hello');
        expect(admitted.messages.at(-1).type).toBe('end');
      } finally {
        for (const h of held) h.ws.close(1000);
        await Promise.all(held.map((h) => h.closed));
      }
    });

    it(`sweep streams hold places too: ${MAX} of them refuse a new firehose, run or sweep stream 1013`, async () => {
      const { name: _, ...base } = slowTrain();
      const sweep = await http(`${svc().url}/v1/sweeps`, {
        body: { kind: 'grid', base, axes: [{ field: '/init/seed', values: [1] }] },
      });
      expect(sweep.status).toBe(202);
      const id = sweep.body.id;
      const held = await Promise.all(
        Array.from({ length: MAX }, () => open(`${svc().wsUrl}/v1/sweeps/${id}/stream`)),
      );
      try {
        const firehose = await collect(`${svc().wsUrl}/v1/stream`);
        expect(firehose.code).toBe(CLOSE_TRY_AGAIN_LATER);
        expect(firehose.reason).toBe(`at the subscriber limit (${MAX}): retry later`);
        const another = await collect(`${svc().wsUrl}/v1/sweeps/${id}/stream`);
        expect(another.code).toBe(CLOSE_TRY_AGAIN_LATER);
        expect(another.messages).toEqual([]);

        held[0].ws.close(1000);
        await held[0].closed;
        const admitted = await collect(`${svc().wsUrl}/v1/sweeps/${id}/stream`, (m) => m.length > 0);
        expect(admitted.messages[0]).toMatchObject({ type: 'hello', sweep: { id } });
      } finally {
        for (const h of held) h.ws.close(1000);
        await Promise.all(held.map((h) => h.closed));
        await http(`${svc().url}/v1/sweeps/${id}/cancel`, { method: 'POST' });
      }
    });

    it('answers a handshake the ws library refuses with a 400 problem naming the header', async () => {
      const port = Number(new URL(svc().url).port);
      const upgrade = (extra: [string, string][]) =>
        sendRaw(
          port,
          {
            method: 'GET',
            target: '/v1/stream',
            headers: [['Connection', 'Upgrade'], ['Upgrade', 'websocket'], ...extra],
          },
          10_000,
        );
      const key = Buffer.alloc(16, 7).toString('base64');
      const badKey = await upgrade([
        ['Sec-WebSocket-Version', '13'],
        ['Sec-WebSocket-Key', 'short'],
      ]);
      expect(badKey.status).toBe(400);
      expect(badKey.headers['content-type']).toBe('application/problem+json');
      expect(JSON.parse(badKey.text)).toMatchObject({
        code: 'validation_failed',
        instance: '/v1/stream',
        detail: 'WebSocket handshake: Missing or invalid Sec-WebSocket-Key header',
      });
      const badVersion = await upgrade([
        ['Sec-WebSocket-Version', '99'],
        ['Sec-WebSocket-Key', key],
      ]);
      expect(badVersion.status).toBe(400);
      expect(badVersion.headers['sec-websocket-version']).toBe('13, 8');
      expect(JSON.parse(badVersion.text).detail).toMatch(/Sec-WebSocket-Version/);
      const badProtocol = await upgrade([
        ['Sec-WebSocket-Version', '13'],
        ['Sec-WebSocket-Key', key],
        ['Sec-WebSocket-Protocol', ',,,'],
      ]);
      expect(badProtocol.status).toBe(400);
      expect(JSON.parse(badProtocol.text).detail).toMatch(/Sec-WebSocket-Protocol/);
    });
  },
);
