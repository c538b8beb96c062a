// The recorded steps of runs as joining subscribers read them: one database read per page however many join
// at once (single flight), full pages kept encoded for the next joiners (bounded in bytes, least recently
// used out first), and at most `concurrency` reads in flight, so a flood of joiners costs the database a few
// reads instead of one each, and never takes every connection (or, on PGlite's one connection, queues more
// than `concurrency` reads ahead of a lease renewal).
//
// The growing tail of a live run must be read again for a joiner that subscribed after the last read of it was
// sent (see PageReader), but what that read found cannot change (steps are recorded once, in ascending order):
// it is kept too, and the next read asks only for the steps after it and encodes only those. Joiners arriving
// in waves while a run records then cost a few new rows each, not a page of rows decoded and encoded again.
import type { StepRow } from '../model/run.ts';
import type { StepPayload } from './step-encoding.ts';

export interface StepHistoryOptions {
  /** Encoded bytes of full pages kept (default 32 MiB). */
  maxBytes?: number;
  /** Database reads in flight at once (default 2). */
  concurrency?: number;
  /**
   * Runs the encoding of a page read in pieces of `encodeChunk` rows (a TimeSlicer's run: called again while it
   * returns true), so that a page of 500 rows is not one stretch of the loop when its read answers. Without it, a
   * page is encoded at once.
   */
  pace?(piece: () => boolean): Promise<void>;
  /** Rows encoded per piece (default 32). */
  encodeChunk?: number;
}

interface CachedPage {
  steps: StepPayload[];
  bytes: number;
  /** Shorter than its limit when read (a live run's tail): the start of the page, which a later read extends. */
  partial: boolean;
}

interface Reading {
  steps: Promise<StepPayload[]>;
  /** The mark when the query was sent (undefined while it waits for a read slot). */
  startedAt?: number;
}

/** Who reads, and what it may share. */
export interface PageReader {
  /**
   * A mark taken (history.mark()) after the reader subscribed to the run's live steps: it may share only a read
   * sent after it, whose snapshot is then at least as new as its subscription. An older read may miss steps
   * persisted and published before the reader listened, which would be a gap at the seam.
   */
  since: number;
  /** The run has finished: its steps no longer change, so any read of it may be shared and any page kept. */
  final: boolean;
}

export class StepHistory {
  /** Database reads made since start (for tests and metrics). */
  reads = 0;
  private readonly inFlight = new Map<string, Reading>();
  private clock = 0;
  /** Full pages, least recently used first (Map keeps insertion order; a hit re-inserts). */
  private readonly pages = new Map<string, CachedPage>();
  private bytes = 0;
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly maxBytes: number;
  private readonly concurrency: number;
  private readonly pace: StepHistoryOptions['pace'];
  private readonly encodeChunk: number;

  constructor(
    private readonly read: (runId: string, fromStep: number, limit: number) => Promise<StepRow[]>,
    options: StepHistoryOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? 32 * 2 ** 20;
    this.concurrency = options.concurrency ?? 2;
    this.pace = options.pace;
    this.encodeChunk = options.encodeChunk ?? 32;
  }

  get cachedBytes(): number {
    return this.bytes;
  }

  /** A point in the order of reads: take it after subscribing, pass it as PageReader.since. */
  mark(): number {
    return ++this.clock;
  }

  /**
   * The page reader of one subscriber (RunSession's readPage), to be made after it subscribed: each call may share
   * only a read sent after that call. A session reads again when steps were published during its last read; a tail
   * read sent before that publication would not hold them, and they would never reach it.
   */
  reader(
    runId: string,
    encode: (row: StepRow) => StepPayload,
    final: boolean,
  ): (fromStep: number, limit: number) => Promise<StepPayload[]> {
    return (fromStep, limit) => this.page(runId, fromStep, limit, encode, { since: this.mark(), final });
  }

