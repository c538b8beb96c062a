// The `gradscope` commands: each declares its options and help, and returns its exit code.
import { writeFileSync } from 'node:fs';
import type { Run, RunSpecInput } from '../client/client.ts';
import { RUN_KINDS, RUN_STATUSES } from '../schemas/runs.ts';
import {
  answer,
  type Command,
  type Context,
  JSON_HELP,
  json,
  oneOf,
  positiveInt,
  printJson,
  readJson,
  UsageError,
} from './command.ts';
import { EXIT, exitOfStatus } from './exit-codes.ts';
import { follow, followEvery } from './follow.ts';
import { num, printError, table } from './output.ts';
import { printRun, statusText } from './report.ts';
import { sweep } from './sweep.ts';
import { theory } from './theory.ts';

/** Waits for (or follows) a submitted run and reports it; the exit code is its final status's. */
async function finish(ctx: Context, run: Run): Promise<number> {
  answer(ctx, run, (r) => printRun(ctx.o, r));
  return exitOfStatus(run.status) ?? EXIT.apiError;
}

/** Submits a spec of the given kind (the file's kind must agree or be absent) and waits for its result. */
async function runOfKind(ctx: Context, kind: 'gradcheck' | 'probe'): Promise<number> {
  const spec = readJson(ctx.args[0]);
  if (spec.kind !== undefined && spec.kind !== kind) {
    throw new UsageError(
      `${ctx.args[0]} is a ${String(spec.kind)} spec; \`gradscope ${kind}\` runs ${kind} specs`,
    );
  }
  const run = await ctx.client.submitAndWait({ ...spec, kind } as RunSpecInput);
  const code = await finish(ctx, run);
  if (kind === 'gradcheck' && code === EXIT.ok && run.result && 'verdict' in run.result) {
    return run.result.verdict === 'fail' ? EXIT.gradcheckFailed : EXIT.ok;
  }
  return code;
}

const submit: Command = {
  name: 'submit',
  usage: 'gradscope submit SPEC.json [--follow | --wait] [--json] [--every N]',
  summary: 'submit a run (train, probe or gradcheck) from a JSON spec',
  options: { follow: { type: 'boolean' }, wait: { type: 'boolean' }, every: { type: 'string' }, ...json },
  help: [
    '--follow            show live progress (steps, rate, ETA, loss, per-layer gradient RMS), then the outcome',
    '--wait              wait for the run to finish (Prefer: wait), then print its outcome',
    '--every N           with --follow: stream every N-th step (default: about 200 updates, 20 off a terminal)',
    `${JSON_HELP} (with --follow: one JSON line per stream message)`,
    "Without --follow or --wait it prints the run id and exits 0; with them the exit code is the run's.",
  ],
  args: 1,
  async run(ctx) {
    const spec = readJson(ctx.args[0]) as RunSpecInput;
    const every = positiveInt('every', ctx.values.every);
    if (ctx.values.wait && !ctx.values.follow) return finish(ctx, await ctx.client.submitAndWait(spec));
    const created = await ctx.client.submit(spec);
    if (!ctx.values.follow) {
      answer(ctx, created, (c) => ctx.o.out(`submitted ${c.id} (${statusText(ctx.o, c.status)})`));
      return EXIT.ok;
    }
    const run = await ctx.client.get(created.id);
    const telemetryEvery = run.spec.kind === 'train' ? (run.spec.telemetry?.every ?? 1) : 1;
    const updates = ctx.o.isTTY ? 200 : 20;
    await follow(ctx.client, ctx.o, created.id, {
      totalSteps: run.progress.totalSteps,
      every: every ?? followEvery(run.progress.totalSteps, telemetryEvery, updates),
      json: ctx.values.json === true,
    });
    const final = await ctx.client.get(created.id);
    if (ctx.values.json) return exitOfStatus(final.status) ?? EXIT.apiError;
    return finish(ctx, final);
  },
};

