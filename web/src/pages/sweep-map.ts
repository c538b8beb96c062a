// The trainability map: an SVG heatmap of depth (rows) × σ_w² (columns) coloured by the measure the user picks,
// with the mean-field theory on top — the critical line χ₁ = 1 and the depth limit 6·ξ_c — and each cell a link
// to its run.
import { viridisCss } from '../colors.ts';
import { h } from '../dom.ts';
import { fmt } from '../format.ts';
import { href, navigate } from '../router.ts';
import type { SweepPoint, TrainabilityMap } from '../types.ts';

export const MAP_MEASURES = [
  { key: 'log10GradRatio', label: 'log10 gradient ratio, first / last layer' },
  { key: 'finalLoss', label: 'final loss' },
  { key: 'trainAccuracy', label: 'train accuracy' },
] as const;
export type MapMeasure = (typeof MAP_MEASURES)[number]['key'];

const SVG = 'http://www.w3.org/2000/svg';

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** Position of `v` among sorted `values` as a fractional index (linear between neighbours, clamped beyond). */
export function fractionalIndex(values: number[], v: number): number {
  if (v <= values[0]) return 0;
  for (let i = 1; i < values.length; i++) {
    if (v <= values[i]) return i - 1 + (v - values[i - 1]) / (values[i] - values[i - 1]);
  }
  return values.length - 1;
}

/** The mean of a cell's repeats (null when none is finite). */
function cellValue(points: SweepPoint[], indices: number[], measure: MapMeasure): number | null {
  const xs = indices
    .map((i) => points[i]?.[measure])
    .filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length;
}

export function trainabilityMap(
  map: TrainabilityMap,
  points: SweepPoint[],
  measure: MapMeasure,
): HTMLElement {
  const cw = 44;
  const ch = 30;
  const left = 56;
  const top = 12;
  const cols = map.sigmaW2.length;
  const rows = map.depths.length;
  const width = left + cols * cw + 12;
  const height = top + rows * ch + 40;
  const root = svg('svg', {
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': `trainability map of ${map.activation}: ${rows} depths × ${cols} values of σ_w², coloured by ${measure}`,
  });
  const values = map.cells.map((row) => row.map((indices) => cellValue(points, indices, measure)));
  const finite = values.flat().filter((v): v is number => v !== null);
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  map.cells.forEach((row, r) => {
    row.forEach((indices, c) => {
      const v = values[r][c];
      const point = points[indices[0]];
      const rect = svg('rect', {
        class: 'cell',
        x: left + c * cw,
        y: top + r * ch,
        width: cw - 1,
        height: ch - 1,
        fill: v === null ? '#999' : viridisCss(hi > lo ? (v - lo) / (hi - lo) : 0.5),
        'data-index': indices[0],
        'data-run': point?.runId ?? '',
      });
      const title = svg('title', {});
      title.textContent = `depth ${map.depths[r]}, σ_w² ${fmt(map.sigmaW2[c])}: ${measure} ${fmt(v)}${point?.verdict ? ` (${point.verdict})` : ''}`;
      rect.append(title);
      if (point) rect.addEventListener('click', () => navigate(href.run(point.runId)));
      root.append(rect);
    });
  });
  // Axes: depth labels on the left, σ_w² below.
  map.depths.forEach((d, r) => {
    const t = svg('text', { x: left - 6, y: top + r * ch + ch / 2 + 4, 'text-anchor': 'end', class: 'axis' });
    t.textContent = String(d);
    root.append(t);
  });
  map.sigmaW2.forEach((w, c) => {
    const t = svg('text', {
      x: left + c * cw + cw / 2,
      y: top + rows * ch + 14,
      'text-anchor': 'middle',
      class: 'axis',
    });
    t.textContent = fmt(w, 2);
    root.append(t);
  });
  const xLabel = svg('text', {
    x: left + (cols * cw) / 2,
    y: top + rows * ch + 32,
    'text-anchor': 'middle',
    class: 'axis',
  });
  xLabel.textContent = 'σ_w²';
  root.append(xLabel);
  // Theory, in data coordinates: columns and rows are placed by fractional index between their values.
  const x = (w: number) => left + (fractionalIndex(map.sigmaW2, w) + 0.5) * cw;
  const sortedDepths = [...map.depths].sort((a, b) => a - b);
  const ascending = map.depths[0] <= map.depths[map.depths.length - 1];
  const y = (d: number) => {
    const f = fractionalIndex(sortedDepths, d);
    return top + ((ascending ? f : rows - 1 - f) + 0.5) * ch;
  };
  const critical = map.theory.criticalSigmaW2;
  if (critical !== null && critical >= map.sigmaW2[0] && critical <= map.sigmaW2[cols - 1]) {
    root.append(
      svg('path', {
        class: 'critical-line',
        d: `M${x(critical)},${top} L${x(critical)},${top + rows * ch}`,
        stroke: '#fff',
        'stroke-width': 2,
        'stroke-dasharray': '5 3',
      }),
    );
  }
  const maxDepth = sortedDepths[sortedDepths.length - 1];
  const curve = map.theory.curve.map((p) => ({
    x: x(p.sigmaW2),
    y: y(Math.min(p.depthLimit ?? Infinity, maxDepth)),
  }));
  if (curve.length > 1) {
    root.append(
      svg('path', {
        class: 'depth-limit',
        d: curve.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' '),
        fill: 'none',
        stroke: '#e8433a',
        'stroke-width': 2,
      }),
    );
  }
  const legend = h(
    'p.map-legend',
    {},
    h('span.swatch', { style: `background: linear-gradient(to right, ${viridisCss(0)}, ${viridisCss(1)})` }),
    ` ${measure}: ${fmt(finite.length ? lo : null)} … ${fmt(finite.length ? hi : null)}. `,
    h('span.legend-critical', { text: '╌ critical line χ₁ = 1' }),
    critical === null ? ' (none in range)' : ` at σ_w² = ${fmt(critical, 4)}; `,
    h('span.legend-depth', { text: '— depth limit 6·ξ_c' }),
    ' (Schoenholz et al. 2017: deeper nets did not train). Click a cell for its run.',
  );
  const wrap = h('div', { id: 'sweep-map' });
  wrap.append(root, legend);
  return wrap;
}
