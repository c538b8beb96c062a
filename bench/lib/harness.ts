// The service under test, started in a child process (server-child.ts) on a fresh database, and the calls
// the benchmarks make on it: submit, read, cancel and wait for runs over HTTP, scrape /metrics, read its
// memory (from /proc, which answers even when its event loop is stalled) and its IPC answers.
import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { isFinal } from '../../src/model/status.ts';
import type { TestDatabase } from '../../test/helpers/databases.ts';
import type { DbKind } from './args.ts';
import type { ControlCalls, Published, ServerMemory, ServerReply, ServerRequest } from './server-protocol.ts';
import { note, sleep } from './stats.ts';

type Without<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export class Bench {
  private nextId = 1;
  private readonly waiting = new Map<number, (m: ServerReply) => void>();
  private stderrTail = '';
  /** Set when the service process ended on its own (it crashed). */
  crashed: string | null = null;
  url = '';
  wsUrl = '';

  private constructor(
    readonly kind: DbKind,
    readonly dataDir: string,
    private readonly child: ChildProcess,
    private readonly drop: () => Promise<void>,
  ) {
    child.on('message', (m: ServerReply) => {
      this.waiting.get(m.id)?.(m);
      this.waiting.delete(m.id);
    });
    child.stderr?.on('data', (d: Buffer) => {
      process.stderr.write(d);
      this.stderrTail = (this.stderrTail + d.toString()).slice(-4000);
    });
    child.on('exit', (code, signal) => {
      if (this.closing) return;
      const first = /(\w*Error[^\n]*)/.exec(this.stderrTail)?.[1] ?? this.stderrTail.trim().split('\n').pop();
      this.crashed = `service process exited (code ${code}, signal ${signal}): ${first ?? 'no output'}`;
      note(`SERVICE CRASHED: ${this.crashed}`);
      for (const resolve of this.waiting.values()) resolve({ id: 0, op: 'error', message: this.crashed });
      this.waiting.clear();
    });
  }

  private closing = false;

  /**
   * A fresh database of that kind and the real app on it (2 workers, rate limit off, silent logs).
   * `prepare` runs first, on the fresh database (an embedded one is only free before the service opens it).
   */
  static async start(
    kind: DbKind,
    env: Record<string, string> = {},
    prepare?: (db: TestDatabase) => Promise<void>,
  ): Promise<Bench> {
    // Imported here: databases.ts reads TEST_DATABASE_URL when loaded, and args.ts may have just set it.
    const { freshDatabase } = await import('../../test/helpers/databases.ts');
    const db = await freshDatabase(kind);
    await prepare?.(db).catch(async (e) => {
      await db.drop();
      throw e;
    });
    const child = fork(fileURLToPath(new URL('./server-child.ts', import.meta.url)), [], {
      // BENCH_SERVER_ARGS: extra node flags for the service, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
      execArgv: [
        '--import',
        'tsx',
        '--expose-gc',
        ...(process.env.BENCH_SERVER_ARGS?.split(' ').filter(Boolean) ?? []),
      ],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    const b = new Bench(kind, db.dataDir, child, () => db.drop());
    const m = await b.ask(
      { op: 'start', kind, databaseUrl: db.databaseUrl, dataDir: db.dataDir, env },
      60_000,
    );
    if (m.op !== 'started') throw new Error(`Bench.start: ${JSON.stringify(m)}`);
    b.url = m.url;
    b.wsUrl = m.wsUrl;
    return b;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** One IPC request; rejects after timeoutMs (a stalled service answers late or never). */
  ask(req: Without<ServerRequest, 'id'>, timeoutMs = 60_000): Promise<ServerReply> {
    if (this.crashed) return Promise.reject(new Error(this.crashed));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`service did not answer ${req.op} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, (m) => {
        clearTimeout(timer);
        if (m.op === 'error') reject(new Error(m.message));
        else resolve(m);
      });
      this.child.send({ ...req, id } as ServerRequest);
    });
  }

  /** Resident memory of the service process, read by the kernel (no answer from the service needed). */
  rss(): number {
    try {
      const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'))?.[1];
      return Number(kb) * 1024;
    } catch {
      return Number.NaN;
    }
  }

  async memory(gc = false): Promise<ServerMemory> {
    const m = await this.ask({ op: 'memory', gc });
    if (m.op !== 'memory') throw new Error('Bench.memory: unexpected reply');
    return m.memory;
  }

  /** Longest event-loop stall of the service (ms) since the last call. */
  async takeMaxStallMs(): Promise<number> {
    return (await this.takeStall()).maxMs;
  }

  /**
   * Since the last call: the longest event-loop stall and its 99th percentile (ms, monitorEventLoopDelay at 10 ms
   * resolution), and the CPU time of the service's main thread (ms).
   */
  async takeStall(): Promise<{ maxMs: number; p99Ms: number; mainCpuMs: number }> {
    const m = await this.ask({ op: 'stall' }, 120_000);
    if (m.op !== 'stall') throw new Error('Bench.takeStall: unexpected reply');
    return { maxMs: m.maxMs, p99Ms: m.p99Ms, mainCpuMs: m.mainCpuMs };
  }

  async watch(runId: string): Promise<void> {
    await this.ask({ op: 'watch', runId });
  }

  async published(since: number): Promise<Published> {
    const m = await this.ask({ op: 'published', since }, 120_000);
    if (m.op !== 'published') throw new Error('Bench.published: unexpected reply');
    return m.published;
  }

  /** The dispatcher's lease renewals and claims since the service started (counts and times). */
  async controlCalls(): Promise<ControlCalls> {
    const m = await this.ask({ op: 'leases' });
    if (m.op !== 'leases') throw new Error('Bench.controlCalls: unexpected reply');
    return m.calls;
  }

  /** Every step the run has recorded in the database, ascending. */
  async recordedSteps(runId: string): Promise<number[]> {
    const m = await this.ask({ op: 'recordedSteps', runId }, 120_000);
    if (m.op !== 'recordedSteps') throw new Error('Bench.recordedSteps: unexpected reply');
    return m.steps;
  }

  async tableSize(): Promise<{ rows: number; bytes: number }> {
    const m = await this.ask({ op: 'tableSize' }, 120_000);
    if (m.op !== 'tableSize') throw new Error('Bench.tableSize: unexpected reply');
    return m;
  }

  /** Closes the service (graceful, else killed after 30 s) and drops its database. */
  async close(): Promise<void> {
    this.closing = true;
    if (!this.crashed && this.child.exitCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      await this.ask({ op: 'close' }, 30_000).catch(() => this.child.kill('SIGKILL'));
      this.child.disconnect();
      await Promise.race([exited, sleep(10_000).then(() => this.child.kill('SIGKILL'))]);
    }
    await this.drop().catch((e) => note(`dropping the database failed: ${e}`));
  }
}

export interface RunView {
  id: string;
  status: string;
  startedAt: string | null;
  finishedAt: string | null;
  attempts: number;
  progress: { step: number | null; totalSteps: number };
}

export { isFinal };

async function call(b: Bench, method: string, path: string, body?: unknown, timeoutMs = 30_000) {
  const res = await fetch(b.url + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Submits a run; returns its id (throws unless 202). */
export async function submit(b: Bench, spec: unknown): Promise<string> {
  const r = await call(b, 'POST', '/v1/runs', spec);
  if (r.status !== 202) throw new Error(`submit: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.id;
}

export async function getRun(b: Bench, id: string): Promise<{ status: number; run: RunView | null }> {
  const r = await call(b, 'GET', `/v1/runs/${id}`);
  return { status: r.status, run: r.status === 200 ? r.body : null };
}

/** Asks a run to stop (runs already finished answer 409, which is fine). */
export async function cancel(b: Bench, id: string): Promise<void> {
  const r = await call(b, 'POST', `/v1/runs/${id}/cancel`);
  if (r.status >= 500) throw new Error(`cancel ${id}: ${r.status}`);
}

/** Polls until every run satisfies `ok`; returns them (throws after timeoutMs). */
export async function waitRuns(
  b: Bench,
  ids: string[],
  ok: (r: RunView) => boolean,
  timeoutMs = 60_000,
  what = 'condition',
): Promise<RunView[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (b.crashed) throw new Error(b.crashed);
    const runs = await Promise.all(ids.map(async (id) => (await getRun(b, id)).run)).catch(() => null);
    if (runs?.every((r) => r && ok(r))) return runs as RunView[];
    if (Date.now() > deadline) {
      const bad = runs?.filter((r) => !r || !ok(r)).map((r) => r && `${r.id.slice(0, 8)}:${r.status}`);
      throw new Error(`waitRuns: ${what} not met within ${timeoutMs} ms (${bad?.slice(0, 5).join(', ')})`);
    }
    await sleep(100);
  }
}

/** Started and past its first recorded step. */
export const isTraining = (r: RunView) => r.status === 'running' && (r.progress.step ?? -1) >= 0;
export const isDone = (r: RunView) => isFinal(r.status);

/** The unlabelled samples of /metrics, by name. */
export async function scrapeMetrics(b: Bench): Promise<Map<string, number>> {
  const text = await (await fetch(`${b.url}/metrics`, { signal: AbortSignal.timeout(30_000) })).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+) ([-+0-9.eE]+|NaN)$/.exec(line);
    if (m) out.set(m[1], Number(m[2]));
  }
  return out;
}

/** Samples the service's RSS every `everyMs` until stopped. */
export function sampleRss(b: Bench, everyMs = 250): { stop(): number[] } {
  const samples: number[] = [b.rss()];
  const timer = setInterval(() => samples.push(b.rss()), everyMs);
  return {
    stop() {
      clearInterval(timer);
      samples.push(b.rss());
      return samples.filter(Number.isFinite);
    },
  };
}

/**
 * Round-trip time of GET /healthz every `everyMs` while running: what a client sees of the service's
 * event loop. A probe still waiting counts with its age.
 */
export function probeHealth(
  b: Bench,
  everyMs = 100,
  opts: { persistent?: boolean } = {},
): { stop(): { max: number; p99: number; failed: number } } {
  const times: number[] = [];
  let failed = 0;
  const inflight = new Set<number>();
  // persistent: every probe on one kept-alive connection, queued behind the previous one (what the event
  // loop answers, without connection set-up); otherwise fetch's pool, which opens connections as needed.
  const agent = opts.persistent ? new http.Agent({ keepAlive: true, maxSockets: 1 }) : null;
  const get = (): Promise<unknown> =>
    agent
      ? new Promise((resolve, reject) => {
          http
            .get(`${b.url}/healthz`, { agent, timeout: 60_000 }, (res) => {
              res.resume();
              res.on('end', resolve);
            })
            .on('error', reject);
        })
      : fetch(`${b.url}/healthz`, { signal: AbortSignal.timeout(60_000) }).then((r) => r.text());
  const timer = setInterval(() => {
    const t0 = performance.now();
    inflight.add(t0);
    get()
      .then(
        () => times.push(performance.now() - t0),
        () => failed++,
      )
      .finally(() => inflight.delete(t0));
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      agent?.destroy();
      const t = performance.now();
      for (const t0 of inflight) times.push(t - t0);
      const s = Float64Array.from(times).sort();
      return {
        max: s.length ? s[s.length - 1] : 0,
        p99: s.length ? s[Math.floor(0.99 * (s.length - 1))] : 0,
        failed,
      };
    },
  };
}
