// bench:load, part 1: sustained POST /v1/runs until the queue is full (202s, then 429s, never a 5xx),
// GET latency with the queue full and the workers training, then proof that no accepted run was lost.
import { getLoad, readTarget } from './api-latency.ts';
import { type CannonResult, cannon, serverErrors } from './cannon.ts';
import { type Bench, cancel, getRun, isFinal, scrapeMetrics, waitRuns } from './harness.ts';
import { courseRun } from './specs.ts';
import { note } from './stats.ts';

export interface QueueLoadOptions {
  submitSeconds: number;
  readSeconds: number;
  connections: number;
}

export interface QueueLoadResult {
  submit: CannonResult;
  accepted: number;
  rejected429: number;
  serverErrors: number;
  /** Queued runs right after the submissions, and the bound. */
  depthAfterSubmit: number;
  depthLimit: number;
  idle: CannonResult;
  full: CannonResult;
  depthDuringRead: [number, number];
  /** Accepted ids that could not be read back (404) or never reached a final status. */
  lost: string[];
  /** Runs named like ours in the database that no 202 answered (created, then the answer was lost). */
  unacknowledged: number;
  finals: Record<string, number>;
}

/** The course exercise: 15,000 full-batch steps, statistics every 10 steps (about 2 s of training). */
const SHORT_RUN = JSON.stringify(courseRun('load-short', 15_000, 10));

/** Every run whose name contains `name`, by id (paging GET /v1/runs). */
async function listByName(b: Bench, name: string): Promise<Set<string>> {
  const ids = new Set<string>();
  let cursor: string | null = null;
  do {
    const q = `name=${encodeURIComponent(name)}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const r = await fetch(`${b.url}/v1/runs?${q}`, { signal: AbortSignal.timeout(30_000) });
    const page = (await r.json()) as { items: { id: string }[]; nextCursor: string | null };
    for (const it of page.items) ids.add(it.id);
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

export async function queueLoad(b: Bench, o: QueueLoadOptions, depthLimit: number): Promise<QueueLoadResult> {
  const target = await readTarget(b);
  const idle = await getLoad(b, target, { seconds: o.readSeconds, connections: o.connections, rounds: 1 });

  note(`submitting short runs for ${o.submitSeconds} s`);
  const submit = await cannon({
    url: b.url,
    method: 'POST',
    path: '/v1/runs',
    body: SHORT_RUN,
    connections: o.connections,
    seconds: o.submitSeconds,
    collectAccepted: true,
  });
  const depthAfterSubmit = (await scrapeMetrics(b)).get('gradscope_queue_depth') ?? Number.NaN;

  note('reading with the queue full and the workers training');
  const full = await getLoad(b, target, { seconds: o.readSeconds, connections: o.connections, rounds: 1 });
  const depthEnd = (await scrapeMetrics(b)).get('gradscope_queue_depth') ?? Number.NaN;

  // Finish quickly: cancel whatever has not finished (queued ones at once, running ones before their next step).
  note(`verifying ${submit.accepted.length} accepted runs`);
  const accepted = [...new Set(submit.accepted)];
  for (const id of accepted) await cancel(b, id);
  const lost: string[] = [];
  await waitRuns(b, accepted, (r) => isFinal(r.status), 90_000, 'accepted runs final').catch(() => {});
  const finals: Record<string, number> = {};
  for (const id of accepted) {
    const { status, run } = await getRun(b, id);
    if (status !== 200 || !run || !isFinal(run.status)) lost.push(`${id} (${status} ${run?.status ?? ''})`);
    else finals[run.status] = (finals[run.status] ?? 0) + 1;
  }
  const stored = await listByName(b, 'load-short');
  const unacknowledged = [...stored].filter((id) => !accepted.includes(id)).length;
  return {
    submit,
    accepted: submit.statuses['202'] ?? 0,
    rejected429: submit.statuses['429'] ?? 0,
    serverErrors: serverErrors(submit),
    depthAfterSubmit,
    depthLimit,
    idle,
    full,
    depthDuringRead: [depthAfterSubmit, depthEnd],
    lost,
    unacknowledged,
    finals,
  };
}
