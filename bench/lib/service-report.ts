// The markdown tables of bench:service: API latency, WebSocket fan-out, telemetry rate and storage.
import type { ApiLatency } from './api-latency.ts';
import type { DbKind } from './args.ts';
import type { CannonResult } from './cannon.ts';
import type { FanoutRow } from './fanout.ts';
import { fmt, mb, median, table } from './stats.ts';
import type { TelemetryResult } from './telemetry.ts';

const ms = (x: number) => fmt(x, 3);
const med = (rs: CannonResult[], k: 'p50' | 'p90' | 'p99' | 'rps') => median(rs.map((r) => r[k]));
const bad = (rs: CannonResult[]) =>
  rs.reduce((n, r) => n + r.errors + r.timeouts + r.total - (r.statuses['200'] ?? 0), 0);
const spread = (xs: number[]) => `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}`;

const apiRow = (kind: string, label: string, rs: CannonResult[], stalls: number[], cpu: number[]) => [
  kind,
  label,
  ...(['p50', 'p90', 'p99'] as const).map((k) => ms(med(rs, k))),
  fmt(med(rs, 'rps')),
  fmt(median(cpu), 3),
  bad(rs),
  ms(Math.max(...stalls)),
];

export function apiTable(results: { kind: DbKind; api: ApiLatency }[]): string {
  return table(
    [
      'database',
      'workers',
      'p50 ms',
      'p90 ms',
      'p99 ms',
      'req/s',
      'main-thread CPU ms per request',
      'non-200 / errors',
      'longest event-loop stall ms',
    ],
    results.flatMap(({ kind, api }) => [
      apiRow(kind, 'idle', api.idle, api.idleStallMs, api.idleCpuMsPerRequest),
      apiRow(
        kind,
        `both training${api.busyVerified ? '' : ' (NOT verified)'}`,
        api.busy,
        api.busyStallMs,
        api.busyCpuMsPerRequest,
      ),
      [
        kind,
        '**ratio** training ÷ idle',
        ...(['p50', 'p90', 'p99', 'rps'] as const).map(
          (k) => `${fmt(med(api.busy, k) / med(api.idle, k), 2)}×`,
        ),
        `${fmt(median(api.busyCpuMsPerRequest) / median(api.idleCpuMsPerRequest), 2)}×`,
        '',
        '',
      ],
    ]),
  );
}

export function fanoutTable(results: { kind: DbKind; fan: FanoutRow[] }[]): string {
  return table(
    [
      'database',
      'subscribers',
      'steps published/s',
      'messages delivered/s (all)',
      'delivered ÷ (published × N)',
      'latency p50 / p90 / p99 ms',
      'first client p50 / last client p50, p99 ms',
      'clients coalesced',
      'service RSS before → peak → after',
      'heap before → after',
      'longest event-loop stall / slowest /healthz ms',
      'subscribe time s',
    ],
    results.flatMap(({ kind, fan }) =>
      fan.map((r) => [
        kind,
        r.opened === r.n ? r.n : `${r.opened}/${r.n}`,
        fmt(r.publishedPerSec),
        fmt(r.deliveredPerSec),
        `${fmt(100 * r.deliveredShare, 3)}%`,
        r.latency ? `${ms(r.latency.all.p50)} / ${ms(r.latency.all.p90)} / ${ms(r.latency.all.p99)}` : '–',
        r.latency ? `${ms(r.latency.first.p50)} / ${ms(r.latency.last.p50)}, ${ms(r.latency.last.p99)}` : '–',
        r.clientsCoalesced,
        `${mb(r.before.rss)} → ${mb(r.peakRss)} → ${mb(r.after.rss)}`,
        `${mb(r.before.heapUsed)} → ${mb(r.after.heapUsed)}`,
        `${ms(r.maxStallMs)} / ${ms(r.healthMaxMs)}${r.attempts > 1 ? ` (run restarted: ${r.attempts} attempts)` : ''}`,
        fmt(r.openSeconds, 2),
      ]),
    ),
  );
}

export function telemetryTables(results: { kind: DbKind; tel: TelemetryResult }[]): string {
  const rate = table(
    [
      'database',
      'statistics',
      'training steps/s in the service',
      'time ÷ every=1000',
      'core alone, steps/s (time ÷ every=1000)',
      'layer-steps/s written',
      'rows/s written',
      'peak pending rows',
      'longest stall ms',
    ],
    results.flatMap(({ kind, tel }) => {
      const of = (every: number) => tel.samples.filter((s) => s.every === every);
      const base = median(of(1000).map((s) => s.stepsPerSec));
      const coreBase = median(of(1000).map((s) => s.coreStepsPerSec));
      return [1, 1000].map((every) => {
        const s = of(every);
        const sps = median(s.map((x) => x.stepsPerSec));
        const core = median(s.map((x) => x.coreStepsPerSec));
        return [
          kind,
          every === 1 ? 'every step' : 'every 1000 steps',
          `${fmt(sps)} (${spread(s.map((x) => x.stepsPerSec))})`,
          `${fmt(base / sps, 3)}×`,
          `${fmt(core)} (${fmt(coreBase / core, 3)}×)`,
          fmt(median(s.map((x) => x.layerStepsPerSec))),
          fmt(median(s.map((x) => x.rowsPerSec))),
          Math.max(...s.map((x) => x.peakPending)),
          ms(Math.max(...s.map((x) => x.maxStallMs))),
        ];
      });
    }),
  );
  const storage = table(
    [
      'database',
      'rows stored',
      'run_steps (table + index + TOAST)',
      'bytes per stored step',
      '100,000-step run',
      'data folder growth',
    ],
    results.map(({ kind, tel }) => [
      kind,
      tel.rows,
      mb(tel.tableBytes),
      fmt(tel.tableBytes / tel.rows),
      mb((tel.tableBytes / tel.rows) * 100_000),
      tel.dataDirGrowth === null ? '–' : mb(tel.dataDirGrowth),
    ]),
  );
  return `${rate}\n\n${storage}`;
}
