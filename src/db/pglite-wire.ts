// Serves one PGlite (a single Postgres session) to many wire-protocol connections, one unit of work at a time.
//
// Why not @electric-sql/pglite-socket's multiplexer (0.2.17): it schedules single protocol *messages*
// from all connections through one queue and keeps a connection's turn only inside an explicit
// transaction. An extended-protocol query (Parse, Bind, Execute, Sync) is not in a transaction between
// its messages, so when one connection's Bind arrives in a later TCP chunk than its Parse (any bind over
// ~64 KiB: our telemetry inserts), another connection's Parse replaces the unnamed statement in between —
// measured here: 13 of 300 concurrent queries failed with "bind message supplies 2 parameters, but
// prepared statement "" requires 1"; with compatible shapes they would have bound the wrong statement
// silently (upstream electric-sql/pglite#1046, PR #977, both open). A throw inside its queue also leaves
// the queue stopped for good. Here the unit is what a client sends up to a Sync, a simple Query or a
// Flush, executed in one call; a connection inside a transaction (or between a Flush and its Sync) keeps
// the turn until it leaves it; an error closes that connection and the loop goes on.
//
// What one shared session means for clients (all fine for Prisma over `pg` with unnamed statements):
// session state (SET, named prepared statements, temporary tables) is shared by every connection;
// session advisory locks are re-entrant across connections (transaction-scoped ones exclude, since
// transactions never interleave); LISTEN/NOTIFY notifications reach whichever connection is executing;
// CancelRequest is ignored.
import type { Socket } from 'node:net';

/** The session being shared: PGlite's raw protocol entry and its transaction state. */
export interface ProtocolSession {
  /** Runs a buffer of frontend messages, streaming the backend's answer to `onData`. */
  execute(messages: Uint8Array, onData: (data: Uint8Array) => void): Promise<void>;
  /** True inside an explicit transaction block (also when it failed and awaits ROLLBACK). */
  inTransaction(): boolean;
  /** Rolls back the open transaction of a connection that went away. */
  rollback(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;
/** Message types that end a unit: Sync, simple Query, Flush. */
const SYNC = 0x53;
const QUERY = 0x51;
const FLUSH = 0x48;
const TERMINATE = 0x58;

interface Unit {
  conn: Connection;
  bytes: Uint8Array;
  /** Ended by Flush: the client waits for answers mid-query and keeps the turn until its Sync. */
  keepsTurn: boolean;
}

/** The bytes a connection sent that do not yet make a whole message, without re-copying on every chunk. */
class ChunkReader {
  private chunks: Buffer[] = [];
  private length = 0;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  get available(): number {
    return this.length;
  }

  /** The first `n` bytes without consuming them (n ≤ available). */
  peek(n: number): Buffer {
    if (this.chunks[0] && this.chunks[0].length >= n) return this.chunks[0].subarray(0, n);
    const whole = Buffer.concat(this.chunks);
    this.chunks = [whole];
    return whole.subarray(0, n);
  }

  /** Consumes and returns the first `n` bytes (n ≤ available). */
  take(n: number): Buffer {
    const out = this.peek(n);
    const first = this.chunks[0] as Buffer;
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.length -= n;
    return out;
  }
}

class Connection {
  readonly reader = new ChunkReader();
  started = false;
  closed = false;
  /** Complete messages of the unit being assembled. */
  parts: Buffer[] = [];

  readonly socket: Socket;

  constructor(socket: Socket) {
    this.socket = socket;
  }
}

export class WireMultiplexer {
  private readonly ready: Unit[] = [];
  private readonly connections = new Set<Connection>();
  /** The connection whose turn it is until it leaves its transaction (or its Flush…Sync span). */
  private owner: Connection | null = null;
  private running = false;
  private drained: Promise<void> = Promise.resolve();

  private readonly session: ProtocolSession;
  private readonly onError: (err: unknown) => void;

  constructor(session: ProtocolSession, onError: (err: unknown) => void = () => {}) {
    this.session = session;
    this.onError = onError;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  attach(socket: Socket): void {
    const conn = new Connection(socket);
    this.connections.add(conn);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      conn.reader.push(chunk);
      try {
        this.frame(conn);
      } catch (err) {
        this.onError(err);
        socket.destroy();
      }
    });
    socket.on('error', () => {}); // 'close' follows
    socket.on('close', () => void this.detach(conn));
  }

  /** Closes every connection and waits for the unit in progress, if any, to end. */
  async close(): Promise<void> {
    for (const c of this.connections) {
      c.closed = true;
      c.socket.destroy();
    }
    this.ready.length = 0;
    await this.drained;
  }

  /** Cuts whole messages off the connection's bytes and queues each finished unit. */
  private frame(conn: Connection): void {
    const r = conn.reader;
    for (;;) {
      if (!conn.started) {
        // Startup phase: length-prefixed messages without a type byte.
        if (r.available < 8) return;
        const head = r.peek(8);
        const length = head.readInt32BE(0);
        const code = head.readInt32BE(4);
        if (r.available < length) return;
        const message = r.take(length);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          conn.socket.write('N'); // no encryption on a local socket; the client goes on in plain text
        } else if (code === CANCEL_REQUEST) {
          conn.socket.end(); // nothing to cancel: queries here run to the end
          return;
        } else if (code === PROTOCOL_3) {
          conn.started = true;
          this.enqueue({ conn, bytes: new Uint8Array(message), keepsTurn: false });
        } else {
          throw new Error(`pglite-wire: unsupported startup code ${code}`);
        }
        continue;
      }
      if (r.available < 5) return;
      const head = r.peek(5);
      const type = head[0] as number;
      const length = 1 + head.readInt32BE(1);
      if (r.available < length) return;
      const message = r.take(length);
      if (type === TERMINATE) {
        conn.socket.end();
        return;
      }
      conn.parts.push(message);
      if (type === SYNC || type === QUERY || type === FLUSH) {
        const bytes = new Uint8Array(Buffer.concat(conn.parts));
        conn.parts = [];
        this.enqueue({ conn, bytes, keepsTurn: type === FLUSH });
      }
    }
  }

