// One WebSocket subscriber of one run: hello, history from the database, then live steps, with no gap
// and no duplicate at the seam; downsampling; coalescing for slow readers; end and close.
//
// The seam: the sink persists steps before it publishes them, and this session subscribes before it
// reads history. It replays database pages until a read finds nothing new AND nothing was published
// during that read; only then does it go live, sending live steps whose step is above the last sent.
//
// Live messages (steps, status changes, the end) reach every subscriber of a run at once. With `pace`, a session
// queues them (its outbox) and sends them in the replay's turns, in the order they came, a chunk a piece: a step
// published to 2,000 subscribers is 2,000 writes, which in one stretch of the loop would hold every health check
// and lease renewal behind them.
//
// The end has the same seam: the run record the handshake read may be older than the subscription (the run
// can finish, publishing its end to no one, between that read and the subscribe). So the session also reads
// the run again after subscribing (`recheck`): an end published before it listened is found there.
import type { WebSocket } from 'ws';
import type { RunListItem } from '../schemas/runs.ts';
import type { StreamHub } from './hub.ts';
import {
  endBody,
  frame,
  type HelloBody,
  helloBody,
  type MessageType,
  noticeBody,
  statusBody,
  stepFrame,
} from './messages.ts';
import type { StepPayload } from './step-encoding.ts';

export interface RunSessionOptions {
  runId: string;
  /** First step to send (default 0). */
  from: number;
  /** Send only steps that are multiples of this (and the last one). */
  every: number;
  /** The `hello` message body (without type/seq). */
  hello: HelloBody;
  /** The run as it was when the client connected. */
  run: RunListItem;
  isFinal(run: RunListItem): boolean;
  /**
   * The run read again, by a read that starts after the session subscribed (null: it was deleted since). Its end,
   * if it ended before the subscription, is sent after the history. Without it the session trusts `run`.
   */
  recheck?(): Promise<RunListItem | null>;
  /** Up to `limit` recorded steps from `fromStep` on, ascending, encoded (e.g. through a StepHistory). */
  readPage(fromStep: number, limit: number): Promise<StepPayload[]>;
  /**
   * Runs the history replay's pieces (each sends a chunk of messages and writes it; true while more remain) in
   * turns shared with the other subscribers (a TimeSlicer's run); resolves when one returns false. Without it,
   * a page is sent at once.
   */
  pace?(piece: () => boolean): Promise<void>;
  /**
   * The connection under the WebSocket (a net.Socket): what is sent in one tick is corked into one write, not
   * one system call per message.
   */
  connection?: { cork(): void; uncork(): void };
  /** Bytes queued in the socket beyond which steps are coalesced (skipped, with a notice). */
  softBufferBytes?: number;
  /** A reader stuck over the soft limit this long is disconnected (1008). */
  slowConsumerMs?: number;
  pageSize?: number;
}

/** Messages a paced piece (history replay or live) sends, and writes in one go. */
const HISTORY_CHUNK = 32;

/** What the run's publications queue for a paced session once it is live: a step, or a status change. */
type Outgoing = StepPayload | { status: RunListItem };

export class RunSession {
  private seq = 0;
  private lastSent: number;
  /** First step not yet read (history) or seen (live): every step below it was sent, held or skipped. */
  private nextToRead: number;
  private live = false;
  private dirty = false;
  private pendingEnd: RunListItem | null = null;
  private heldBack: StepPayload | null = null;
  private skipped = 0;
  private overSince = 0;
  private closed = false;
  private corked = false;
  /** Live messages not sent yet (paced sessions), from `outboxHead` on; the end follows them (pendingEnd). */
  private outbox: Outgoing[] = [];
  private outboxHead = 0;
  /** A paced drain of the outbox is scheduled or running. */
  private draining = false;
  private unsubscribe: () => void = () => {};
  private readonly soft: number;
  private readonly slowMs: number;

  constructor(
    private readonly socket: WebSocket,
    private readonly hub: StreamHub,
    private readonly options: RunSessionOptions,
  ) {
    this.lastSent = options.from - 1;
    this.nextToRead = options.from;
    this.soft = options.softBufferBytes ?? 512 * 1024;
    this.slowMs = options.slowConsumerMs ?? 30_000;
  }

  async start(): Promise<void> {
    this.socket.on('close', () => this.stop());
    this.unsubscribe = this.hub.subscribe(this.options.runId, {
      steps: (steps) => {
        if (!this.live) this.dirty = true;
        else if (this.options.pace) this.enqueue(steps);
        else this.onLiveSteps(steps);
      },
      status: (run) => {
        if (this.live && this.options.pace) this.enqueue([{ status: run }]);
        else this.send('status', statusBody(run));
      },
      end: (run) => {
        this.pendingEnd = run;
        if (!this.live) return;
        if (this.options.pace) this.drainPaced();
        else this.finish();
      },
    });
    // Called only now, after subscribing: an end it finds was published before this session listened.
    let rechecked = this.options.recheck?.();
    // Awaited below unless the client leaves first: a failure then is nobody's to report.
    rechecked?.catch(() => {});
    this.send('hello', helloBody(this.options.hello));
    if (this.options.isFinal(this.options.run)) this.pendingEnd = this.options.run;
    const page = this.options.pageSize ?? 500;
    // The read cursor is separate from lastSent: with downsampling a whole page may send nothing.
    for (;;) {
      this.dirty = false;
      const steps = await this.options.readPage(this.nextToRead, page);
      if (this.closed) return;
      if (steps.length > 0) this.nextToRead = steps[steps.length - 1].step + 1;
      let i = 0;
      // One piece: up to HISTORY_CHUNK messages, written before it returns (so a slicer's budget counts the write).
      const piece = (): boolean => {
        const before = this.seq;
        while (i < steps.length && this.seq - before < HISTORY_CHUNK && !this.closed) {
          if (this.socket.bufferedAmount > this.soft) break;
          this.offer(steps[i++], false);
        }
        this.flush();
        return i < steps.length && !this.closed && this.socket.bufferedAmount <= this.soft;
      };
      while (i < steps.length) {
        if (this.socket.bufferedAmount > this.soft) await this.drained();
        if (this.closed) return;
        if (this.options.pace) await this.options.pace(piece);
        else for (let more = true; more; ) more = piece();
        if (this.closed) return;
      }
      if (steps.length === page || this.dirty) continue;
      if (rechecked) {
        const run = await rechecked;
        rechecked = undefined;
        if (this.closed) return;
        if (run === null) this.pendingEnd ??= this.options.run;
        else if (this.options.isFinal(run)) this.pendingEnd ??= run;
        // Steps published while it was read are not sent live yet: read them as history.
        if (this.dirty) continue;
      }
      break;
    }
    this.live = true;
    if (this.pendingEnd) {
      this.finish();
      this.flush();
    }
  }

