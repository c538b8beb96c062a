// The embedded database served from its own process over the wire protocol: many pg connections on one
// PGlite session without mixing their queries, transactions that keep the session to themselves, clients
// that fail or vanish, a clean close, no committed row lost to kill -9 (of both processes, or of the service
// alone: its database process then closes the folder itself), where the socket lives, a second opening of a
// folder refused, and a database process that dies started again.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../../src/db/pglite.ts';

const root = mkdtempSync(join(tmpdir(), 'gradscope-embedded-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the embedded database over the wire protocol', () => {
  let server: EmbeddedPostgres;
  let pool: pg.Pool;
  beforeAll(async () => {
    server = await startEmbeddedPostgres(join(root, 'shared'));
    pool = new pg.Pool({ connectionString: server.url, max: 10 });
    await pool.query('CREATE TABLE t (id int PRIMARY KEY, note text)');
  });
  afterAll(async () => {
    await pool?.end();
    await server?.close();
  });

  it('keeps concurrent queries apart, also when a bind arrives in several chunks', async () => {
    // pglite-socket 0.2.17 failed 13 of these 300 ("bind message supplies 2 parameters, but prepared
    // statement "" requires 1"): another connection's Parse landed between a Parse and its large Bind.
    const big = 'y'.repeat(1_000_000);
    const answers = await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        if (i % 3 === 0) {
          const r = await pool.query('SELECT length($1::text) AS n, $2::int AS k', [big, i]);
          return r.rows[0].n === big.length && r.rows[0].k === i;
        }
        const r = await pool.query('SELECT $1::int AS a', [i]);
        return r.rows[0].a === i;
      }),
    );
    expect(answers.filter((ok) => !ok)).toEqual([]);
  });

  it("streams an answer many times the size of PGlite's receive buffer intact", async () => {
    // Each chunk PGlite hands over is a view of one reused buffer: sent uncopied, a socket still
    // holding one when the next is written got a corrupt stream (pg: 'offset is out of range').
    const r = await pool.query(
      `SELECT i, repeat(md5(i::text), 8) AS v FROM generate_series(1, 100000) AS i ORDER BY i`,
    );
    expect(r.rows.length).toBe(100_000);
    const wrong = r.rows.filter(
      (row: { i: number; v: string }) =>
        row.v !== createHash('md5').update(String(row.i)).digest('hex').repeat(8),
    );
    expect(wrong.length).toBe(0);
  });

  it('gives a transaction the session until it ends: others wait, then see what it committed', async () => {
    const a = await pool.connect();
    try {
      await a.query('BEGIN');
      await a.query('INSERT INTO t VALUES (1, $1)', ['in a transaction']);
      let seen: number | null = null;
      const other = pool.query('SELECT count(*)::int AS n FROM t WHERE id = 1').then((r) => {
        seen = r.rows[0].n;
      });
      await new Promise((r) => setTimeout(r, 200));
      expect(seen).toBeNull(); // waiting for the transaction, not reading past it
      await a.query('COMMIT');
      await other;
      expect(seen).toBe(1);
    } finally {
      a.release();
    }
  });

  it('rolls back the transaction of a client that goes away, and serves the others', async () => {
    const a = new pg.Client({ connectionString: server.url });
    await a.connect();
    a.on('error', () => {});
    await a.query('BEGIN');
    await a.query('INSERT INTO t VALUES (2, $1)', ['never committed']);
    const waiting = pool.query('SELECT count(*)::int AS n FROM t WHERE id = 2');
    (a as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    expect((await waiting).rows[0].n).toBe(0);
  });

  it('answers an SQL error to its client only; a failed transaction holds the turn until ROLLBACK', async () => {
    await expect(pool.query('SELECT * FROM no_such_table WHERE id = $1', [1])).rejects.toThrow(
      /no_such_table/,
    );
    const a = await pool.connect();
    try {
      await a.query('BEGIN');
      await expect(a.query('INSERT INTO t VALUES (1, $1)', ['duplicate'])).rejects.toThrow(/duplicate key/);
      const other = pool.query('SELECT 1 AS one');
      await a.query('ROLLBACK');
      expect((await other).rows[0].one).toBe(1);
    } finally {
      a.release();
    }
  });

  it('serializes transaction-scoped advisory locks (the queue bound) across connections', async () => {
    // Each transaction reads, waits, then writes: interleaved, both would read 0.
    await pool.query('CREATE TABLE counter (n int)');
    await pool.query('INSERT INTO counter VALUES (0)');
    const bump = async () => {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        await c.query('SELECT pg_advisory_xact_lock(42)');
        const n = (await c.query('SELECT n FROM counter')).rows[0].n as number;
        await new Promise((r) => setTimeout(r, 50));
        await c.query('UPDATE counter SET n = $1', [n + 1]);
        await c.query('COMMIT');
      } finally {
        c.release();
      }
    };
    await Promise.all([bump(), bump(), bump(), bump()]);
    expect((await pool.query('SELECT n FROM counter')).rows[0].n).toBe(4);
  });
});

