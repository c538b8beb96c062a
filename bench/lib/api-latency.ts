// GET /v1/runs/:id under autocannon load, with the workers idle and with both training, interleaved.
import { type CannonResult, cannon } from './cannon.ts';
import {
  type Bench,
  cancel,
  getRun,
  isDone,
  isTraining,
  scrapeMetrics,
  submit,
  waitRuns,
} from './harness.ts';
import { quickTrain, slowTrain } from './specs.ts';

export interface ApiLatencyOptions {
  rounds: number;
  seconds: number;
  connections: number;
}

export interface ApiLatency {
  idle: CannonResult[];
  busy: CannonResult[];
  /** Longest event-loop stall in each idle / busy window (ms). */
  idleStallMs: number[];
  busyStallMs: number[];
  /**
   * CPU time of the service's main thread per answered request in each idle / busy window (ms): what each
   * request costs the event loop, which the load on the machine changes far less than the latency.
   */
  idleCpuMsPerRequest: number[];
  busyCpuMsPerRequest: number[];
  /** Both slow runs were running at the end of every busy window. */
  busyVerified: boolean;
}

/** A finished run to read (the same answer in every window). */
export async function readTarget(b: Bench): Promise<string> {
  const id = await submit(b, quickTrain(50));
  await waitRuns(b, [id], isDone, 30_000, 'target run finished');
  return id;
}

export async function getLoad(b: Bench, id: string, o: ApiLatencyOptions): Promise<CannonResult> {
  return cannon({
    url: b.url,
    method: 'GET',
    path: `/v1/runs/${id}`,
    connections: o.connections,
    seconds: o.seconds,
  });
}

export async function apiLatency(b: Bench, o: ApiLatencyOptions): Promise<ApiLatency> {
  const target = await readTarget(b);
  const out: ApiLatency = {
    idle: [],
    busy: [],
    idleStallMs: [],
    busyStallMs: [],
    idleCpuMsPerRequest: [],
    busyCpuMsPerRequest: [],
    busyVerified: true,
  };
  for (let r = 0; r < o.rounds; r++) {
    const m = await scrapeMetrics(b);
    if (m.get('gradscope_running_jobs') !== 0) throw new Error('apiLatency: workers are not idle');
    await b.takeMaxStallMs();
    const idle = await getLoad(b, target, o);
    const idleLoop = await b.takeStall();
    out.idle.push(idle);
    out.idleStallMs.push(idleLoop.maxMs);
    out.idleCpuMsPerRequest.push(idleLoop.mainCpuMs / Math.max(1, idle.total));

    const ids = [await submit(b, slowTrain('busy-1')), await submit(b, slowTrain('busy-2'))];
    await waitRuns(b, ids, isTraining, 30_000, 'both slow runs training');
    await b.takeMaxStallMs();
    const busy = await getLoad(b, target, o);
    const busyLoop = await b.takeStall();
    out.busy.push(busy);
    out.busyStallMs.push(busyLoop.maxMs);
    out.busyCpuMsPerRequest.push(busyLoop.mainCpuMs / Math.max(1, busy.total));
    const after = await Promise.all(ids.map((id) => getRun(b, id)));
    if (!after.every((x) => x.run?.status === 'running')) out.busyVerified = false;
    for (const id of ids) await cancel(b, id);
    await waitRuns(b, ids, isDone, 30_000, 'slow runs cancelled');
  }
  return out;
}
