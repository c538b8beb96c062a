// HTTP load with autocannon in a child process: latency p50/p90/p99 (ms), req/s, status counts.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface CannonJob {
  url: string;
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  connections: number;
  seconds: number;
  /** Requests per second over all connections (default: as fast as answered). */
  overallRate?: number;
  /** Keep the `id` of every 202 answer. */
  collectAccepted?: boolean;
}

export interface CannonResult {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  rps: number;
  total: number;
  errors: number;
  timeouts: number;
  /** HTTP status → responses. */
  statuses: Record<string, number>;
  accepted: string[];
}

export function cannon(job: CannonJob): Promise<CannonResult> {
  const child = fork(fileURLToPath(new URL('./cannon-child.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => {
        child.kill();
        reject(new Error(`cannon: ${job.method} ${job.path} did not report within ${job.seconds + 60} s`));
      },
      (job.seconds + 60) * 1000,
    );
    child.once('message', (m: CannonResult) => {
      clearTimeout(timer);
      resolve(m);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`cannon: child exited with ${code}`));
    });
    child.send(job);
  });
}

/** Responses with a 5xx status. */
export const serverErrors = (r: CannonResult) =>
  Object.entries(r.statuses).reduce((n, [code, c]) => (Number(code) >= 500 ? n + c : n), 0);