  /**
   * Up to `limit` recorded steps of the run from `fromStep` on, ascending, encoded. A page that comes back full
   * is complete (steps are recorded in ascending order, so none can appear inside it later): it is kept, and any
   * reader may take it. A shorter page (the tail of a run still recording) goes only to readers who may share
   * that read (PageReader.since); the others read again. Of a finished run, every page is kept.
   */
  page(
    runId: string,
    fromStep: number,
    limit: number,
    encode: (row: StepRow) => StepPayload,
    reader: PageReader,
  ): Promise<StepPayload[]> {
    const key = `${runId}:${fromStep}:${limit}`;
    const cached = this.pages.get(key);
    if (cached && !cached.partial) {
      this.pages.delete(key);
      this.pages.set(key, cached);
      return Promise.resolve(cached.steps);
    }
    const pending = this.inFlight.get(key);
    if (!pending) {
      // The tail as the last read found it is taken when this read is sent (it may have grown since the call).
      const fetch = async () => {
        const start = this.pages.get(key)?.steps ?? [];
        const after = start.length > 0 ? start[start.length - 1].step + 1 : fromStep;
        const rows = await this.read(runId, after, limit - start.length);
        return rows.length === 0 ? start : start.concat(await this.encodeAll(rows, encode));
      };
      return this.readPage(key, fetch, limit, reader.final);
    }
    if (reader.final || pending.startedAt === undefined || pending.startedAt > reader.since)
      return pending.steps;
    // Sent before this reader listened: its answer will do only if it is a full page.
    return pending.steps.then((steps) =>
      steps.length === limit ? steps : this.page(runId, fromStep, limit, encode, reader),
    );
  }

  /**
   * One database read of a page (within the concurrency bound), shared while in flight; kept, as complete if it is
   * full or the run final, else as the start of the page.
   */
  private readPage(
    key: string,
    fetch: () => Promise<StepPayload[]>,
    limit: number,
    final: boolean,
  ): Promise<StepPayload[]> {
    const reading: Reading = { steps: Promise.resolve([]) };
    reading.steps = this.limited(() => {
      this.reads++;
      reading.startedAt = this.mark();
      return fetch();
    }).then((steps) => {
      this.keep(key, steps, !(steps.length === limit || final));
      return steps;
    });
    this.inFlight.set(key, reading);
    // Registered first, so it runs before any reader's continuation: a re-read then starts a new read.
    void reading.steps
      .finally(() => {
        if (this.inFlight.get(key) === reading) this.inFlight.delete(key);
      })
      .catch(() => {});
    return reading.steps;
  }

  /** The rows encoded, in pieces through `pace` when there is more than one piece of them. */
  private async encodeAll(rows: StepRow[], encode: (row: StepRow) => StepPayload): Promise<StepPayload[]> {
    const pace = this.pace;
    if (!pace || rows.length <= this.encodeChunk) return rows.map(encode);
    const out = new Array<StepPayload>(rows.length);
    let i = 0;
    await pace(() => {
      for (const end = Math.min(rows.length, i + this.encodeChunk); i < end; i++) out[i] = encode(rows[i]);
      return i < rows.length;
    });
    return out;
  }

  private keep(key: string, steps: StepPayload[], partial: boolean): void {
    const old = this.pages.get(key);
    // A complete page stays; a tail gives way to the complete page, or to a longer tail.
    if (old && (!old.partial || (partial && old.steps.length >= steps.length))) return;
    if (old) {
      this.pages.delete(key);
      this.bytes -= old.bytes;
    }
    // Two bytes a character (V8 may store them in one; this bounds it either way), one more for the message bytes
    // sent from it (messages.ts stepFrame, once it is sent), plus the objects.
    const bytes = steps.reduce((n, s) => n + 3 * s.body.length + 64, 0);
    if (bytes > this.maxBytes || steps.length === 0) return;
    this.pages.set(key, { steps, bytes, partial });
    this.bytes += bytes;
    for (const [oldest, page] of this.pages) {
      if (this.bytes <= this.maxBytes) break;
      this.pages.delete(oldest);
      this.bytes -= page.bytes;
    }
  }

  private async limited<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter (active stays), or free it.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
