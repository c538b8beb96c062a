// A WebSocket that reconnects with backoff until told it is finished (a run stream's `end`) or closed.
import { checkAccess } from './api.ts';

export type SocketState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface LiveSocketOptions<M> {
  /** The URL to connect to, asked again on every reconnect (a run stream resumes `from` its last step). */
  url(): string;
  onMessage(message: M): void;
  onState?(state: SocketState): void;
  /** Called before each reconnect (e.g. to resync a list that may have missed events). */
  onReconnect?(): void;
}

const MAX_DELAY_MS = 10_000;

export class LiveSocket<M> {
  private ws: WebSocket | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private failures = 0;
  private done = false;

  constructor(private readonly o: LiveSocketOptions<M>) {
    this.connect('connecting');
  }

  /** The stream is complete: the socket closing now is expected and is not reopened. */
  finish(): void {
    this.done = true;
  }

  /** Closes for good (leaving the page). */
  close(): void {
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    this.ws?.close(1000);
    this.ws = null;
  }

  private connect(state: SocketState): void {
    this.o.onState?.(state);
    const ws = new WebSocket(this.o.url());
    this.ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      this.o.onState?.('open');
    };
    ws.onmessage = (event) => {
      this.failures = 0;
      let message: M;
      try {
        message = JSON.parse(String(event.data)) as M;
      } catch {
        return; // not ours: the server only sends JSON
      }
      this.o.onMessage(message);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.done) {
        this.o.onState?.('closed');
        return;
      }
      this.failures++;
      this.o.onState?.('reconnecting');
      const delay = Math.min(MAX_DELAY_MS, 250 * 2 ** Math.min(this.failures, 6));
      this.timer = setTimeout(async () => {
        this.timer = null;
        // A socket refused at the handshake says nothing about why: a plain request shows a 401 and
        // brings up the token prompt, whose answer the reconnect then carries.
        if (!opened) await checkAccess().catch(() => undefined);
        if (this.done) return;
        this.o.onReconnect?.();
        this.connect('reconnecting');
      }, delay);
    };
  }
}