  private enqueue(unit: Unit): void {
    this.ready.push(unit);
    if (!this.running) this.drained = this.drain();
  }

  private next(): Unit | undefined {
    if (!this.owner) return this.ready.shift();
    const i = this.ready.findIndex((u) => u.conn === this.owner);
    return i === -1 ? undefined : this.ready.splice(i, 1)[0];
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      for (let unit = this.next(); unit; unit = this.next()) {
        const { conn } = unit;
        if (conn.closed) continue;
        try {
          await this.session.execute(unit.bytes, (data) => {
            // A copy: `data` is a view of PGlite's receive buffer, overwritten by the next chunk while
            // the socket may still hold this one.
            if (!conn.closed && data.length > 0) conn.socket.write(Buffer.from(data));
          });
        } catch (err) {
          // The session threw instead of answering (not an SQL error, which it answers): this client
          // cannot know where its protocol stands, so it is closed; the others go on.
          this.onError(err);
          conn.socket.destroy();
        }
        this.owner = unit.keepsTurn || this.session.inTransaction() ? conn : null;
        if (this.owner?.closed) await this.release(this.owner);
      }
    } finally {
      this.running = false;
    }
  }

  private async detach(conn: Connection): Promise<void> {
    conn.closed = true;
    this.connections.delete(conn);
    for (let i = this.ready.length - 1; i >= 0; i--)
      if (this.ready[i]?.conn === conn) this.ready.splice(i, 1);
    // A transaction left open by a client that went away would hold the turn forever.
    if (this.owner === conn && !this.running) await this.release(conn);
  }

  private async release(conn: Connection): Promise<void> {
    if (this.owner !== conn) return;
    try {
      if (this.session.inTransaction()) await this.session.rollback();
    } catch (err) {
      this.onError(err);
    }
    this.owner = null;
    if (!this.running && this.ready.length) this.drained = this.drain();
  }
}
