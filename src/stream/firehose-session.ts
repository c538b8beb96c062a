// One WebSocket subscriber of /v1/stream: lifecycle events of every run; a slow reader loses events
// (told by a 'dropped' notice) rather than growing server memory.
import type { WebSocket } from 'ws';
import type { RunListItem } from '../schemas/runs.ts';
import type { LifecycleEvent, StreamHub } from './hub.ts';
import { firehoseRunBody, frame, type MessageType, noticeBody } from './messages.ts';

export class FirehoseSession {
  private seq = 0;
  private dropped = 0;
  private unsubscribe: () => void = () => {};

  constructor(
    private readonly socket: WebSocket,
    private readonly hub: StreamHub,
    private readonly softBufferBytes = 256 * 1024,
  ) {}

  start(): void {
    this.unsubscribe = this.hub.subscribeFirehose((event, run) => this.onEvent(event, run));
    this.socket.on('close', () => this.unsubscribe());
  }

  private onEvent(event: LifecycleEvent, run: RunListItem): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > this.softBufferBytes) {
      this.dropped++;
      return;
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
    this.send('run', firehoseRunBody(event, run));
  }

  private send(type: MessageType, body: string): void {
    this.socket.send(frame(type, this.seq++, body));
  }
}
