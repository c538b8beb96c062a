// One WebSocket subscriber of /v1/sweeps/:id/stream: hello, the rows of the points already finished (history), then
// each point's row as it finishes (live), then end — with no gap and no duplicate at the seam.
//
// The seam: the session subscribes before it reads the history, and holds live rows back until the read is done.
// A point finishes once, so its index says whether it was sent: a row held back is sent after the history unless
// the history had it, and every later one as it comes.
import type { WebSocket } from 'ws';
import type { SweepListItem, SweepPoint } from '../schemas/sweeps.ts';
import type { StreamHub } from './hub.ts';
import { frame, type MessageType, sweepBody, sweepPointBody } from './messages.ts';

export interface SweepSessionOptions {
  sweepId: string;
  /** The sweep when the client connected. */
  hello: SweepListItem;
  /** The results table now, and the sweep (to know whether it already ended). */
  readHistory(): Promise<{ sweep: SweepListItem; points: SweepPoint[] }>;
  isFinal(status: SweepPoint['status']): boolean;
}

export class SweepSession {
  private seq = 0;
  private live = false;
  private closed = false;
  private readonly sent = new Set<number>();
  private held: SweepPoint[] = [];
  private pendingEnd: SweepListItem | null = null;
  private unsubscribe: () => void = () => {};

  constructor(
    private readonly socket: WebSocket,
    private readonly hub: StreamHub,
    private readonly options: SweepSessionOptions,
  ) {}

  async start(): Promise<void> {
    this.socket.on('close', () => this.stop());
    this.unsubscribe = this.hub.subscribeSweep(this.options.sweepId, {
      point: (p) => (this.live ? this.sendPoint(p) : this.held.push(p)),
      end: (sweep) => {
        this.pendingEnd = sweep;
        if (this.live) this.finish();
      },
    });
    this.send('hello', sweepBody(this.options.hello));
    const history = await this.options.readHistory();
    if (this.closed) return;
    for (const p of history.points) if (this.options.isFinal(p.status)) this.sendPoint(p);
    for (const p of this.held) this.sendPoint(p);
    this.held = [];
    this.live = true;
    const ended = history.sweep.status === 'finished' || history.sweep.status === 'cancelled';
    if (ended && history.sweep.progress.done >= history.sweep.progress.total)
      this.pendingEnd ??= history.sweep;
    if (this.pendingEnd) this.finish();
  }

  stop(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
  }

  private sendPoint(p: SweepPoint): void {
    if (this.sent.has(p.index)) return;
    this.sent.add(p.index);
    this.send('point', sweepPointBody(p));
  }

  private finish(): void {
    if (this.closed || !this.pendingEnd) return;
    this.send('end', sweepBody(this.pendingEnd));
    this.stop();
    this.socket.close(1000, 'sweep finished');
  }

  private send(type: MessageType, body: string): void {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(frame(type, this.seq++, body));
  }
}
