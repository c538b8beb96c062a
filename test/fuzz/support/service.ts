// The real app on PGlite for the fuzz suites, in a child process (server.child.ts), observed from here: its log lines,
// its exit, and a watchdog on /healthz. A server that crashes or wedges is reported as down, naming the cases in flight.
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NoAnswerError, type RawRequest, type RawResponse, sendRaw } from './raw-http.ts';
import { contractViolation, type Tally } from './verdict.ts';
import { Watchdog } from './watchdog.ts';

/** The fast-check seed of every fuzz suite (FUZZ_SEED overrides it to explore; CI keeps the default). */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 0x5eed_2026);
/** Multiplies every numRuns (FUZZ_SCALE=10 for a long local session). */
export const FUZZ_SCALE = Number(process.env.FUZZ_SCALE ?? 1);
export const runs = (n: number) => Math.max(1, Math.round(n * FUZZ_SCALE));
/** The seed of one named group of cases, derived from FUZZ_SEED (groups stay independent of each other). */
export function seedOf(name: string, seed = FUZZ_SEED): number {
  let h = seed | 0;
  for (const ch of name) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
  return h;
}
/** An answer slower than this is a hang. */
export const REQUEST_TIMEOUT_MS = 10_000;
/** /healthz pending this long: the server is wedged (its event loop no longer turns). */
const WEDGE_MS = 8000;

const CHILD = fileURLToPath(new URL('./server.child.ts', import.meta.url));

export interface FuzzService {
  port: number;
  url: string;
  wsUrl: string;
  workers: number;
  /** Every log line the app wrote (JSON text), in order. */
  logs: string[];
  /** Why the server can no longer be fuzzed (it exited, or stopped answering), or null while it is up. */
  down: string | null;
  /** Cases on the wire now, by id, and the last ones started: the suspects when the server goes down. */
  inFlight: Map<number, string>;
  recent: string[];
  watchdog: Watchdog;
  close(): Promise<void>;
}

