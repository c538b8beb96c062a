// What a finished probe or gradient check reports, and the diagnosis of any run, as charts and tables.

import { BarChart, histogramGrid } from '../charts/bars.ts';
import { depthColor, RUN_COLORS } from '../colors.ts';
import { h } from '../dom.ts';
import { fmt, int, verdictBadge } from '../format.ts';
import type { GradcheckResult, LayerField, ProbeResult, RunListItem } from '../types.ts';
import { chartCard, depthLegend } from './panels.ts';
import { adviceCard, spectrumCard } from './probe-theory.ts';

type Diagnosis = NonNullable<RunListItem['diagnosis']>;
type Trend = NonNullable<NonNullable<Diagnosis['atInit']>['forward']>;

/** How the forward and backward signals change over the hidden layers, at initialization and at the end. */
export function diagnosisTable(d: Diagnosis): HTMLElement | null {
  const rows: HTMLElement[] = [];
  const add = (when: string, diag: Diagnosis['atInit']) => {
    if (!diag) return;
    for (const [name, t] of [
      ['forward (pre-activation std)', diag.forward],
      ['backward (∂loss/∂Z RMS)', diag.backward],
    ] as const) {
      const step = t?.steepest;
      rows.push(
        h(
          'tr',
          {},
          h('td', { text: `${when}, step ${int(diag.step)}` }),
          h('td', { text: name }),
          h('td', { text: t ? `${t.from} → ${t.to}` : '—' }),
          h('td.num', { text: t ? `×${fmt(t.ratio)}` : '—' }),
          h('td.num', { text: t ? fmt(t.decades) : '—' }),
          h('td.num', { text: t ? `×${fmt(t.perLayer)}` : '—' }),
          h('td', { text: step ? `${step.from} → ${step.to}: ${fmt(step.decades)}` : '—' }),
          h('td.num', { text: t ? fmt(t.outputDecades) : '—' }),
          h('td', {}, t ? verdictCell(t) : '—'),
        ),
      );
    }
  };
  add('at initialization', d.atInit);
  add('at the end', d.atEnd);
  if (rows.length === 0) return null;
  return h(
    'table.compact',
    {},
    h('caption', {
      text: 'Signal change over the hidden layers: Theil–Sen line through log10(signal) against depth (decades; the output layer left out)',
    }),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        [
          'when',
          'signal',
          'layers',
          'trend',
          'decades',
          'per layer',
          'largest step',
          'output layer',
          'verdict',
        ].map((t) => h('th', { scope: 'col', text: t })),
      ),
    ),
    h('tbody', {}, rows),
  );
}

function verdictCell(t: Trend): HTMLElement {
  return verdictBadge(t.verdict);
}

function field(result: ProbeResult, name: LayerField): (number | null)[] {
  const i = result.fields.indexOf(name);
  return result.layers.map((row) => (i < 0 ? null : row[i]));
}

/** A probe's per-layer statistics at initialization: forward and backward signal, gradient flow, histograms. */
export function probeView(host: HTMLElement, result: ProbeResult, destroyers: (() => void)[]): void {
  const L = result.layers.length;
  const layers = Array.from({ length: L }, (_, l) => String(l + 1));
  const depth = (l: number) => depthColor(l, L);
  const grid = h('div.chart-grid');
  host.append(grid);
  const bars = (
    title: string,
    explain: string,
    yLabel: string,
    series: { label: string; values: (number | null)[]; color?: string }[],
    log = true,
  ) => {
    const c = chartCard(title, explain);
    grid.append(c.card);
    const chart = new BarChart(c.body, {
      label: title,
      yLabel,
      xLabel: 'layer',
      log,
      yMax: log ? undefined : 1,
    });
    chart.update(
      layers,
      series.map((s) => ({ label: s.label, values: s.values, color: s.color ?? depth })),
    );
    destroyers.push(() => chart.destroy());
  };
  bars(
    'Forward: pre-activation std per layer',
    'std of Z = A·Wᵀ + b on the probe batch. Steady across depth is healthy; a slope up or down compounds.',
    'std(Z)',
    [{ label: 'std(Z)', values: field(result, 'preactStd') }],
  );
  bars(
    'Backward: RMS of ∂loss/∂Z per layer',
    'The gradient signal reaching each layer, from the output (right) back to the input (left).',
    'RMS ∂loss/∂Z',
    [{ label: 'RMS δ', values: field(result, 'deltaRms') }],
  );
  bars(
    'Gradient flow: ‖dW‖ per layer',
    'Norm of each weight gradient at initialization (log scale).',
    '‖dW‖',
    [{ label: '‖dW‖', values: field(result, 'gradNorm') }],
  );
  bars(
    'Saturated and dead units per layer',
    'Saturated: |tanh| > 0.99 or σ outside [0.01, 0.99]. Dead: ReLU units ≤ 0 on the whole batch.',
    'fraction',
    [
      { label: 'saturated', values: field(result, 'saturatedFrac'), color: RUN_COLORS[1] },
      { label: 'dead', values: field(result, 'deadFrac'), color: RUN_COLORS[0] },
    ],
    false,
  );
  const hist = h(
    'section.card.wide',
    { 'aria-label': 'Histograms' },
    h('h3', { text: 'Histograms at initialization' }),
    depthLegend(L),
    h('h4', { text: 'Activations A per layer' }),
    histogramGrid(result.activationHistograms, {
      logScale: false,
      color: depth,
      what: 'activation histogram',
    }),
    h('h4', { text: 'Weight gradients dW per layer' }),
    histogramGrid(result.gradientHistograms, { logScale: false, color: depth, what: 'gradient histogram' }),
  );
  grid.append(hist);
  // results stored before the theory fields existed have neither
  if (result.theory) grid.append(spectrumCard(result), adviceCard(result, result.theory));
  if (result.lsuv) {
    grid.append(
      h(
        'section.card',
        {},
        h('h3', { text: 'LSUV' }),
        h(
          'table.compact',
          {},
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['layer', 'passes', 'Var(Z)', 'converged'].map((t) => h('th', { scope: 'col', text: t })),
            ),
          ),
          h(
            'tbody',
            {},
            result.lsuv.map((r) =>
              h(
                'tr',
                {},
                h('td', { text: String(r.layer + 1) }),
                h('td.num', { text: String(r.iterations) }),
                h('td.num', { text: fmt(r.variance) }),
                h('td', { text: r.converged ? 'yes' : 'no' }),
              ),
            ),
          ),
        ),
      ),
    );
  }
}

