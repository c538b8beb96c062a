// The tables and PASS/FAIL lines of bench:load; returns whether anything failed.
import type { DbKind } from './args.ts';
import type { CannonResult } from './cannon.ts';
import type { FastLoadResult } from './load-fast.ts';
import { droppedOf, type FloodResult } from './load-flood.ts';
import type { QueueLoadResult } from './load-queue.ts';
import { memoryVerdict, type StreamLoadResult } from './load-streams.ts';
import { fmt, mb, table } from './stats.ts';

interface Row {
  kind: DbKind;
  queue: QueueLoadResult | null;
  streams: StreamLoadResult | null;
  fast: FastLoadResult | null;
  flood: FloodResult | null;
  crashes: string[];
}

interface Opts {
  submitSeconds: number;
  readSeconds: number;
  connections: number;
  subscribers: number;
  slowReaders: number;
  windowSeconds: number;
  resumeAfterMs: number;
  stuckMs: number;
  seconds: number;
  floodSubscribers: number;
  floodLiveSeconds: number;
}

/** The lease is renewed every LEASE_MS / 3 = 5 s: a longer stall puts the running runs' leases at risk. */
const HEARTBEAT_MS = 5000;

const ms = (x: number) => fmt(x, 3);
const non200 = (r: CannonResult) => r.errors + r.timeouts + r.total - (r.statuses['200'] ?? 0);
const fivexx = (r: CannonResult) =>
  Object.entries(r.statuses).reduce((n, [c, k]) => (Number(c) >= 500 ? n + k : n), 0);

