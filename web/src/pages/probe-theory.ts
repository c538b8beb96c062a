// A probe's theory panels: the Jacobian spectrum's histogram and summary, and the init advisor's table.
import { theme } from '../charts/canvas.ts';
import { h } from '../dom.ts';
import { fmt, pct } from '../format.ts';
import type { ProbeResult } from '../types.ts';
import { stat } from './panels.ts';

type Spectrum = NonNullable<ProbeResult['spectrum']>;

/** Bars of log10 σ with the band σ ∈ [½, 2] shaded and σ = 1 marked. */
function spectrumHistogram(s: Spectrum): HTMLCanvasElement {
  const W = 420;
  const H = 120;
  const [lo, hi, ...counts] = s.histogram;
  const canvas = h('canvas', {
    width: W * devicePixelRatio,
    height: H * devicePixelRatio,
    role: 'img',
    'aria-label': `histogram of log10 of ${s.singularValues.length} singular values`,
  });
  canvas.style.width = `${W}px`;
  canvas.style.height = `${H}px`;
  const ctx = canvas.getContext('2d');
  if (!ctx || lo === null || hi === null) return canvas;
  const t = theme();
  ctx.scale(devicePixelRatio, devicePixelRatio);
  // the x range covers the values and σ = 1 (log10 = 0) with the factor-2 band
  const x0 = Math.min(lo, -Math.log10(2)) - 0.05;
  const x1 = Math.max(hi, Math.log10(2)) + 0.05;
  const x = (v: number) => ((v - x0) / (x1 - x0)) * W;
  ctx.fillStyle = t.grid;
  const top = 16; // a strip above the bars for the σ = 1 label
  ctx.fillRect(x(-Math.log10(2)), top, x(Math.log10(2)) - x(-Math.log10(2)), H - 14 - top);
  const max = Math.max(1, ...counts.map((c) => c ?? 0));
  const bw = (hi - lo) / counts.length;
  ctx.fillStyle = '#3b6fd8';
  counts.forEach((c, i) => {
    const hgt = ((c ?? 0) / max) * (H - 14 - top);
    const left = x(lo + i * bw);
    ctx.fillRect(left, H - 14 - hgt, Math.max(1, x(lo + (i + 1) * bw) - left - 0.5), hgt);
  });
  ctx.strokeStyle = t.text;
  ctx.beginPath();
  ctx.moveTo(x(0), top - 2);
  ctx.lineTo(x(0), H - 14);
  ctx.stroke();
  ctx.fillStyle = t.muted;
  ctx.font = t.font;
  ctx.fillText(`10^${fmt(lo)}`, 2, H - 2);
  // the label goes on whichever side of the σ = 1 line has room
  const one = 'σ = 1';
  const oneWidth = ctx.measureText(one).width;
  ctx.fillText(one, x(0) + 3 + oneWidth < W ? x(0) + 3 : x(0) - oneWidth - 3, 12);
  const right = `10^${fmt(hi)}`;
  ctx.fillText(right, W - ctx.measureText(right).width - 2, H - 2);
  return canvas;
}

/** The spectrum card, or a note when the probe's net was too wide for it. */
export function spectrumCard(result: ProbeResult): HTMLElement {
  const s = result.spectrum;
  const title = 'Jacobian spectrum at initialization';
  if (!s)
    return h(
      'section.card',
      { 'aria-label': title },
      h('h3', { text: title }),
      h('p.explain', { text: 'Not computed: a layer is wider than 512 (the product and SVD cost ~L·n³).' }),
    );
  return h(
    'section.card',
    { 'aria-label': title, id: 'spectrum' },
    h('h3', { text: title }),
    h('p.explain', {
      text:
        'Singular values of ∂Z_L/∂x at the first sample (Pennington et al. 2017). Dynamical isometry: all near 1 ' +
        '(the shaded band is a factor 2). Orthogonal init at criticality keeps them there; Gaussian init spreads them with depth.',
    }),
    spectrumHistogram(s),
    h(
      'div.stats',
      {},
      stat('singular values', String(s.singularValues.length)),
      stat('max / min', `${fmt(s.max)} / ${fmt(s.min)}`),
      stat('mean σ²', fmt(s.meanSquare)),
      stat('within ×2 of 1', pct(s.fractionNearOne)),
    ),
  );
}

/** The advisor beside the measurement: per layer the critical gain, and predicted against measured signal. */
export function adviceCard(result: ProbeResult, a: NonNullable<ProbeResult['theory']>): HTMLElement {
  const col = (name: string) => result.fields.indexOf(name as ProbeResult['fields'][number]);
  const preact = col('preactStd');
  const delta = col('deltaRms');
  const L = result.layers.length;
  const lastDelta = result.layers[L - 1]?.[delta] ?? null;
  const rows = a.layers.map((l, i) => {
    const measuredDelta = result.layers[i][delta];
    return h(
      'tr',
      {},
      h('td', { text: String(i + 1) }),
      h('td.num', { text: fmt(l.sigmaW2) }),
      h('td.num', { text: fmt(l.criticalGain) }),
      h('td.num', { text: l.gainFactor === null ? '—' : `×${fmt(l.gainFactor)}` }),
      h('td.num', { text: fmt(l.predictedPreactVar === null ? null : Math.sqrt(l.predictedPreactVar)) }),
      h('td.num', { text: fmt(result.layers[i][preact]) }),
      h('td.num', { text: fmt(l.predictedDeltaRatio) }),
      h('td.num', {
        text: fmt(
          measuredDelta === null || lastDelta === null || lastDelta === 0 ? null : measuredDelta / lastDelta,
        ),
      }),
    );
  });
  return h(
    'section.card.wide',
    { 'aria-label': 'Init advisor', id: 'advisor' },
    h('h3', { text: 'Init advisor: mean-field theory beside the measurement' }),
    h('p.explain', {
      text:
        `Critical gain: the gain on a variance-1/fan_in init that puts the layer at χ₁ = 1 for its activation; ` +
        `factor: what to multiply this run's gain by. Predicted signal change over the depth: forward ×${fmt(a.forwardChange)}, ` +
        `backward ×${fmt(a.backwardChange)}.`,
    }),
    h(
      'table.compact',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          [
            'layer',
            'σ_w² drawn',
            'critical gain',
            'gain factor',
            'std(Z) predicted',
            'std(Z) measured',
            'δ / δ_L predicted',
            'δ / δ_L measured',
          ].map((t) => h('th', { scope: 'col', text: t })),
        ),
      ),
      h('tbody', {}, rows),
    ),
  );
}