const runs: Command = {
  name: 'runs',
  usage: 'gradscope runs [--status S] [--kind K] [--name TEXT] [--limit N | --all] [--json]',
  summary: 'list runs, newest first',
  options: {
    status: { type: 'string' },
    kind: { type: 'string' },
    name: { type: 'string' },
    limit: { type: 'string' },
    all: { type: 'boolean' },
    ...json,
  },
  help: [
    `--status S          only runs in this status (${RUN_STATUSES.join(', ')})`,
    `--kind K            only runs of this kind (${RUN_KINDS.join(', ')})`,
    '--name TEXT         only runs whose name contains TEXT',
    '--limit N           at most N runs (default 20); --all for every run (page after page)',
    '--json              one JSON object per run and line',
  ],
  args: 0,
  async run(ctx) {
    const status = oneOf('status', ctx.values.status, RUN_STATUSES);
    const kind = oneOf('kind', ctx.values.kind, RUN_KINDS);
    const limit = ctx.values.all ? Infinity : (positiveInt('limit', ctx.values.limit) ?? 20);
    const name = ctx.values.name as string | undefined;
    const rows: string[][] = [];
    let n = 0;
    for await (const r of ctx.client.list({ status, kind, name, limit: Math.min(100, limit) })) {
      const step = r.progress.step === null ? 0 : r.progress.step + 1;
      if (ctx.values.json) ctx.o.out(JSON.stringify(r));
      else
        rows.push([
          r.id,
          r.kind,
          statusText(ctx.o, r.status),
          `${step}/${r.progress.totalSteps}`,
          r.createdAt,
          r.name ?? '',
        ]);
      if (++n >= limit) break;
    }
    if (!ctx.values.json) {
      if (rows.length === 0) ctx.o.out('no runs');
      else table(ctx.o, ['id', 'kind', 'status', 'steps', 'created', 'name'], rows);
    }
    return EXIT.ok;
  },
};

const show: Command = {
  name: 'show',
  usage: 'gradscope show ID [--json]',
  summary: "a run's status, outcome, diagnosis and result",
  options: json,
  help: [JSON_HELP],
  args: 1,
  async run(ctx) {
    answer(ctx, await ctx.client.get(ctx.args[0]), (r) => printRun(ctx.o, r));
    return EXIT.ok;
  },
};

const cancel: Command = {
  name: 'cancel',
  usage: 'gradscope cancel ID [--json]',
  summary: 'cancel a queued or running run',
  options: json,
  help: [JSON_HELP],
  args: 1,
  async run(ctx) {
    answer(ctx, await ctx.client.cancel(ctx.args[0]), (r) =>
      ctx.o.out(`${r.id}: ${r.message} (${statusText(ctx.o, r.status)})`),
    );
    return EXIT.ok;
  },
};

const del: Command = {
  name: 'delete',
  usage: 'gradscope delete ID',
  summary: 'delete a finished run with its statistics and weights',
  options: {},
  help: [],
  args: 1,
  async run(ctx) {
    await ctx.client.delete(ctx.args[0]);
    ctx.o.out(`deleted ${ctx.args[0]}`);
    return EXIT.ok;
  },
};

const exportCmd: Command = {
  name: 'export',
  usage:
    'gradscope export ID --format csv|ndjson --out FILE [--layout long|wide] [--fields a,b] [--layers 0,1]',
  summary: "write a run's recorded statistics to a file, every recorded step (lossless)",
  options: {
    format: { type: 'string' },
    out: { type: 'string' },
    layout: { type: 'string' },
    fields: { type: 'string' },
    layers: { type: 'string' },
    'max-points': { type: 'string' },
  },
  help: [
    '--format csv|ndjson CSV (empty = missing, inf/-inf) or one JSON object per line (null = missing)',
    '--out FILE          where to write it',
    '--layout long|wide  long: a row per step × layer (default); wide: a row per step',
    '--fields a,b        statistics to include (default all), e.g. gradRms,deltaRms',
    '--layers 0,1        0-based layers to include (default all)',
    '--max-points N      thin to N steps (default: every recorded step)',
  ],
  args: 1,
  async run(ctx) {
    const format = oneOf('format', ctx.values.format, ['csv', 'ndjson'] as const);
    if (!format) throw new UsageError('--format csv|ndjson is required');
    const out = ctx.values.out as string | undefined;
    if (!out) throw new UsageError('--out FILE is required');
    const list = (v: unknown) => (v === undefined ? undefined : String(v).split(','));
    const counts = await ctx.client.exportToFile(ctx.args[0], out, {
      format,
      layout: oneOf('layout', ctx.values.layout, ['long', 'wide'] as const),
      fields: list(ctx.values.fields) as never,
      layers: list(ctx.values.layers)?.map(Number),
      maxPoints: positiveInt('max-points', ctx.values['max-points']),
    });
    ctx.o.out(
      `wrote ${out}: ${counts.returnedSteps} of ${counts.recordedSteps} recorded steps` +
        (counts.downsampled ? ' (thinned)' : ''),
    );
    return EXIT.ok;
  },
};

