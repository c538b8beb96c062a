// The subscriber limit of one instance (MAX_STREAM_SUBSCRIBERS): every WebSocket stream it serves (run streams,
// sweep streams, the firehose) holds a place from its admission until its socket closes; beyond the limit a new
// stream is closed at once with 1013 (try again later).
import type { WebSocket } from 'ws';

/** RFC 6455 close code 1013, "Try Again Later": the server is at its subscriber limit. */
export const CLOSE_TRY_AGAIN_LATER = 1013;

export class SubscriberLimit {
  private count = 0;

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1)
      throw new RangeError(`SubscriberLimit: max must be a positive integer, got ${max}`);
  }

  /** Streams holding a place now. */
  get held(): number {
    return this.count;
  }

  /** Whether a new stream would be refused now (a handshake may then skip its database read). */
  get full(): boolean {
    return this.count >= this.max;
  }

  /** Closes the socket 1013 with the reason the README documents. */
  refuse(socket: WebSocket): void {
    socket.close(CLOSE_TRY_AGAIN_LATER, `at the subscriber limit (${this.max}): retry later`);
  }

  /** Gives the socket a place until it closes (true), or refuses it (false). */
  admit(socket: WebSocket): boolean {
    if (this.full) {
      this.refuse(socket);
      return false;
    }
    this.count++;
    socket.once('close', () => this.count--);
    return true;
  }
}
