// `gradscope theory`: the mean-field theory at a point or over a grid, or the init advisor for a run spec.
import type { TheoryRequest, TheoryResponse } from '../client/client.ts';
import { THEORY_ACTIVATIONS } from '../core/index.ts';
import {
  answer,
  type Command,
  type Context,
  JSON_HELP,
  json,
  oneOf,
  readJson,
  UsageError,
} from './command.ts';
import { EXIT } from './exit-codes.ts';
import { num, table } from './output.ts';

type Axis = NonNullable<TheoryRequest['sigmaW2']>;

/** A finite number given to option `--what`, or a UsageError (exit code 2). */
function parseNumber(what: string, s: string): number {
  const x = Number(s);
  if (s.trim() === '' || !Number.isFinite(x)) throw new UsageError(`--${what}: "${s}" is not a number`);
  return x;
}

/** `1.5` (a value), `0.5,1,2` (a list) or `FROM:TO:STEPS[:log]` (evenly spaced). */
export function parseAxis(what: string, text: string): Axis {
  const number = (s: string) => parseNumber(what, s);
  const range = /^([^:]+):([^:]+):(\d+)(?::(linear|log))?$/.exec(text);
  if (range) {
    const [, from, to, steps, scale] = range;
    return { from: number(from), to: number(to), steps: Number(steps), ...(scale ? { scale } : {}) } as Axis;
  }
  if (text.includes(':')) throw new UsageError(`--${what}: expected FROM:TO:STEPS[:log], got "${text}"`);
  const values = text.split(',').map(number);
  return values.length === 1 ? values[0] : values;
}

function requestOf(ctx: Context): TheoryRequest {
  const v = ctx.values;
  const spec = v.spec as string | undefined;
  if (spec !== undefined) {
    for (const key of ['activation', 'sigma-w2', 'sigma-b2', 'leaky-slope', 'elu-alpha'])
      if (v[key] !== undefined) throw new UsageError(`--${key} is not taken with --spec (the spec says it)`);
    const { network, init } = readJson(spec);
    if (network === undefined || init === undefined)
      throw new UsageError(`${spec} has no network and init (a run spec or {network, init})`);
    return { network, init } as TheoryRequest;
  }
  const optionalNumber = (key: string) => {
    const s = v[key] as string | undefined;
    return s === undefined ? undefined : parseNumber(key, s);
  };
  return {
    activation: oneOf('activation', v.activation, THEORY_ACTIVATIONS),
    sigmaW2: v['sigma-w2'] === undefined ? undefined : parseAxis('sigma-w2', String(v['sigma-w2'])),
    sigmaB2: v['sigma-b2'] === undefined ? undefined : parseAxis('sigma-b2', String(v['sigma-b2'])),
    leakySlope: optionalNumber('leaky-slope'),
    eluAlpha: optionalNumber('elu-alpha'),
  };
}

function printTheory(ctx: Context, r: TheoryResponse): void {
  const { o } = ctx;
  if (r.point) {
    const p = r.point;
    o.out(`${o.style('bold', p.phase)} at σ_w² = ${num(r.sigmaW2?.[0])}, σ_b² = ${num(r.sigmaB2?.[0])}`);
    table(
      o,
      ['quantity', 'value', 'meaning'],
      [
        ['q*', num(p.qStar), 'fixed point of the pre-activations’ variance (– : unbounded)'],
        ['χ₁', num(p.chi1), '< 1 ordered (gradients vanish), > 1 chaotic (explode)'],
        ['c*', num(p.cStar), 'fixed point of the correlation of two inputs'],
        ['ξ_q', num(p.xiQ), 'depth scale of the length (– : ∞)'],
        ['ξ_c', num(p.xiC), 'depth scale of the correlation (– : ∞); trainable to ≈ 6·ξ_c layers'],
      ],
    );
  } else if (r.grid && r.sigmaW2 && r.sigmaB2) {
    const g = r.grid;
    const rows: string[][] = [];
    r.sigmaB2.forEach((b, i) => {
      r.sigmaW2?.forEach((w, j) => {
        rows.push([num(b), num(w), g.phase[i][j], num(g.chi1[i][j]), num(g.qStar[i][j]), num(g.xiC[i][j])]);
      });
    });
    table(o, ['σ_b²', 'σ_w²', 'phase', 'χ₁', 'q*', 'ξ_c'], rows);
    o.out('');
    o.out('critical line (χ₁ = 1):');
    table(
      o,
      ['σ_b²', 'σ_w²'],
      r.sigmaB2.map((b, i) => [num(b), num(g.criticalSigmaW2[i])]),
    );
  } else if (r.advice) {
    const a = r.advice;
    table(
      o,
      ['layer', 'σ_w² (drawn)', 'σ_b²', 'critical σ_w²', 'gain ×', 'predicted Var(Z)', 'predicted ∂Z ratio'],
      a.layers.map((l, i) => [
        String(i),
        num(l.sigmaW2),
        num(l.sigmaB2),
        num(l.criticalSigmaW2),
        num(l.gainFactor),
        num(l.predictedPreactVar),
        num(l.predictedDeltaRatio),
      ]),
    );
    o.out(
      `predicted change over the depth: forward ×${num(a.forwardChange)}, backward ×${num(a.backwardChange)}` +
        ' (1 keeps the signal; gain × puts a layer at χ₁ = 1)',
    );
  }
  o.out(o.style('dim', r.method));
}

export const theory: Command = {
  name: 'theory',
  usage: 'gradscope theory [--activation A] [--sigma-w2 AXIS] [--sigma-b2 AXIS] | --spec SPEC.json  [--json]',
  summary: 'mean-field theory (q*, χ₁, ξ_c, the critical line) at a point or a grid, or the init advisor',
  options: {
    activation: { type: 'string' },
    'sigma-w2': { type: 'string' },
    'sigma-b2': { type: 'string' },
    'leaky-slope': { type: 'string' },
    'elu-alpha': { type: 'string' },
    spec: { type: 'string' },
    ...json,
  },
  help: [
    `--activation A      ${THEORY_ACTIVATIONS.join(', ')} (default tanh)`,
    '--sigma-w2 AXIS     σ_w² = fan_in·Var(W) (default 1). AXIS: 1.5, a list 0.5,1,2, or FROM:TO:STEPS[:log]',
    '--sigma-b2 AXIS     σ_b² = Var(b) (default 0); with an axis on either, a grid',
    '--leaky-slope X     the slope of leaky_relu (default 0.01)',
    '--elu-alpha X       α of elu (default 1)',
    "--spec SPEC.json    the init advisor for a run spec's network and init: the gain per layer at χ₁ = 1",
    JSON_HELP,
  ],
  args: 0,
  async run(ctx) {
    answer(ctx, await ctx.client.theory(requestOf(ctx)), (r) => printTheory(ctx, r));
    return EXIT.ok;
  },
};
