// The run stream's history/live seam with fakes: history from the store, then live steps from the hub, no gap and
// no duplicate; steps persisted during the history read; downsampling with the last step; coalescing; end and close.

import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import type { StepRow } from '../../src/model/run.ts';
import type { RunListItem } from '../../src/schemas/runs.ts';
import { StreamHub } from '../../src/stream/hub.ts';
import type { HelloBody } from '../../src/stream/messages.ts';
import { RunSession } from '../../src/stream/run-session.ts';
import type { StepPayload } from '../../src/stream/step-encoding.ts';
import { stepRow } from '../helpers/step-rows.ts';

/** A socket that records what was sent; `bufferedAmount` is set by the test. */
function fakeSocket() {
  const sent: Record<string, unknown>[] = [];
  const socket = {
    OPEN: 1,
    readyState: 1,
    bufferedAmount: 0,
    closed: null as { code: number; reason: string } | null,
    on() {},
    send(text: string) {
      sent.push(JSON.parse(text));
    },
    close(code: number, reason: string) {
      socket.closed = { code, reason };
      socket.readyState = 3;
    },
  };
  return { socket, sent, ws: socket as unknown as WebSocket };
}

const row = (step: number) => stepRow(step);
const payload = (step: number): StepPayload => ({ step, body: `{"step":${step}}` });
const run = (status: RunListItem['status']) => ({ id: 'r1', status }) as RunListItem;

/** A store of persisted rows; `onRead` runs during each read (before it answers), as a concurrent writer would. */
function session(
  rows: StepRow[],
  opts: {
    every?: number;
    pageSize?: number;
    status?: RunListItem['status'];
    pace?: (piece: () => boolean) => Promise<void>;
    connection?: { cork(): void; uncork(): void };
    recheck?: () => Promise<RunListItem | null>;
  } = {},
) {
  const hub = new StreamHub();
  const { socket, sent, ws } = fakeSocket();
  const reads: number[] = [];
  const store = { rows, onRead: (_from: number) => {} };
  const s = new RunSession(ws, hub, {
    runId: 'r1',
    from: 0,
    every: opts.every ?? 1,
    // Only what the assertions look at (a real hello also has the run item, fields and layers).
    hello: { run: 'r1' } as unknown as HelloBody,
    run: run(opts.status ?? 'running'),
    isFinal: (r) => r.status === 'succeeded',
    readPage: async (from, limit) => {
      reads.push(from);
      store.onRead(from);
      return store.rows
        .filter((r) => r.step >= from)
        .slice(0, limit)
        .map((r) => payload(r.step));
    },
    pageSize: opts.pageSize ?? 500,
    softBufferBytes: 100,
    pace: opts.pace,
    connection: opts.connection,
    recheck: opts.recheck,
  });
  const steps = () => sent.filter((m) => m.type === 'step').map((m) => m.step);
  return { hub, socket, sent, s, store, reads, steps };
}

