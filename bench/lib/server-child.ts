// The service under test in its own process (test/helpers' startService on a database the driver made),
// so that a stalled event loop or a crash of the service cannot stall or kill the driver. Answers the
// driver over IPC: when each step was published (the reference time of delivery latencies), the
// longest event-loop stall, its memory, and the size of the statistics table.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { RunningService } from '../../test/helpers/service.ts';
import { startService } from '../../test/helpers/service.ts';
import { now } from './clock.ts';
import type { ControlCalls, Published, ServerReply, ServerRequest } from './server-protocol.ts';

let svc: RunningService | null = null;
const delay = monitorEventLoopDelay({ resolution: 10 });
let lastCpu = process.threadCpuUsage();
const watched = new Map<string, { steps: number[]; times: number[] }>();

const reply = (m: ServerReply) => process.send?.(m);

const control: ControlCalls = {
  renewals: 0,
  failedRenewals: 0,
  maxRenewalMs: 0,
  maxRenewalGapMs: 0,
  claims: 0,
  failedClaims: 0,
  maxClaimMs: 0,
};

/**
 * Times the dispatcher's lease renewals and claims: it calls them on the store object the app holds, so
 * wrapping that object's methods sees every call (the service's own code is unchanged).
 */
function instrumentControl(app: RunningService['app']): void {
  const store = app.store;
  const renew = store.renewLeases.bind(store);
  const claim = store.claimRuns.bind(store);
  let lastRenewed = 0;
  store.renewLeases = async (...args) => {
    const t0 = now();
    control.renewals++;
    try {
      const held = await renew(...args);
      const t = now();
      control.maxRenewalMs = Math.max(control.maxRenewalMs, t - t0);
      if (lastRenewed > 0) control.maxRenewalGapMs = Math.max(control.maxRenewalGapMs, t - lastRenewed);
      lastRenewed = t;
      return held;
    } catch (e) {
      control.failedRenewals++;
      throw e;
    }
  };
  store.claimRuns = async (...args) => {
    const t0 = now();
    control.claims++;
    try {
      return await claim(...args);
    } catch (e) {
      control.failedClaims++;
      throw e;
    } finally {
      control.maxClaimMs = Math.max(control.maxClaimMs, now() - t0);
    }
  };
}

/** Listeners run in subscription order: watching before any client subscribes stamps the start of fan-out. */
function watch(app: RunningService['app'], runId: string): void {
  const entry = { steps: [] as number[], times: [] as number[] };
  watched.set(runId, entry);
  const unsubscribe = app.hub.subscribe(runId, {
    steps(steps) {
      const t = now();
      for (const s of steps) {
        entry.steps.push(s.step);
        entry.times.push(t);
      }
    },
    status() {},
    // Not a client: leave the hub (and its subscriber count) when the run ends.
    end: () => unsubscribe(),
  });
}

function published(since: number): { published: Published; counts: Record<string, number> } {
  const out: Published = {};
  const counts: Record<string, number> = {};
  for (const [id, e] of watched) {
    const keep: number[] = [];
    for (let i = 0; i < e.times.length; i++) if (e.times[i] >= since) keep.push(i);
    out[id] = {
      steps: Float64Array.from(keep, (i) => e.steps[i]),
      times: Float64Array.from(keep, (i) => e.times[i]),
    };
    counts[id] = keep.length;
  }
  return { published: out, counts };
}

async function handle(req: ServerRequest): Promise<ServerReply> {
  if (req.op === 'start') {
    delay.enable();
    svc = await startService(
      { kind: req.kind, databaseUrl: req.databaseUrl, dataDir: req.dataDir, drop: async () => {} },
      req.env,
    );
    instrumentControl(svc.app);
    return { id: req.id, op: 'started', url: svc.url, wsUrl: svc.wsUrl };
  }
  if (!svc) throw new Error(`server-child: ${req.op} before start`);
  switch (req.op) {
    case 'watch':
      watch(svc.app, req.runId);
      return { id: req.id, op: 'ok' };
    case 'published':
      return { id: req.id, op: 'published', ...published(req.since) };
    case 'stall': {
      const maxMs = delay.max / 1e6;
      const p99Ms = delay.percentile(99) / 1e6;
      delay.reset();
      // CPU of the main thread alone (the event loop's work, whatever the scheduler made it wait).
      const cpu = process.threadCpuUsage();
      const mainCpuMs = (cpu.user + cpu.system - (lastCpu.user + lastCpu.system)) / 1000;
      lastCpu = cpu;
      return { id: req.id, op: 'stall', maxMs, p99Ms, mainCpuMs };
    }
    case 'memory': {
      if (req.gc) (globalThis as { gc?: () => void }).gc?.();
      const m = process.memoryUsage();
      return { id: req.id, op: 'memory', memory: { rss: m.rss, heapUsed: m.heapUsed, external: m.external } };
    }
    case 'tableSize': {
      const prisma = svc.app.database.prisma;
      await prisma.$executeRawUnsafe('CHECKPOINT').catch(() => {});
      const [r] = await prisma.$queryRaw<{ rows: bigint; bytes: bigint }[]>`
        SELECT count(*) AS rows, pg_total_relation_size('run_steps') AS bytes FROM run_steps`;
      return { id: req.id, op: 'tableSize', rows: Number(r.rows), bytes: Number(r.bytes) };
    }
    case 'leases':
      return { id: req.id, op: 'leases', calls: { ...control } };
    case 'recordedSteps': {
      const rows = await svc.app.database.prisma.$queryRaw<{ step: number }[]>`
        SELECT step FROM run_steps WHERE run_id = ${req.runId}::uuid ORDER BY step`;
      return { id: req.id, op: 'recordedSteps', steps: rows.map((r) => Number(r.step)) };
    }
    case 'close':
      await svc.close();
      svc = null;
      return { id: req.id, op: 'ok' };
  }
}

process.on('message', (req: ServerRequest) => {
  handle(req).then(reply, (e: unknown) =>
    reply({ id: req.id, op: 'error', message: e instanceof Error ? e.message : String(e) }),
  );
});
process.on('disconnect', () => process.exit(0));
