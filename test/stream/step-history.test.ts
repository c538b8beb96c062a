// The history joining subscribers replay: N joiners of one run at once cost one read per page (single flight),
// full pages are kept for later joiners within a byte bound; the growing tail of a live run is never given to a
// joiner who listened after its read was sent (that would be a gap at the seam), but what it held is kept, so the
// next read of it asks only for the steps after it, and encodes only those; at most
// `concurrency` reads are in flight whatever the number of runs being joined.
import { describe, expect, it } from 'vitest';
import type { StepRow } from '../../src/model/run.ts';
import type { StepPayload } from '../../src/stream/step-encoding.ts';
import { StepHistory } from '../../src/stream/step-history.ts';
import { stepRow } from '../helpers/step-rows.ts';

const encode = (r: StepRow): StepPayload => ({ step: r.step, body: `{"step":${r.step}}` });
/** A subscriber of a live run that has just subscribed (its mark follows its subscription). */
const live = (h: StepHistory) => ({ since: h.mark(), final: false });
const finished = (h: StepHistory) => ({ since: h.mark(), final: true });

/** A store of `n` recorded steps per run whose reads answer only after `release()` (to hold them in flight). */
function blockedStore(n: number) {
  const rows = Array.from({ length: n }, (_, i) => stepRow(i));
  const calls: { runId: string; from: number; limit: number }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let open: () => void = () => {};
  let gate = new Promise<void>((r) => {
    open = r;
  });
  const read = async (runId: string, from: number, limit: number) => {
    calls.push({ runId, from, limit });
    // The snapshot is taken when the query is sent, as a database would.
    const snapshot = rows.filter((r) => r.step >= from).slice(0, limit);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await gate;
    inFlight--;
    return snapshot;
  };
  return {
    read,
    calls,
    rows,
    maxInFlight: () => maxInFlight,
    release() {
      open();
      gate = Promise.resolve();
    },
  };
}