describe('the embedded database folder', () => {
  it('keeps what was committed across a close and a reopen; closing twice is harmless', async () => {
    const dir = join(root, 'reopen');
    const first = await startEmbeddedPostgres(dir);
    const p1 = new pg.Pool({ connectionString: first.url });
    await p1.query('CREATE TABLE kept (id int)');
    await p1.query('INSERT INTO kept SELECT generate_series(1, 1000)');
    await p1.end();
    await Promise.all([first.close(), first.close()]);
    const second = await startEmbeddedPostgres(dir);
    const p2 = new pg.Pool({ connectionString: second.url });
    try {
      expect((await p2.query('SELECT count(*)::int AS n FROM kept')).rows[0].n).toBe(1000);
    } finally {
      await p2.end();
      await second.close();
    }
    expect(existsSync(join(dir, '.s.PGSQL.5432'))).toBe(false);
  });

  it('refuses a second opening of a folder being served, and leaves the first serving', async () => {
    const dir = join(root, 'twice');
    const first = await startEmbeddedPostgres(dir);
    const p = new pg.Pool({ connectionString: first.url });
    try {
      await expect(startEmbeddedPostgres(dir, { busyWaitMs: 500 })).rejects.toThrow(
        /another process is serving/,
      );
      expect((await p.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    } finally {
      await p.end();
      await first.close();
    }
  });

  it('puts the socket in a private temp folder when the data folder path is too long for one', async () => {
    const dir = join(root, 'x'.repeat(120 - root.length));
    const server = await startEmbeddedPostgres(dir);
    const host = new URL(server.url).searchParams.get('host') as string;
    try {
      expect(host.startsWith(tmpdir())).toBe(true);
      expect(lstatSync(host).mode & 0o777).toBe(0o700);
      const p = new pg.Pool({ connectionString: server.url });
      expect((await p.query('SELECT 1 AS one')).rows[0].one).toBe(1);
      await p.end();
    } finally {
      await server.close();
    }
    expect(existsSync(host)).toBe(false);
  });

  it('starts its database process again after it dies, on the same socket, with the data', async () => {
    const dir = join(root, 'crash');
    const exits: Error[] = [];
    let restarted: () => void = () => {};
    const serving = new Promise<void>((resolve) => {
      restarted = resolve;
    });
    const server = await startEmbeddedPostgres(dir, {
      restartDelayMs: 50,
      onUnexpectedExit: (err) => exits.push(err),
      onRestarted: () => restarted(),
    });
    const p = new pg.Pool({ connectionString: server.url });
    p.on('error', () => {});
    try {
      await p.query('CREATE TABLE kept (id int)');
      await p.query('INSERT INTO kept VALUES (7)');
      await server.crash();
      await expect(p.query('SELECT 1')).rejects.toThrow(/ENOENT|ECONNREFUSED|terminated|EPIPE/);
      await serving;
      expect(exits.map((e) => e.message)).toEqual(['the embedded database process exited (signal SIGKILL)']);
      expect((await p.query('SELECT id FROM kept')).rows).toEqual([{ id: 7 }]);
    } finally {
      await p.end();
      await server.close();
    }
  });

  /** Starts the writer fixture on `dir` (in a process group of its own) and resolves once 200 rows are committed. */
  async function writer(dir: string) {
    const child = spawn(
      process.execPath,
      // --expose-gc too: a V8 flag of the service must not break the database process.
      [
        '--expose-gc',
        '--import',
        'tsx',
        fileURLToPath(new URL('../fixtures/embedded-writer.ts', import.meta.url)),
        dir,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'], detached: true },
    );
    // The writer prints each id once its INSERT's COMMIT has answered.
    let committed = 0;
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d;
        const ids = out.trim().split('\n').map(Number);
        committed = Math.max(committed, ids.at(-1) ?? 0);
        if (committed >= 200) resolve();
      });
      child.once('exit', (code) => reject(new Error(`the writer exited early (code ${code})`)));
    });
    const exited = new Promise((r) => child.once('exit', r));
    return { child, committed: () => committed, exited };
  }

  async function expectEveryCommittedRow(dir: string, committed: number) {
    const after = await startEmbeddedPostgres(dir);
    expect(new URL(after.url).searchParams.get('host')).toBe(dir);
    const p = new pg.Pool({ connectionString: after.url });
    try {
      const stored = (await p.query('SELECT count(*)::int AS n, max(id) AS top FROM steps')).rows[0];
      // Every printed id is there (and possibly the next one, committed before its print).
      expect(stored.top).toBeGreaterThanOrEqual(committed);
      expect(stored.n).toBe(stored.top);
    } finally {
      await p.end();
      await after.close();
    }
  }

  it('loses no committed row to kill -9 of the service and its database process at once', {
    timeout: 90_000,
  }, async () => {
    const dir = join(root, 'killed');
    const w = await writer(dir);
    process.kill(-(w.child.pid as number), 'SIGKILL'); // the whole process group, as `docker kill` would
    await w.exited;
    await until(() => serversOf(dir).length === 0, 10_000);
    // The killed database process's socket stays in the data folder (nothing in /tmp); the next start replaces it.
    expect(lstatSync(join(dir, '.s.PGSQL.5432')).isSocket()).toBe(true);
    await expectEveryCommittedRow(dir, w.committed());
  });

  it('closes the folder when the service is killed: its database process exits by itself', {
    timeout: 90_000,
  }, async () => {
    const dir = join(root, 'orphaned');
    const w = await writer(dir);
    expect(serversOf(dir)).toHaveLength(1);
    w.child.kill('SIGKILL'); // the service alone
    await w.exited;
    // A start at once waits for the orphan to close the folder (its socket answers until then), then opens it.
    await expectEveryCommittedRow(dir, w.committed());
    await until(() => serversOf(dir).length === 0, 10_000);
  });
});

/** Process ids of the embedded database processes serving `dir` (Linux: their command lines in /proc). */
function serversOf(dir: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return cmd.includes('pglite-server.ts') && cmd.includes(JSON.stringify(dir).slice(1, -1));
      } catch {
        return false; // it ended meanwhile
      }
    })
    .map(Number);
}

async function until(ok: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