/** pass < 1e-7 ≤ warn < 1e-3 ≤ fail (the course's thresholds); null (not finite) fails. */
export function gradcheckClass(difference: number | null): 'pass' | 'warn' | 'fail' {
  if (difference === null) return 'fail';
  return difference < 1e-7 ? 'pass' : difference < 1e-3 ? 'warn' : 'fail';
}

function diffCell(g: { difference: number | null; checked: number; total: number }): HTMLElement {
  if (g.checked === 0) return h('td.num.na', { text: g.total === 0 ? 'no parameters' : 'not checked' });
  const cls = gradcheckClass(g.difference);
  return h(
    `td.num.check-${cls}`,
    { title: `${int(g.checked)} of ${int(g.total)} parameters checked` },
    h('span.check-dot', { 'aria-hidden': 'true' }),
    `${fmt(g.difference)} `,
    h('span.sub', { text: `${cls} · ${int(g.checked)}/${int(g.total)}` }),
  );
}

export function gradcheckView(r: GradcheckResult): HTMLElement {
  const layers = h(
    'table.compact.gradcheck',
    {},
    h('caption', { text: 'Difference ‖g − ĝ‖₂ / (‖g‖₂ + ‖ĝ‖₂) per layer' }),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['layer', 'W', 'b'].map((t) => h('th', { scope: 'col', text: t })),
      ),
    ),
    h(
      'tbody',
      {},
      r.layers.map((l) => h('tr', {}, h('td', { text: String(l.layer + 1) }), diffCell(l.W), diffCell(l.b))),
    ),
  );
  const worst = h(
    'table.compact.worst',
    {},
    h('caption', {
      text: 'Largest |g − ĝ|, worst first (W2[i, j]: layer 2, row i, column j, counted from 0 as in numpy)',
    }),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['parameter', 'backprop g', 'numeric ĝ', '|g − ĝ| / (|g| + |ĝ|)'].map((t) =>
          h('th', { scope: 'col', text: t }),
        ),
      ),
    ),
    h(
      'tbody',
      {},
      r.worst.map((w) =>
        h(
          'tr',
          {},
          h(
            'td',
            {},
            h('code', { text: `${w.param}${w.layer + 1}[${w.row}${w.col === null ? '' : `, ${w.col}`}]` }),
          ),
          h('td.num', { text: fmt(w.analytic, 6) }),
          h('td.num', { text: fmt(w.numeric, 6) }),
          h(`td.num.check-${gradcheckClass(w.difference)}`, { text: fmt(w.difference) }),
        ),
      ),
    ),
  );
  return h(
    'div.chart-grid',
    {},
    h(
      'section.card.gradcheck-summary',
      { 'aria-label': 'Gradient check verdict', 'data-verdict': r.verdict },
      h('h3', {}, 'Gradient check: ', h(`span.pill.check-${r.verdict}`, { text: r.verdict })),
      h('p', { text: r.message }),
      h('p.sub', {
        text:
          `difference ${fmt(r.difference)} · ε = ${fmt(r.epsilon)} · ${r.mode} mode · batch ${r.batch} · ` +
          `${int(r.cost.checkedParameters)} of ${int(r.cost.parameters)} parameters · ` +
          `${int(r.cost.lossEvaluations)} loss evaluations` +
          (r.directionalDifference !== null ? ` · directional ${fmt(r.directionalDifference)}` : ''),
      }),
      h(
        'p.legend-row',
        {},
        'Thresholds: ',
        h('span.check-pass', { text: 'pass < 1e-7' }),
        ' · ',
        h('span.check-warn', { text: 'warn < 1e-3' }),
        ' · ',
        h('span.check-fail', { text: 'fail ≥ 1e-3' }),
      ),
    ),
    h('section.card', { 'aria-label': 'Per-layer differences' }, layers),
    h('section.card.wide', { 'aria-label': 'Worst parameters' }, worst),
  );
}