describe('step history', () => {
  it('encodes a page read in pieces through `pace` (a page of 500 rows is not one stretch of the loop), once for all', async () => {
    const store = blockedStore(100);
    const pieces: number[] = [];
    let encoded = 0;
    const counting = (r: StepRow) => {
      encoded++;
      return encode(r);
    };
    const history = new StepHistory(store.read, {
      encodeChunk: 32,
      pace: async (piece) => {
        for (let more = true; more; ) {
          const before = encoded;
          more = piece();
          pieces.push(encoded - before);
          // Another turn of the loop between pieces.
          await new Promise((r) => setImmediate(r));
        }
      },
    });
    const joiners = Array.from({ length: 20 }, () => history.page('r1', 0, 100, counting, finished(history)));
    store.release();
    const pages = await Promise.all(joiners);
    expect(pieces).toEqual([32, 32, 32, 4]);
    expect(encoded).toBe(100);
    for (const p of pages) expect(p.map((s) => s.step)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('N subscribers joining one run at once cost one read, and all get the same page', async () => {
    const store = blockedStore(10);
    const history = new StepHistory(store.read);
    const joiners = Array.from({ length: 200 }, () => history.page('r1', 0, 5, encode, live(history)));
    store.release();
    const pages = await Promise.all(joiners);
    expect(history.reads).toBe(1);
    expect(store.calls).toEqual([{ runId: 'r1', from: 0, limit: 5 }]);
    for (const p of pages) expect(p.map((s) => s.step)).toEqual([0, 1, 2, 3, 4]);
  });

  it('keeps full pages for later joiners, but reads the growing tail of a live run again', async () => {
    const store = blockedStore(7);
    store.release();
    const history = new StepHistory(store.read);
    expect((await history.page('r1', 0, 5, encode, live(history))).length).toBe(5);
    expect((await history.page('r1', 5, 5, encode, live(history))).map((s) => s.step)).toEqual([5, 6]);
    store.rows.push(stepRow(7));
    // The full page comes from memory; the tail is read again (from the step after the tail it had).
    expect((await history.page('r1', 0, 5, encode, live(history))).length).toBe(5);
    expect((await history.page('r1', 5, 5, encode, live(history))).map((s) => s.step)).toEqual([5, 6, 7]);
    expect(store.calls.map((c) => c.from)).toEqual([0, 5, 7]);
    expect(history.reads).toBe(3);
  });

  it('reads and encodes only the steps after the tail it read before; a tail that fills up is kept as a full page', async () => {
    const store = blockedStore(7);
    store.release();
    const encoded: number[] = [];
    const counting = (r: StepRow) => {
      encoded.push(r.step);
      return encode(r);
    };
    const history = new StepHistory(store.read);
    const tail = () => history.page('r1', 5, 5, counting, live(history));
    expect((await tail()).map((s) => s.step)).toEqual([5, 6]);
    store.rows.push(stepRow(7));
    expect((await tail()).map((s) => s.step)).toEqual([5, 6, 7]);
    store.rows.push(stepRow(8), stepRow(9), stepRow(10));
    expect((await tail()).map((s) => s.step)).toEqual([5, 6, 7, 8, 9]);
    expect((await tail()).map((s) => s.step)).toEqual([5, 6, 7, 8, 9]);
    expect(store.calls).toEqual([
      { runId: 'r1', from: 5, limit: 5 },
      { runId: 'r1', from: 7, limit: 3 },
      { runId: 'r1', from: 8, limit: 2 },
    ]);
    expect(encoded).toEqual([5, 6, 7, 8, 9]);
  });

  it('never gives a joiner a tail read sent before it listened; such joiners share one new read', async () => {
    const store = blockedStore(2);
    const history = new StepHistory(store.read);
    const early = history.page('r1', 0, 5, encode, live(history));
    // Step 2 is persisted (and published) after the first read's snapshot, before these joiners subscribe.
    store.rows.push(stepRow(2));
    const late = Array.from({ length: 50 }, () => history.page('r1', 0, 5, encode, live(history)));
    store.release();
    expect((await early).map((s) => s.step)).toEqual([0, 1]);
    for (const page of await Promise.all(late)) expect(page.map((s) => s.step)).toEqual([0, 1, 2]);
    expect(history.reads).toBe(2);
  });

  it('joiners waiting for a read slot share the read they wait for', async () => {
    const store = blockedStore(2);
    const history = new StepHistory(store.read, { concurrency: 1 });
    const other = history.page('other', 0, 5, encode, live(history));
    const waiting = Array.from({ length: 50 }, () => history.page('r1', 0, 5, encode, live(history)));
    store.release();
    await other;
    for (const page of await Promise.all(waiting)) expect(page.length).toBe(2);
    expect(history.reads).toBe(2);
  });

  it('keeps every page of a finished run, its tail too', async () => {
    const store = blockedStore(7);
    store.release();
    const history = new StepHistory(store.read);
    for (let i = 0; i < 3; i++) {
      expect((await history.page('r1', 5, 5, encode, finished(history))).map((s) => s.step)).toEqual([5, 6]);
    }
    expect(history.reads).toBe(1);
  });

  it('keeps at most maxBytes of pages, dropping the least recently used first', async () => {
    const store = blockedStore(100);
    store.release();
    // One page of 10 steps is 10 × (3 × 12 characters + 64) = 1,000 bytes: room for two.
    const history = new StepHistory(store.read, { maxBytes: 2000 });
    const page = (run: string) => history.page(run, 0, 10, encode, live(history));
    await page('a');
    await page('b');
    await page('a'); // a is now the most recently used
    await page('c'); // evicts b
    expect(history.cachedBytes).toBeLessThanOrEqual(2000);
    expect(history.reads).toBe(3);
    await page('a');
    expect(history.reads).toBe(3);
    await page('b');
    expect(history.reads).toBe(4);
  });

  it('has at most `concurrency` reads in flight, however many runs are joined at once', async () => {
    const store = blockedStore(10);
    const history = new StepHistory(store.read, { concurrency: 2 });
    const pages = Array.from({ length: 20 }, (_, i) => history.page(`run-${i}`, 0, 5, encode, live(history)));
    await new Promise((r) => setTimeout(r, 10));
    expect(store.calls.length).toBe(2);
    store.release();
    expect((await Promise.all(pages)).every((p) => p.length === 5)).toBe(true);
    expect(store.maxInFlight()).toBe(2);
    expect(history.reads).toBe(20);
  });

  it('gives a failed read to every joiner, and reads again on the next join', async () => {
    let fail = true;
    let reads = 0;
    const history = new StepHistory(async () => {
      reads++;
      if (fail) throw new Error('database away');
      return [stepRow(0)];
    });
    const joiners = [0, 1].map(() => history.page('r1', 0, 5, encode, finished(history)));
    for (const j of joiners) await expect(j).rejects.toThrow('database away');
    fail = false;
    expect((await history.page('r1', 0, 5, encode, finished(history))).length).toBe(1);
    expect(reads).toBe(2);
  });
});