const model: Command = {
  name: 'model',
  usage: 'gradscope model ID --out FILE',
  summary: 'write the initial and final weights as JSON (W is (out, in), as PyTorch)',
  options: { out: { type: 'string' } },
  help: ['--out FILE          where to write the JSON'],
  args: 1,
  async run(ctx) {
    const out = ctx.values.out as string | undefined;
    if (!out) throw new UsageError('--out FILE is required');
    const m = await ctx.client.model(ctx.args[0]);
    writeFileSync(out, `${JSON.stringify(m)}\n`);
    ctx.o.out(
      `wrote ${out}: ${m.layout.layers.length} layers, initial ${m.initial ? 'yes' : 'no'}, final ${m.final ? 'yes' : 'no'}`,
    );
    return EXIT.ok;
  },
};

const evaluate: Command = {
  name: 'evaluate',
  usage: 'gradscope evaluate REQUEST.json [--json]',
  summary: 'outputs, loss and gradients of your network and weights on your batch',
  options: json,
  help: [`${JSON_HELP} (outputs and every dW, db)`],
  args: 1,
  async run(ctx) {
    const r = await ctx.client.evaluate(readJson(ctx.args[0]) as never);
    if (ctx.values.json) {
      printJson(ctx.o, r);
      return EXIT.ok;
    }
    ctx.o.out(
      `loss ${num(r.loss)} (data ${num(r.dataLoss)} + L2 ${num(r.l2Penalty)}), ${r.outputs.length} samples`,
    );
    const norm = (xs: (number | null)[]) =>
      Math.sqrt(xs.reduce<number>((s, x) => s + (x ?? Number.NaN) ** 2, 0));
    table(
      ctx.o,
      ['layer', 'dW shape', '‖dW‖₂', '‖db‖₂'],
      r.gradients.map((g, l) => [
        String(l),
        `${g.dW.length}×${g.dW[0]?.length ?? 0}`,
        num(norm(g.dW.flat())),
        g.db ? num(norm(g.db)) : '–',
      ]),
    );
    return EXIT.ok;
  },
};

const gradcheck: Command = {
  name: 'gradcheck',
  usage: 'gradscope gradcheck SPEC.json [--json]',
  summary: 'check backprop against numerical gradients (kind gradcheck), wait, print the verdict',
  options: json,
  help: [JSON_HELP, 'Exit code 7 when the verdict is fail (difference ≥ 1e-3).'],
  args: 1,
  run: (ctx) => runOfKind(ctx, 'gradcheck'),
};

const probe: Command = {
  name: 'probe',
  usage: 'gradscope probe SPEC.json [--json]',
  summary: 'per-layer statistics at initialization (kind probe), wait, print them and the diagnosis',
  options: json,
  help: [JSON_HELP],
  args: 1,
  run: (ctx) => runOfKind(ctx, 'probe'),
};

export const COMMANDS: Command[] = [
  submit,
  runs,
  show,
  cancel,
  del,
  exportCmd,
  model,
  evaluate,
  gradcheck,
  probe,
  sweep,
  theory,
];

export { printError };
