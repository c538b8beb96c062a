// Admits WebSocket upgrades before they are routed: each upgrade request is queued as it arrives (the socket kept,
// nothing parsed beyond Node's HTTP head) and handed to the router (@fastify/websocket's listener: fastify's hooks,
// the query's validation, the preHandler's run read, the handshake) a few per piece of the time slicer, in arrival
// order. A burst of thousands of upgrades then costs the loop one slicer budget per turn, shared with the history
// replay, instead of running all its routing in the turn it arrives in, ahead of every health check and lease renewal.
//
// Nothing is refused here while the service runs: the subscriber limit (1013 beyond it) and the routes' own checks
// answer each upgrade when it is routed. The queue holds at most one entry per open connection; one whose client
// left is dropped. Once the service closes, the gate routes nothing more: @fastify/websocket's preClose removes its
// own listener from the server, not the copy held here, so an upgrade routed then (a client reconnecting during the
// shutdown's grace) would open a stream that nothing closes, and the HTTP server's close would wait for it forever.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';

type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

interface Waiting {
  req: IncomingMessage;
  socket: Duplex;
  head: Buffer;
}

export interface UpgradeGateOptions {
  /** Upgrades handed to the router per piece (default 4). */
  perPiece?: number;
  /** Runs a piece in the turns shared with the replay (a TimeSlicer's run): called again while it returns true. */
  pace(piece: () => boolean): Promise<void>;
}

/** While an upgrade waits, its socket has no error listener of Node's: an error then destroys it. */
function onWaitingSocketError(this: Duplex): void {
  this.destroy();
}

const SHUTTING_DOWN =
  'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n';

/** Answers an upgrade the service will not route: 503, then the connection ends. */
function refuse(socket: Duplex): void {
  if (socket.destroyed || !socket.writable) socket.destroy();
  else socket.end(SHUTTING_DOWN);
}

export class UpgradeGate {
  /** Upgrades received, and those whose client left before their turn (for tests and metrics). */
  arrived = 0;
  dropped = 0;
  private readonly queue: Waiting[] = [];
  private head = 0;
  private draining: Promise<void> | null = null;
  private closed = false;
  private readonly route: UpgradeListener[];
  private readonly perPiece: number;
  private readonly pace: UpgradeGateOptions['pace'];

  /** Takes over the server's 'upgrade' listeners (register the WebSocket plugin first). */
  constructor(server: Server, options: UpgradeGateOptions) {
    const perPiece = options.perPiece ?? 4;
    if (!Number.isInteger(perPiece) || perPiece < 1)
      throw new RangeError(`UpgradeGate: perPiece must be a positive integer, got ${perPiece}`);
    this.perPiece = perPiece;
    this.pace = options.pace;
    this.route = server.listeners('upgrade') as UpgradeListener[];
    server.removeAllListeners('upgrade');
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.arrive(req, socket, head),
    );
  }

  /** Upgrades queued, not routed yet. */
  get waiting(): number {
    return this.queue.length - this.head;
  }

  /** Resolves when the queue is empty (tests). */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /**
   * Stops routing (call it as the service starts to close): the upgrades waiting, and every one arriving after,
   * are answered 503 and their connections ended.
   */
  close(): void {
    this.closed = true;
    for (; this.head < this.queue.length; this.head++) {
      refuse(this.queue[this.head].socket);
    }
    this.queue.length = 0;
    this.head = 0;
  }

  private arrive(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.arrived++;
    socket.on('error', onWaitingSocketError);
    if (this.closed) {
      refuse(socket);
      return;
    }
    this.queue.push({ req, socket, head });
    this.drain();
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = this.pace(() => this.piece()).finally(() => {
      this.draining = null;
      if (this.waiting > 0) this.drain();
    });
  }

  /** Hands up to perPiece upgrades to the router; true while more wait. */
  private piece(): boolean {
    for (let n = 0; n < this.perPiece && this.head < this.queue.length; ) {
      const { req, socket, head } = this.queue[this.head++];
      socket.removeListener('error', onWaitingSocketError);
      if (socket.destroyed || !socket.writable) {
        this.dropped++;
        socket.destroy();
        continue;
      }
      n++;
      for (const listener of this.route) listener(req, socket, head);
    }
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
      return false;
    }
    return true;
  }
}