export function loadReport(results: Row[], o: Opts): boolean {
  const lines: [boolean, string][] = [];
  const queues = results.flatMap((r) => (r.queue ? [{ kind: r.kind, q: r.queue }] : []));
  const streams = results.flatMap((r) => (r.streams ? [{ kind: r.kind, s: r.streams }] : []));

  if (queues.length) {
    console.log(
      `\n## Submissions until the queue is full: POST /v1/runs (the course exercise, 15,000 steps), ` +
        `${o.connections} connections, ${o.submitSeconds} s\n`,
    );
    console.log(
      table(
        [
          'database',
          'requests',
          '202 accepted',
          '429 queue full',
          '5xx',
          'other / errors',
          'queued after (bound)',
          'req/s',
          'p99 ms',
        ],
        queues.map(({ kind, q }) => [
          kind,
          q.submit.total,
          q.accepted,
          q.rejected429,
          q.serverErrors,
          q.submit.total - q.accepted - q.rejected429 - q.serverErrors + q.submit.errors + q.submit.timeouts,
          `${q.depthAfterSubmit} (${q.depthLimit})`,
          fmt(q.submit.rps),
          ms(q.submit.p99),
        ]),
      ),
    );
    console.log(
      `\n## GET /v1/runs/:id, ${o.connections} connections, ${o.readSeconds} s: idle vs queue full and workers training\n`,
    );
    console.log(
      table(
        ['database', 'state', 'p50 ms', 'p90 ms', 'p99 ms', 'req/s', 'non-200'],
        queues.flatMap(({ kind, q }) => [
          [kind, 'idle', ms(q.idle.p50), ms(q.idle.p90), ms(q.idle.p99), fmt(q.idle.rps), non200(q.idle)],
          [
            kind,
            `queue full (${q.depthDuringRead[0]} → ${q.depthDuringRead[1]} queued), 2 workers training`,
            ms(q.full.p50),
            ms(q.full.p90),
            ms(q.full.p99),
            fmt(q.full.rps),
            non200(q.full),
          ],
          [
            kind,
            '**ratio** full ÷ idle',
            `${fmt(q.full.p50 / q.idle.p50, 2)}×`,
            `${fmt(q.full.p90 / q.idle.p90, 2)}×`,
            `${fmt(q.full.p99 / q.idle.p99, 2)}×`,
            `${fmt(q.full.rps / q.idle.rps, 2)}×`,
            '',
          ],
        ]),
      ),
    );
    console.log('\nAccepted runs afterwards (the unfinished ones cancelled):\n');
    console.log(
      table(
        ['database', 'accepted', 'final statuses', 'lost', 'stored without a 202'],
        queues.map(({ kind, q }) => [
          kind,
          q.accepted,
          Object.entries(q.finals)
            .map(([s, n]) => `${s} ${n}`)
            .join(', '),
          q.lost.length,
          q.unacknowledged,
        ]),
      ),
    );
    for (const { kind, q } of queues) {
      const errs = q.serverErrors + fivexx(q.idle) + fivexx(q.full);
      lines.push([
        errs === 0,
        `${kind}: zero 5xx (${errs} in ${q.submit.total + q.idle.total + q.full.total} requests)`,
      ]);
      lines.push([
        q.lost.length === 0 && q.accepted > 0,
        `${kind}: zero lost runs (${q.accepted} accepted, ${q.lost.length} lost${q.lost.length ? `: ${q.lost.slice(0, 3).join(', ')}` : ''})`,
      ]);
      lines.push([
        q.depthAfterSubmit <= q.depthLimit,
        `${kind}: queue bound held (${q.depthAfterSubmit} queued, bound ${q.depthLimit})`,
      ]);
    }
  }

  if (streams.length) {
    console.log(
      `\n## ${o.subscribers} WebSocket subscribers on the two live runs, ${o.windowSeconds} s window: half on a ` +
        `dashboard run (2-128-128-1, statistics every 50 steps), half on a heavy run (50 layers, statistics every ` +
        `step, read downsampled ?every=100); ${o.slowReaders} paused readers on the heavy run, every step\n`,
    );
    console.log(
      table(
        [
          'database',
          'subscribed',
          'subscribe time s',
          'steps published/s (dashboard, heavy)',
          'messages delivered/s',
          'latency p50 / p90 / p99 ms',
          'first / last client p50 ms',
          'longest stall / slowest /healthz ms',
        ],
        streams.map(({ kind, s }) => [
          kind,
          `${s.opened}/${o.subscribers + o.slowReaders}`,
          fmt(s.openSeconds, 2),
          `${fmt(s.publishedPerSec[0])}, ${fmt(s.publishedPerSec[1])}`,
          fmt(s.deliveredPerSec),
          s.latency ? `${ms(s.latency.all.p50)} / ${ms(s.latency.all.p90)} / ${ms(s.latency.all.p99)}` : '–',
          s.latency ? `${ms(s.latency.first.p50)} / ${ms(s.latency.last.p50)}` : '–',
          `${ms(s.maxStallMs)} / ${ms(s.healthMaxMs)}`,
        ]),
      ),
    );
    console.log(
      `\nSlow readers: sockets paused at once; "resume" after ${o.resumeAfterMs / 1000} s, "stuck" for ${o.stuckMs / 1000} s\n`,
    );
    console.log(
      table(
        [
          'database',
          'group',
          'clients',
          'got a coalesced notice',
          'steps skipped (notices)',
          'closes by code',
        ],
        streams.flatMap(({ kind, s }) =>
          ['slow-resume', 'slow-stuck', 'normal'].map((g) => {
            const x = s.groups[g];
            return [
              kind,
              g,
              x?.clients ?? 0,
              x?.clientsCoalesced ?? 0,
              x?.skippedSteps ?? 0,
              Object.entries(x?.closes ?? {})
                .map(([c, n]) => `${c}: ${n}`)
                .join(', ') || '–',
            ];
          }),
        ),
      ),
    );
    console.log('\nService memory (heap and external = Buffers, where socket send queues live):\n');
    console.log(
      table(
        [
          'database',
          'heapUsed before → peak → after',
          'external before → peak → after',
          'RSS before → peak → after',
          'live heap + external (full GC) early → late in the pause',
        ],
        streams.map(({ kind, s }) => {
          const v = memoryVerdict(s, o.slowReaders);
          return [
            kind,
            `${mb(s.before.heapUsed)} → ${mb(v.peakHeap)} → ${mb(s.after.heapUsed)}`,
            `${mb(s.before.external)} → ${mb(v.peakExternal)} → ${mb(s.after.external)}`,
            `${mb(s.before.rss)} → ${mb(s.peakRss)} → ${mb(s.after.rss)}`,
            `${mb(s.pausedEarly.heapUsed + s.pausedEarly.external)} at ${fmt(s.pausedEarly.t, 2)} s → ` +
              `${mb(s.pausedLate.heapUsed + s.pausedLate.external)} at ${fmt(s.pausedLate.t, 2)} s`,
          ];
        }),
      ),
    );
    for (const { kind, s } of streams) {
      const v = memoryVerdict(s, o.slowReaders);
      lines.push([
        v.ok,
        `${kind}: bounded memory (send queues grew ${mb(v.grew)} ≤ ${mb(v.allowed)}; live memory over the ` +
          `pause ${mb(v.drift)} ≤ 16 MB; heap kept after the clients left ${mb(v.keptHeap)} ≤ 64 MB; ` +
          `${s.clientsAfter} subscriptions left)`,
      ]);
      // A paused reader is handled when it got a coalesced notice after resuming or was closed with 1008.
      const handled = (g: string) => {
        const x = s.groups[g];
        return {
          n: Math.min(x?.clients ?? 0, (x?.clientsCoalesced ?? 0) + (x?.closes['1008'] ?? 0)),
          of: x?.clients ?? 0,
        };
      };
      const resume = handled('slow-resume');
      const stuck = handled('slow-stuck');
      lines.push([
        resume.n === resume.of && stuck.n === stuck.of && resume.of + stuck.of > 0,
        `${kind}: slow readers coalesced or closed 1008 (resumed after ${o.resumeAfterMs / 1000} s: ${resume.n}/${resume.of}; ` +
          `paused ${o.stuckMs / 1000} s: ${stuck.n}/${stuck.of})`,
      ]);
      lines.push([
        s.opened === o.subscribers + o.slowReaders,
        `${kind}: every subscriber got its hello (${s.opened}/${o.subscribers + o.slowReaders})`,
      ]);
    }
  }

  const fasts = results.flatMap((r) => (r.fast ? [{ kind: r.kind, f: r.fast }] : []));
  if (fasts.length) {
    console.log(
      `\n## Two fast recorders: course 2-10-5-1 on 300 points, statistics every step, both workers, ${o.seconds} s\n`,
    );
    console.log(
      table(
        [
          'database',
          'steps persisted/s (both runs)',
          'slowest /healthz ms',
          'longest event-loop stall ms',
          'starts per run',
          'final status',
        ],
        fasts.map(({ kind, f }) => [
          kind,
          fmt(f.stepsPerSec),
          `${ms(f.healthMaxMs)}${f.healthFailed ? ` (${f.healthFailed} failed)` : ''}`,
          ms(f.maxStallMs),
          f.attempts.join(', ') || '?',
          f.statuses.join(', ') || f.errors.join('; '),
        ]),
      ),
    );
    for (const { kind, f } of fasts) {
      lines.push([
        f.errors.length === 0 &&
          Math.max(f.healthMaxMs, f.maxStallMs) < HEARTBEAT_MS &&
          f.attempts.every((a) => a === 1),
        `${kind}: responsive under fast recorders (slowest /healthz ${ms(f.healthMaxMs)} ms, stall ${ms(f.maxStallMs)} ms ` +
          `< ${HEARTBEAT_MS} ms lease heartbeat; runs started ${f.attempts.join(', ') || '?'} times` +
          `${f.errors.length ? `; ${f.errors.join('; ')}` : ''})`,
      ]);
    }
  }

  const floods = results.flatMap((r) => (r.flood ? [{ kind: r.kind, f: r.flood }] : []));
  if (floods.length) floodReport(floods, o, lines);

  for (const r of results) {
    lines.push([
      r.crashes.length === 0,
      `${r.kind}: the service never crashed${r.crashes.length ? `: ${r.crashes.join('; ')}` : ''}`,
    ]);
    if (!r.queue && !r.streams && !r.fast && !r.flood)
      lines.push([false, `${r.kind}: no part completed (see the log above)`]);
  }
  console.log('\n## Summary\n');
  // Grouped by database, in the order they ran.
  const order = results.map((r) => `${r.kind}:`);
  const rank = (text: string) => order.findIndex((k) => text.startsWith(k));
  const sorted = lines.map((l, i) => ({ l, i })).sort((a, b) => rank(a.l[1]) - rank(b.l[1]) || a.i - b.i);
  for (const {
    l: [ok, text],
  } of sorted)
    console.log(`${ok ? 'PASS' : 'FAIL'} ${text}`);
  return lines.some(([ok]) => !ok);
}