/** Starts the service in a child process; `log` is 'warn' (errors only) or 'production:<level>' (main.ts's config). */
export async function startFuzzService(env: Record<string, string> = {}, log = 'warn'): Promise<FuzzService> {
  const configEnv = {
    WORKERS: '2',
    POLL_MS: '50',
    LEASE_MS: '3000',
    SHUTDOWN_GRACE_MS: '1000',
    RATE_LIMIT_PER_MINUTE: '0',
    ...env,
  };
  const dir = mkdtempSync(join(tmpdir(), 'gradscope-fuzz-'));
  const child: ChildProcess = fork(CHILD, [], {
    env: {
      ...process.env,
      FUZZ_CONFIG_ENV: JSON.stringify(configEnv),
      FUZZ_LOG: log,
      FUZZ_DATA_DIR: join(dir, 'pglite'),
    },
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const logs: string[] = [];
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) if (l) logs.push(l);
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-20_000);
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      rmSync(dir, { recursive: true, force: true });
      resolve(code);
    }),
  );
  const ready = await Promise.race([
    new Promise<{ port: number; workers: number }>((resolve) =>
      child.once('message', (m) => resolve(m as { port: number; workers: number })),
    ),
    exited.then((code) => {
      throw new Error(`the fuzz service exited (${code}) before listening:\n${stderr}`);
    }),
  ]);
  const url = `http://127.0.0.1:${ready.port}`;
  let closing = false;
  const svc: FuzzService = {
    port: ready.port,
    url,
    wsUrl: url.replace('http', 'ws'),
    workers: ready.workers,
    logs,
    down: null,
    inFlight: new Map(),
    recent: [],
    watchdog: undefined as unknown as Watchdog,
    async close() {
      closing = true;
      const wedged = svc.watchdog.pendingMs() > 2000;
      await svc.watchdog.stop();
      if (child.exitCode === null) {
        // A wedged server never reads the message: it gets a few seconds, then SIGKILL.
        if (svc.down || wedged) child.kill('SIGKILL');
        else child.send('close');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
  const suspects = () =>
    [
      ...[...svc.inFlight.values()].slice(0, 8).map((d) => `in flight: ${d}`),
      ...svc.recent.map((d) => `started recently: ${d}`),
    ]
      .map((d) => `\n      ${d.slice(0, 240)}`)
      .join('');
  void exited.then((code) => {
    if (closing) return;
    const error = stderr.split('\n').find((l) => /Error|error:/.test(l)) ?? '';
    svc.down ??= `the server process exited with code ${code}: ${error.trim()}${suspects()}\n      stderr: ${stderr.slice(-1200)}`;
  });
  svc.watchdog = new Watchdog(
    `${url}/healthz`,
    (ms, phase) => {
      svc.down ??= `the server stopped answering /healthz (pending ${ms} ms, during ${phase})${suspects()}`;
    },
    WEDGE_MS,
  );
  return svc;
}

/** The error lines the app logged for one request id (its 5xx cause, a stream that failed…). */
export function errorLogOf(svc: FuzzService, reqId: string): string | undefined {
  const lines = svc.logs.filter((l) => l.includes(`"reqId":"${reqId}"`) && /"level":(50|60)/.test(l));
  if (lines.length === 0) return undefined;
  return lines
    .map((l) => {
      const o = JSON.parse(l) as { msg?: string; err?: { type?: string; message?: string; stack?: string } };
      const frame = o.err?.stack?.split('\n').find((s) => s.includes('/src/')) ?? '';
      return `${o.msg ?? ''}: ${o.err?.type ?? ''}: ${o.err?.message?.replace(/\s+/g, ' ').slice(0, 300) ?? ''} ${frame.trim()}`;
    })
    .join(' || ');
}

let sequence = 0;

function track(svc: FuzzService, key: number, what: string): void {
  svc.inFlight.set(key, what);
  svc.recent.push(what);
  if (svc.recent.length > 12) svc.recent.shift();
}

/** Runs `fn` with `what` listed among the cases in flight (for the report when the server goes down). */
export async function inFlight<T>(svc: FuzzService, what: string, fn: () => Promise<T>): Promise<T> {
  const key = ++sequence;
  track(svc, key, what);
  try {
    return await fn();
  } finally {
    svc.inFlight.delete(key);
  }
}

/**
 * Sends one fuzz case, checks the answer against the contract, and records it in the tally under `endpoint`.
 * Returns the answer (null when there was none) for case-specific checks.
 */
export async function probe(
  svc: FuzzService,
  tally: Tally,
  endpoint: string,
  req: RawRequest,
  describe: () => string = () => describeRequest(req),
): Promise<RawResponse | null> {
  tally.count(endpoint);
  if (svc.down) {
    tally.fail({ endpoint, signature: 'server down', input: describe(), log: svc.down });
    return null;
  }
  const key = ++sequence;
  const reqId = `fz-${key}`;
  const headers = req.headers ?? [];
  const withId: RawRequest = headers.some(([k]) => k.toLowerCase() === 'x-request-id')
    ? req
    : { ...req, headers: [...headers, ['X-Request-Id', reqId]] };
  let res: RawResponse;
  track(svc, key, describeRequest(withId));
  try {
    res = await sendRaw(svc.port, withId, REQUEST_TIMEOUT_MS);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (req.oversized && (code === 'EPIPE' || code === 'ECONNRESET')) return null;
    const kind =
      e instanceof NoAnswerError
        ? /within/.test(e.message)
          ? `hang: no answer within ${REQUEST_TIMEOUT_MS} ms`
          : 'connection closed without an answer'
        : `connection error ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
    tally.fail({ endpoint, signature: kind, input: describe(), log: svc.down ?? errorLogOf(svc, reqId) });
    return null;
  } finally {
    svc.inFlight.delete(key);
  }
  const bad = contractViolation(res, {
    head: req.method === 'HEAD',
    requestText: `${req.target} ${String(req.body ?? '')}`,
  });
  if (bad) {
    const code = (/"code":"([^"]*)"/.exec(res.text) ?? [])[1];
    tally.fail({
      endpoint,
      signature: `${bad}${code ? ` [${code}]` : ''}`,
      input: describe(),
      log: errorLogOf(svc, reqId) ?? `answer: ${res.text.slice(0, 200)}`,
    });
  }
  return res;
}

export function describeRequest(r: RawRequest): string {
  const body =
    r.body === undefined
      ? ''
      : Buffer.isBuffer(r.body)
        ? ` body=<${r.body.length} bytes: ${JSON.stringify(r.body.subarray(0, 120).toString('latin1'))}>`
        : ` body=${r.body.length > 400 ? `<${r.body.length} chars> ${r.body.slice(0, 300)}…` : r.body}`;
  const headers = (r.headers ?? [])
    .map(
      ([k, v]) =>
        `${k}: ${v.length > 120 ? `<${v.length} chars> ${JSON.stringify(v.slice(0, 60))}…` : JSON.stringify(v)}`,
    )
    .join('; ');
  const target = r.target.length > 300 ? `${r.target.slice(0, 300)}…<${r.target.length} chars>` : r.target;
  return `${r.method} ${target}${headers ? ` [${headers}]` : ''}${body}`;
}

/** A JSON request as raw bytes. */
export function jsonRequest(
  method: string,
  target: string,
  body: unknown,
  headers: [string, string][] = [],
): RawRequest {
  return {
    method,
    target,
    headers: [['Content-Type', 'application/json'], ...headers],
    body: typeof body === 'string' ? body : JSON.stringify(body),
  };
}