  stop(): void {
    if (this.closed) return;
    this.closed = true;
    this.outbox = [];
    this.outboxHead = 0;
    this.unsubscribe();
  }

  /** Queues live messages of a paced session for its next pieces. */
  private enqueue(items: readonly Outgoing[]): void {
    if (this.closed) return;
    for (const item of items) this.outbox.push(item);
    this.drainPaced();
  }

  /** Sends the outbox, then the end if the run ended, in paced pieces (one drain at a time keeps the order). */
  private drainPaced(): void {
    const pace = this.options.pace;
    if (this.draining || this.closed || !pace) return;
    this.draining = true;
    pace(() => this.livePiece()).then(
      () => {
        this.draining = false;
        // Anything queued after the last piece returned false starts a new drain.
        if (this.outboxHead < this.outbox.length || this.pendingEnd) this.drainPaced();
      },
      () => this.socket.terminate(),
    );
  }

  /** One paced piece of the live stream: up to HISTORY_CHUNK messages from the outbox, or the end; written. */
  private livePiece(): boolean {
    const before = this.seq;
    while (this.outboxHead < this.outbox.length && this.seq - before < HISTORY_CHUNK && !this.closed) {
      const item = this.outbox[this.outboxHead++];
      if ('status' in item) this.send('status', statusBody(item.status));
      else this.onLiveStep(item);
    }
    if (this.outboxHead === this.outbox.length) {
      this.outbox = [];
      this.outboxHead = 0;
      if (this.seq - before < HISTORY_CHUNK) this.finish();
    }
    this.flush();
    return !this.closed && (this.outboxHead < this.outbox.length || this.pendingEnd !== null);
  }

  private onLiveSteps(steps: readonly StepPayload[]): void {
    for (const s of steps) this.onLiveStep(s);
  }

  private onLiveStep(s: StepPayload): void {
    if (s.step < this.nextToRead) return;
    this.nextToRead = s.step + 1;
    this.offer(s, true);
  }

  /** Sends a step (or holds it back for downsampling / skips it when the reader is behind). */
  private offer(s: StepPayload, live: boolean): void {
    if (s.step <= this.lastSent || this.closed) return;
    if (s.step % this.options.every !== 0) {
      this.heldBack = s;
      return;
    }
    if (live && this.socket.bufferedAmount > this.soft) {
      this.skipped++;
      this.lastSent = s.step;
      if (this.overSince === 0) this.overSince = Date.now();
      else if (Date.now() - this.overSince > this.slowMs) this.disconnectSlow();
      return;
    }
    this.overSince = 0;
    if (this.skipped > 0) {
      const n = this.skipped;
      this.skipped = 0;
      this.send(
        'notice',
        noticeBody({
          code: 'coalesced',
          message: `the client reads slower than the run records: ${n} steps were skipped`,
          skippedSteps: n,
        }),
      );
    }
    this.heldBack = null;
    this.lastSent = s.step;
    this.sendStep(s);
  }

  /** Sends the end and closes (false: nothing more to do, as a paced piece). */
  private finish(): false {
    if (this.closed || !this.pendingEnd) return false;
    const held = this.heldBack;
    if (held && held.step > this.lastSent) {
      this.lastSent = held.step;
      this.sendStep(held);
    }
    this.send('end', endBody(this.pendingEnd));
    this.stop();
    this.socket.close(1000, 'run finished');
    return false;
  }

  private disconnectSlow(): void {
    this.stop();
    this.socket.close(1008, 'slow consumer: fell behind for too long');
  }

  /** Resolves when the socket's queue is below the soft limit (history is paced, never skipped). */
  private async drained(): Promise<void> {
    while (!this.closed && this.socket.bufferedAmount > this.soft) {
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  private send(type: MessageType, body: string): void {
    if (this.writable()) this.socket.send(frame(type, this.seq++, body));
  }

  /** A step, as bytes built from the ones its payload shares with every subscriber (a text message all the same). */
  private sendStep(s: StepPayload): void {
    if (this.writable()) this.socket.send(stepFrame(this.seq++, s), { binary: false });
  }

  /** Whether the socket takes messages; corks the connection for the rest of the tick when it does. */
  private writable(): boolean {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return false;
    const connection = this.options.connection;
    if (connection && !this.corked) {
      this.corked = true;
      connection.cork();
      process.nextTick(() => this.flush());
    }
    return true;
  }

  /** Writes what is corked now (else it goes at the end of the tick). */
  private flush(): void {
    if (!this.corked) return;
    this.corked = false;
    this.options.connection?.uncork();
  }
}
