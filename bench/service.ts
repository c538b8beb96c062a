// npm run bench:service — the service under load, per database (PGlite, Postgres): API latency with the
// workers idle vs both training (interleaved), WebSocket fan-out to N subscribers, the telemetry write
// rate and cost of statistics every step on a 50-layer network, and a cold start (`npm run serve` on a
// migrated database until /readyz answers 200). Prints markdown tables.
//
// Options: --db=pglite|postgres|both (default: both when a Postgres answers, else PGlite), --rounds=2,
// --seconds=4, --connections=20, --subscribers=1,10,100,500, --fanout-seconds=4, --fanout-n=20000,
// --fanout-steps=6000, --deep-steps=1500, --deep-rounds=3, --cold-rounds=3, --only=api,fanout,telemetry,cold.
// The service runs in a child process (bench/lib/server-child.ts), the load generators in others.
import { type ApiLatency, apiLatency } from './lib/api-latency.ts';
import { chooseDatabases, type DbKind, parseArgs } from './lib/args.ts';
import { type ColdStart, coldStart } from './lib/cold-start.ts';
import { type FanoutRow, fanout } from './lib/fanout.ts';
import { Bench } from './lib/harness.ts';
import { apiTable, fanoutTable, telemetryTables } from './lib/service-report.ts';
import { fmt, median, note, table } from './lib/stats.ts';
import { Swarm } from './lib/swarm.ts';
import { type TelemetryResult, telemetry } from './lib/telemetry.ts';

const args = parseArgs();
const kinds = await chooseDatabases(args.get('db'), 'both');
const num = (k: string, d: number) => Number(args.get(k) ?? d);
const apiOpts = { rounds: num('rounds', 2), seconds: num('seconds', 4), connections: num('connections', 20) };
const fanOpts = {
  subscribers: (args.get('subscribers') ?? '1,10,100,500').split(',').map(Number),
  seconds: num('fanout-seconds', 4),
  warmupMs: 1000,
  dataN: num('fanout-n', 20_000),
  steps: num('fanout-steps', 6000),
};
const telOpts = { rounds: num('deep-rounds', 3), steps: num('deep-steps', 1500) };
const coldRounds = num('cold-rounds', 3);
const only = new Set((args.get('only') ?? 'api,fanout,telemetry,cold').split(','));

const started = Date.now();
const results: {
  kind: DbKind;
  api: ApiLatency | null;
  fan: FanoutRow[];
  tel: TelemetryResult | null;
  cold: ColdStart | null;
}[] = [];

/** Each section on its own service and fresh database, so that one's rows do not weigh on the next. */
async function section<T>(kind: DbKind, fn: (b: Bench) => Promise<T>): Promise<T | null> {
  let b: Bench | null = null;
  try {
    b = await Bench.start(kind);
    return await fn(b);
  } catch (e) {
    note(`${kind}: section failed: ${e instanceof Error ? e.message : e}`);
    return null;
  } finally {
    if (b?.crashed) crashes.push(`${kind}: ${b.crashed}`);
    await b?.close();
  }
}

const swarm = new Swarm();
const crashes: string[] = [];
try {
  for (const kind of kinds) {
    process.stderr.write(`— ${kind}\n`);
    const api = only.has('api') ? await section(kind, (b) => apiLatency(b, apiOpts)) : null;
    const fan = only.has('fanout') ? ((await section(kind, (b) => fanout(b, swarm, fanOpts))) ?? []) : [];
    const tel = only.has('telemetry') ? await section(kind, (b) => telemetry(b, telOpts)) : null;
    const cold = only.has('cold')
      ? await coldStart(kind, coldRounds).catch((e) => {
          note(`${kind}: cold start failed: ${e instanceof Error ? e.message : e}`);
          return null;
        })
      : null;
    results.push({ kind, api, fan, tel, cold });
  }
} finally {
  await swarm.exit();
}

const pick = <K extends 'api' | 'tel'>(k: K) =>
  results.flatMap((r) => (r[k] ? [{ kind: r.kind, [k]: r[k] }] : [])) as ({ kind: DbKind } & {
    [P in K]: NonNullable<(typeof results)[number][K]>;
  })[];

console.log(
  `# bench:service — ${new Date().toISOString()}, node ${process.version}, ${Math.round((Date.now() - started) / 1000)} s`,
);
if (only.has('api')) {
  console.log(
    `\n## API latency: GET /v1/runs/:id, ${apiOpts.connections} connections, ${apiOpts.seconds} s windows, ` +
      `${apiOpts.rounds} interleaved rounds (medians)\n`,
  );
  console.log(apiTable(pick('api')));
}
if (only.has('fanout')) {
  console.log(
    `\n## WebSocket fan-out: one live run (course 2-10-5-1 on ${fanOpts.dataN} circles points, full batch, ` +
      `statistics every step), ${fanOpts.seconds} s window\n`,
  );
  console.log(fanoutTable(results));
}
if (only.has('telemetry')) {
  console.log(
    `\n## Telemetry: 50 tanh layers × 16 units, batch 64, ${telOpts.steps} steps, every=1 vs every=1000, ` +
      `${telOpts.rounds} interleaved rounds (medians, min–max)\n`,
  );
  console.log(telemetryTables(pick('tel')));
}
if (only.has('cold')) {
  console.log(
    `\n## Cold start: npm run serve on a migrated database until /readyz is 200, ${coldRounds} rounds\n`,
  );
  const rows = results.flatMap(({ kind, cold }) =>
    cold
      ? [
          [
            kind,
            `${fmt(median(cold.readyMs))} (${fmt(Math.min(...cold.readyMs))}–${fmt(Math.max(...cold.readyMs))})`,
            fmt(median(cold.cpuSeconds)),
          ],
        ]
      : [],
  );
  console.log(table(['database', 'ms to /readyz 200, median (min–max)', 'CPU s used by then'], rows));
}
console.log(
  `\n${crashes.length ? `FAIL the service crashed: ${crashes.join('; ')}` : 'PASS the service never crashed'}`,
);
process.exit(0);
