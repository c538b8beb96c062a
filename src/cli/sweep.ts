// `gradscope sweep`: submit a sweep (a grid or a trainability map) and follow its results table as points finish.
import { clearScreenDown, cursorTo, moveCursor } from 'node:readline';
import type { Sweep, SweepRequestInput } from '../client/client.ts';
import type { SweepPoint } from '../schemas/sweeps.ts';
import { answer, type Command, type Context, JSON_HELP, json, readJson } from './command.ts';
import { EXIT } from './exit-codes.ts';
import { num, type Output, table } from './output.ts';
import { bar } from './progress.ts';
import { statusText } from './report.ts';

const HEADER = [
  '#',
  'values',
  'status',
  'final loss',
  'test acc',
  'verdict',
  'log10 ∇ratio',
  'to target',
  'diverged',
];

/** A point's values as people read them: "depth=3 lr=0.05" (objects as compact JSON). */
export function valuesText(values: Record<string, unknown>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k.replace(/^.*\//, '')}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' ');
}

function row(o: Output, p: SweepPoint): string[] {
  return [
    String(p.index),
    valuesText(p.values),
    statusText(o, p.status),
    num(p.finalLoss),
    p.testAccuracy === null ? '–' : `${(p.testAccuracy * 100).toFixed(1)}%`,
    p.verdict ?? '–',
    num(p.log10GradRatio),
    p.stepsToTarget === null ? '–' : String(p.stepsToTarget),
    p.divergenceStep === null ? '–' : `step ${p.divergenceStep}`,
  ];
}

/** The results table, points in order (those not final yet are left out while following). */
function printTable(o: Output, points: SweepPoint[]): number {
  const rows = [...points].sort((a, b) => a.index - b.index).map((p) => row(o, p));
  table(o, HEADER, rows);
  return rows.length + 1;
}

function progressText(done: number, total: number): string {
  return `${done}/${total} points ${bar(total > 0 ? done / total : 0, 20)} ${Math.floor((done / Math.max(1, total)) * 100)}%`;
}

/** The exit code of a sweep: 0 once every point is final (diverged points are results), 4 when cancelled. */
function exitOf(sweep: Pick<Sweep, 'status'>): number {
  return sweep.status === 'cancelled' ? EXIT.cancelled : EXIT.ok;
}

/** Follows the sweep's stream: the table redrawn in place on a terminal, a line per finished point otherwise. */
async function followSweep(ctx: Context, id: string, total: number): Promise<void> {
  const { o } = ctx;
  const points: SweepPoint[] = [];
  let drawn = 0;
  const redraw = () => {
    if (drawn > 0) {
      moveCursor(process.stdout, 0, -drawn);
      cursorTo(process.stdout, 0);
      clearScreenDown(process.stdout);
    }
    o.out(progressText(points.length, total));
    drawn = 1 + (points.length > 0 ? printTable(o, points) : 0);
  };
  for await (const msg of ctx.client.streamSweep(id, {
    onReconnect: ({ reason }) => {
      o.err(o.style('yellow', `reconnecting (${reason})`, 'err'));
      drawn = 0;
    },
  })) {
    if (ctx.values.json) {
      o.out(JSON.stringify(msg));
      if (msg.type === 'end') return;
      continue;
    }
    if (msg.type === 'hello') {
      o.out(`following sweep ${msg.sweep.id} (${msg.sweep.status}), ${msg.sweep.progress.total} points`);
      if (o.isTTY) redraw();
    } else if (msg.type === 'point') {
      points.push(msg.point);
      if (o.isTTY) redraw();
      else
        o.out(
          `${points.length}/${total} points: #${msg.point.index} ${valuesText(msg.point.values)} ` +
            `${msg.point.status}, loss ${num(msg.point.finalLoss)}, ${msg.point.verdict ?? '–'}`,
        );
    } else if (msg.type === 'end') return;
  }
}

function printSweep(o: Output, s: Sweep): void {
  o.out(
    `sweep ${s.id} ${s.name ? `"${s.name}" ` : ''}${s.kind}  ${s.status}  ${progressText(s.progress.done, s.progress.total)}`,
  );
  const p = s.progress;
  o.out(
    `points: ${p.succeeded} succeeded, ${p.diverged} diverged, ${p.failed} failed, ${p.cancelled} cancelled, ` +
      `${p.running} running, ${p.queued} queued`,
  );
  if (s.points.length > 0) printTable(o, s.points);
  if (s.map) o.out(o.style('dim', 'trainability map: the dashboard draws it with the χ₁ = 1 line and 6·ξ_c'));
}

export const sweep: Command = {
  name: 'sweep',
  usage: 'gradscope sweep SWEEP.json [--follow | --wait] [--json]',
  summary: 'submit a sweep (grid or trainability map) and follow its results table',
  options: { follow: { type: 'boolean' }, wait: { type: 'boolean' }, ...json },
  help: [
    '--follow            the results table as points finish (redrawn in place on a terminal, a line per point',
    '                    otherwise), then the whole table',
    '--wait              wait for every point, then print the table',
    `${JSON_HELP} (with --follow: one JSON line per stream message)`,
    'Without --follow or --wait it prints the sweep id and exits 0; with them the exit code is 0 once every',
    'point is final (diverged points are results, not errors) and 4 when the sweep was cancelled.',
  ],
  args: 1,
  async run(ctx) {
    const request = readJson(ctx.args[0]) as SweepRequestInput;
    const created = await ctx.client.createSweep(request);
    if (!ctx.values.follow && !ctx.values.wait) {
      answer(ctx, created, (c) => ctx.o.out(`submitted sweep ${c.id}: ${c.pointCount} points (${c.status})`));
      return EXIT.ok;
    }
    if (ctx.values.follow) {
      await followSweep(ctx, created.id, created.pointCount);
      if (ctx.values.json) return exitOf(await ctx.client.getSweep(created.id));
    } else {
      // --wait: the stream's end is the sweep's end (no polling).
      for await (const msg of ctx.client.streamSweep(created.id)) if (msg.type === 'end') break;
    }
    const final = await ctx.client.getSweep(created.id);
    if (ctx.values.follow && !ctx.values.json) ctx.o.out('');
    answer(ctx, final, (s) => printSweep(ctx.o, s));
    return exitOf(final);
  },
};