describe('run session: the history/live seam', () => {
  it('sends hello, the history in pages, then live steps above the last sent, with seq counting every message', async () => {
    const t = session([0, 1, 2, 3, 4].map(row), { pageSize: 2 });
    await t.s.start();
    expect(t.reads).toEqual([0, 2, 4]);
    t.hub.publishSteps('r1', [payload(3), payload(4), payload(5)]);
    t.hub.publishSteps('r1', [payload(6)]);
    expect(t.sent[0]).toEqual({ type: 'hello', seq: 0, run: 'r1' });
    expect(t.steps()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(t.sent.map((m) => m.seq)).toEqual(t.sent.map((_, i) => i));
  });

  it('reads again when a step was persisted and published during the history read (no gap)', async () => {
    const t = session([0, 1].map(row));
    t.store.onRead = (from) => {
      if (from !== 0) return;
      t.store.rows = [0, 1, 2].map(row); // persisted, then published, while the first read is under way
      t.hub.publishSteps('r1', [payload(2)]);
    };
    await t.s.start();
    expect(t.reads).toEqual([0, 3]);
    t.hub.publishSteps('r1', [payload(2), payload(3)]);
    expect(t.steps()).toEqual([0, 1, 2, 3]);
  });

  it('downsamples to multiples of `every` and still sends the last step before end, then closes 1000', async () => {
    const t = session([0, 1, 2, 3, 4, 5].map(row), { every: 2 });
    await t.s.start();
    expect(t.steps()).toEqual([0, 2, 4]);
    t.hub.publishRunEvent('finished', run('succeeded'));
    expect(t.steps()).toEqual([0, 2, 4, 5]);
    expect(t.sent.at(-1)).toMatchObject({ type: 'end', run: { id: 'r1', status: 'succeeded' } });
    expect(t.socket.closed).toEqual({ code: 1000, reason: 'run finished' });
    t.hub.publishSteps('r1', [payload(6)]);
    expect(t.steps()).toEqual([0, 2, 4, 5]);
  });

  it('a run already final when the client connects gets its history, then end', async () => {
    const t = session([0, 1].map(row), { status: 'succeeded' });
    await t.s.start();
    expect(t.sent.map((m) => m.type)).toEqual(['hello', 'step', 'step', 'end']);
    expect(t.socket.closed?.code).toBe(1000);
  });

  it('a run that ended before the session subscribed (found by the re-check) gets its history, then end', async () => {
    const t = session([0, 1].map(row), { recheck: async () => run('succeeded') });
    await t.s.start();
    expect(t.sent.map((m) => m.type)).toEqual(['hello', 'step', 'step', 'end']);
    expect(t.sent.at(-1)).toMatchObject({ type: 'end', run: { status: 'succeeded' } });
    expect(t.socket.closed?.code).toBe(1000);
  });

  it('a deleted run (the re-check finds none) ends; steps published during the re-check are read as history', async () => {
    let firstRead = () => {};
    const read = new Promise<void>((r) => {
      firstRead = r;
    });
    const t = session([0].map(row), {
      recheck: async () => {
        await read;
        t.store.rows = [0, 1].map(row); // persisted and published after the first read was answered
        t.hub.publishSteps('r1', [payload(1)]);
        return null;
      },
    });
    t.store.onRead = () => firstRead();
    await t.s.start();
    expect(t.reads).toEqual([0, 1]);
    expect(t.steps()).toEqual([0, 1]);
    expect(t.sent.at(-1)).toMatchObject({ type: 'end', run: { id: 'r1', status: 'running' } });
  });

  it('skips live steps while the reader is behind, then says how many in a coalesced notice', async () => {
    const t = session([0].map(row));
    await t.s.start();
    t.socket.bufferedAmount = 1_000;
    t.hub.publishSteps('r1', [payload(1), payload(2)]);
    t.socket.bufferedAmount = 0;
    t.hub.publishSteps('r1', [payload(3)]);
    expect(t.steps()).toEqual([0, 3]);
    const notice = t.sent.find((m) => m.type === 'notice');
    expect(notice).toMatchObject({ code: 'coalesced', skippedSteps: 2 });
    expect(t.sent.indexOf(notice!)).toBe(t.sent.length - 2);
  });

  it('sends nothing after the client closed', async () => {
    const t = session([0].map(row));
    await t.s.start();
    t.s.stop();
    t.hub.publishSteps('r1', [payload(1)]);
    t.hub.publishRunEvent('finished', run('succeeded'));
    expect(t.sent.map((m) => m.type)).toEqual(['hello', 'step']);
  });

  it('replays its history in paced pieces of 32 messages, each written (uncorked) before the piece returns', async () => {
    let corked = 0;
    const writes: number[] = [];
    const connection = {
      cork: () => {
        corked++;
        writes.push(0);
      },
      uncork: () => {
        corked--;
      },
    };
    let paces = 0;
    let pieces = 0;
    const t = session(
      Array.from({ length: 100 }, (_, i) => row(i)),
      {
        // One piece a turn, as a slicer with a tiny budget would run them.
        pace: async (piece) => {
          paces++;
          for (;;) {
            await new Promise((r) => setImmediate(r));
            pieces++;
            const more = piece();
            expect(corked).toBe(0);
            if (!more) return;
          }
        },
        connection,
      },
    );
    const originalSend = t.socket.send;
    t.socket.send = (text: string) => {
      expect(corked).toBe(1);
      writes[writes.length - 1]++;
      originalSend(text);
    };
    await t.s.start();
    await new Promise((r) => process.nextTick(r));
    expect(t.steps()).toEqual(Array.from({ length: 100 }, (_, i) => i));
    // One paced replay of the page, in four pieces; the hello goes in its own tick's write before the first.
    expect(paces).toBe(1);
    expect(pieces).toBe(4);
    expect(writes).toEqual([1, 32, 32, 32, 4]);
    expect(corked).toBe(0);
  });

  it('sends live steps, a status and the end in paced pieces after the ones queued before them, each piece written', async () => {
    let corked = 0;
    const connection = { cork: () => void corked++, uncork: () => void corked-- };
    const pieces: number[] = [];
    const t = session([0].map(row), {
      pace: async (piece) => {
        for (;;) {
          await new Promise((r) => setImmediate(r));
          const before = t.sent.length;
          const more = piece();
          pieces.push(t.sent.length - before);
          expect(corked).toBe(0);
          if (!more) return;
        }
      },
      connection,
    });
    await t.s.start();
    await new Promise((r) => process.nextTick(r));
    pieces.length = 0;
    // 40 live steps, then a status, reach every subscriber of the run at once: none is sent in the publisher's turn.
    t.hub.publishSteps(
      'r1',
      Array.from({ length: 40 }, (_, i) => payload(i + 1)),
    );
    t.hub.publishRunEvent('started', run('running'));
    t.hub.publishSteps('r1', [payload(41)]);
    t.hub.publishRunEvent('finished', run('succeeded'));
    expect(t.steps()).toEqual([0]);
    expect(t.socket.closed).toBeNull();
    while (!t.socket.closed) await new Promise((r) => setImmediate(r));
    expect(t.steps()).toEqual(Array.from({ length: 42 }, (_, i) => i));
    expect(t.sent.map((m) => m.type).slice(-4)).toEqual(['step', 'status', 'step', 'end']);
    expect(t.sent.map((m) => m.seq)).toEqual(t.sent.map((_, i) => i));
    expect(pieces).toEqual([32, 11]);
    expect(t.socket.closed).toEqual({ code: 1000, reason: 'run finished' });
    expect(corked).toBe(0);
  });

  it('a piece stops at the soft buffer limit and the replay goes on once the socket drained', async () => {
    const t = session(
      Array.from({ length: 10 }, (_, i) => row(i)),
      { pace: async (piece) => void piece() },
    );
    const originalSend = t.socket.send;
    t.socket.send = (text: string) => {
      originalSend(text);
      // The reader falls behind after the fourth step, and catches up a little later.
      if (t.steps().length === 4) {
        t.socket.bufferedAmount = 1_000;
        setTimeout(() => {
          t.socket.bufferedAmount = 0;
        }, 20);
      }
    };
    await t.s.start();
    expect(t.steps()).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });
});
