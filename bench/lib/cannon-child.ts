// Runs one autocannon load in its own process (off the server's event loop) and reports over IPC:
// latency percentiles, request rate, status counts, and the ids of the runs that were accepted (202).
import autocannon from 'autocannon';
import type { CannonJob, CannonResult } from './cannon.ts';

process.once('message', async (job: CannonJob) => {
  const statuses: Record<string, number> = {};
  const accepted: string[] = [];
  const r = await autocannon({
    url: job.url,
    connections: job.connections,
    duration: job.seconds,
    overallRate: job.overallRate,
    timeout: 10,
    requests: [
      {
        method: job.method,
        path: job.path,
        headers: job.body === undefined ? {} : { 'content-type': 'application/json' },
        body: job.body,
        onResponse(status, body) {
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (status === 202 && job.collectAccepted) accepted.push(JSON.parse(body).id);
        },
      },
    ],
  });
  const result: CannonResult = {
    p50: r.latency.p50,
    p90: r.latency.p90,
    p99: r.latency.p99,
    max: r.latency.max,
    rps: r.requests.average,
    total: r.requests.total,
    errors: r.errors,
    timeouts: r.timeouts,
    statuses,
    accepted,
  };
  process.send?.(result, () => process.exit(0));
});
