// One WebSocket subscriber of /v1/stream: lifecycle events of every run and sweep; a slow reader loses events
// (told by a 'dropped' notice) rather than growing server memory.
import type { WebSocket } from 'ws';
import type { RunListItem } from '../schemas/runs.ts';
import type { SweepEvent, SweepListItem, SweepPoint } from '../schemas/sweeps.ts';
import type { LifecycleEvent, StreamHub } from './hub.ts';
import { firehoseRunBody, firehoseSweepBody, frame, type MessageType, noticeBody } from './messages.ts';

export class FirehoseSession {
  private seq = 0;
  private dropped = 0;
  private unsubscribe: () => void = () => {};
  private unsubscribeSweeps: () => void = () => {};

  constructor(
    private readonly socket: WebSocket,
    private readonly hub: StreamHub,
    private readonly softBufferBytes = 256 * 1024,
  ) {}

  start(): void {
    this.unsubscribe = this.hub.subscribeFirehose((event, run) => this.onEvent(event, run));
    this.unsubscribeSweeps = this.hub.subscribeSweepFirehose((event, sweep, point) =>
      this.onSweepEvent(event, sweep, point),
    );
    this.socket.on('close', () => {
      this.unsubscribe();
      this.unsubscribeSweeps();
    });
  }

  private onEvent(event: LifecycleEvent, run: RunListItem): void {
    if (!this.writable()) return;
    this.send('run', firehoseRunBody(event, run));
  }

  private onSweepEvent(event: SweepEvent, sweep: SweepListItem, point?: SweepPoint): void {
    if (!this.writable()) return;
    this.send('sweep', firehoseSweepBody(event, sweep, point));
  }

  /** Open and not behind: else the event is dropped (counted, and said in the next notice). */
  private writable(): boolean {
    if (this.socket.readyState !== this.socket.OPEN) return false;
    if (this.socket.bufferedAmount > this.softBufferBytes) {
      this.dropped++;
      return false;
    }
    if (this.dropped > 0) {
      const n = this.dropped;
      this.dropped = 0;
      this.send(
        'notice',
        noticeBody({
          code: 'dropped',
          message: `${n} events were dropped because the client reads too slowly`,
        }),
      );
    }
    return true;
  }

  private send(type: MessageType, body: string): void {
    this.socket.send(frame(type, this.seq++, body));
  }
}