/** /healthz p99 under the flood must stay below this. */
const HEALTH_P99_MS = 100;

function floodReport(floods: { kind: DbKind; f: FloodResult }[], o: Opts, lines: [boolean, string][]): void {
  console.log(
    `\n## Subscriber flood: ${o.floodSubscribers} subscribers join two training runs at once (course network on ` +
      '3,000 points, statistics every 10 steps), each from step 0: half ?every=50, half ?every=200; live for ' +
      `${o.floodLiveSeconds} s, then the runs are cancelled\n`,
  );
  console.log(
    table(
      [
        'database',
        'history at join (steps)',
        'subscribed / failed',
        'join time s',
        '/healthz p99 / max ms (new connections; one kept-alive connection)',
        'longest stall ms',
        'renewals (failed), longest ms, longest gap ms',
        'claims (failed), longest ms',
        'complete subscribers',
        'dropped',
      ],
      floods.map(({ kind, f }) => {
        const complete = Object.values(f.completeness).reduce((n, g) => n + g.complete, 0);
        const clients = Object.values(f.completeness).reduce((n, g) => n + g.clients, 0);
        const c = f.control;
        return [
          kind,
          f.historyAtJoin.join(', '),
          `${f.opened} / ${f.failedToOpen}`,
          fmt(f.openSeconds, 2),
          `${ms(f.health.p99)} / ${ms(f.health.max)}${f.health.failed ? ` (${f.health.failed} failed)` : ''}; ` +
            `${ms(f.healthPersistent.p99)} / ${ms(f.healthPersistent.max)}`,
          ms(f.maxStallMs),
          `${c.renewals} (${c.failedRenewals}), ${ms(c.maxRenewalMs)}, ${ms(c.maxRenewalGapMs)}`,
          `${c.claims} (${c.failedClaims}), ${ms(c.maxClaimMs)}`,
          `${complete}/${clients}`,
          droppedOf(f),
        ];
      }),
    ),
  );
  console.log(
    '\nThe same probes for 5 s just before the flood (both runs training, no subscriber), and the ratio:\n',
  );
  console.log(
    table(
      [
        'database',
        '/healthz p99 / max ms, new; kept-alive',
        'longest stall ms',
        'flood ÷ baseline (p99 new, stall)',
      ],
      floods.map(({ kind, f }) => [
        kind,
        `${ms(f.baseline.health.p99)} / ${ms(f.baseline.health.max)}; ${ms(f.baseline.healthPersistent.p99)} / ` +
          ms(f.baseline.healthPersistent.max),
        ms(f.baseline.maxStallMs),
        `${fmt(f.health.p99 / f.baseline.health.p99, 2)}×, ${fmt(f.maxStallMs / f.baseline.maxStallMs, 2)}×`,
      ]),
    ),
  );
  for (const { kind, f } of floods) {
    console.log(
      `\n${kind}: during the flood, event-loop delay p99 ${ms(f.p99StallMs)} ms (max ${ms(f.maxStallMs)}), ` +
        `main-thread CPU ${ms(f.mainCpuMs)} ms`,
    );
  }
  for (const { kind, f } of floods) {
    if (f.openErrors.length) console.log(`\n${kind}: first errors opening: ${f.openErrors.join('; ')}`);
    for (const [g, x] of Object.entries(f.completeness))
      console.log(
        `${kind} ${g}: ${x.complete}/${x.clients} complete; ${x.missingSteps} steps missing over ${x.clientsMissing} ` +
          `clients; ${x.disorder} out of order or twice; ${x.unknown} never recorded; ` +
          // Steps skipped for a slow reader (live, over the soft buffer bound) come with a notice: a miss without one
          // is a gap.
          `${f.groups[g]?.clientsCoalesced ?? 0} clients coalesced (${f.groups[g]?.skippedSteps ?? 0} steps skipped); closes ` +
          Object.entries(f.groups[g]?.closes ?? {})
            .map(([code, n]) => `${code}: ${n}`)
            .join(', '),
      );
  }
  for (const { kind, f } of floods) {
    const c = f.control;
    // A lease is renewed every LEASE_MS / 3 (5 s): a gap past two periods means one renewal was missed.
    const missed = c.failedRenewals + (c.maxRenewalGapMs > 2 * HEARTBEAT_MS ? 1 : 0);
    lines.push([
      missed === 0 && c.failedClaims === 0 && c.renewals > 0,
      `${kind}: flood: 0 missed lease renewals (${c.failedRenewals} failed of ${c.renewals}, longest gap ` +
        `${ms(c.maxRenewalGapMs)} ms ≤ ${2 * HEARTBEAT_MS} ms), ${c.failedClaims} failed claims`,
    ]);
    lines.push([
      f.health.p99 < HEALTH_P99_MS && f.health.failed === 0,
      `${kind}: flood: /healthz p99 ${ms(f.health.p99)} ms < ${HEALTH_P99_MS} ms (${f.health.failed} failed)`,
    ]);
    const dropped = droppedOf(f);
    lines.push([dropped === 0, `${kind}: flood: 0 healthy subscribers dropped (${dropped})`]);
    const complete = Object.values(f.completeness).reduce((n, g) => n + g.complete, 0);
    lines.push([
      complete === o.floodSubscribers,
      `${kind}: flood: every subscriber got every step it asked for (${complete}/${o.floodSubscribers})`,
    ]);
  }
}
