// The seam through a shared StepHistory: a session that re-reads because steps were published during its last read
// must not be given a tail read another joiner sent before that publication (it would miss those steps for good:
// they were published, not live for it, and are not in the shared snapshot). StepHistory.reader marks each call.
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import type { StepRow } from '../../src/model/run.ts';
import type { RunListItem } from '../../src/schemas/runs.ts';
import { StreamHub } from '../../src/stream/hub.ts';
import type { HelloBody } from '../../src/stream/messages.ts';
import { RunSession } from '../../src/stream/run-session.ts';
import type { StepPayload } from '../../src/stream/step-encoding.ts';
import { StepHistory } from '../../src/stream/step-history.ts';
import { stepRow } from '../helpers/step-rows.ts';

const encode = (r: StepRow): StepPayload => ({ step: r.step, body: `{"step":${r.step}}` });

function fakeSocket() {
  const sent: { type: string; step?: number }[] = [];
  const socket = {
    OPEN: 1,
    readyState: 1,
    bufferedAmount: 0,
    on() {},
    send: (text: string | Buffer) => void sent.push(JSON.parse(String(text))),
    close() {
      socket.readyState = 3;
    },
  };
  return {
    ws: socket as unknown as WebSocket,
    steps: () => sent.filter((m) => m.type === 'step').map((m) => m.step),
  };
}

describe('history seam through a shared StepHistory', () => {
  it('a re-read after a publication never shares a tail read sent before it: every step reaches the joiner', async () => {
    const rows: StepRow[] = [0, 1, 2].map((s) => stepRow(s));
    // Each read's snapshot is taken when it is sent; it answers when the test releases it.
    const held: (() => void)[] = [];
    const read = (_runId: string, from: number, limit: number) => {
      const snapshot = rows.filter((r) => r.step >= from).slice(0, limit);
      return new Promise<StepRow[]>((resolve) => held.push(() => resolve(snapshot)));
    };
    const history = new StepHistory(read, { concurrency: 4 });
    const hub = new StreamHub();
    const run = { id: 'r1', status: 'running' } as RunListItem;
    const session = (ws: WebSocket, from: number) =>
      new RunSession(ws, hub, {
        runId: 'r1',
        from,
        every: 1,
        hello: { run: 'r1' } as unknown as HelloBody,
        run,
        isFinal: () => false,
        readPage: history.reader('r1', encode, false),
        pageSize: 10,
      });
    const flush = () => new Promise((r) => setImmediate(r));
    const a = fakeSocket();
    const started = session(a.ws, 0).start();
    await flush();
    // A's first read (steps 0–2) is in flight. Joiner B arrives later and reads from step 3: a tail read, sent now.
    const b = fakeSocket();
    const bStarted = session(b.ws, 3).start();
    await flush();
    expect(held.length).toBe(2);
    // Step 3 is persisted and published while both reads are out (A is not live yet: it will read again), then A's
    // read answers with 0–2; B's is still out.
    rows.push(stepRow(3));
    hub.publishSteps('r1', [encode(stepRow(3))]);
    held[0]();
    await flush();
    // A reads again from 3, after the publication: it must not share B's read (sent before step 3 existed).
    held[1]();
    for (let i = 0; i < 10; i++) {
      for (const h of held.splice(0)) h();
      await flush();
    }
    hub.publishRunEvent('finished', { ...run, status: 'cancelled' } as RunListItem);
    await Promise.all([started, bStarted]);
    expect(a.steps()).toEqual([0, 1, 2, 3]);
  });
});
