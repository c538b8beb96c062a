// Grouped bar charts on a canvas (one group per layer, one bar per series), log10 or linear y, a red mark on
// layers that blew up (NaN/±Infinity), "all exactly zero" said in words, and small histograms. Used for the
// gradient flow at a step, saturation, probe statistics and comparisons.
import { h, replaceChildren } from '../dom.ts';
import { fmt } from '../format.ts';
import { niceTicks, powerLabel, ResponsiveCanvas, theme } from './canvas.ts';

export interface BarSeries {
  label: string;
  /** One colour, or one per category (e.g. a depth ramp). */
  color: string | ((category: number) => string);
  values: (number | null)[];
  /**
   * Per category, whether this series' value there was NaN/±Infinity (a red mark, not "no bar"); overrides the
   * chart's per-category flags for this series (several runs side by side, one of them diverged).
   */
  nonFinite?: boolean[];
}

export interface BarChartOptions {
  label: string;
  yLabel: string;
  /** Category axis title, e.g. 'layer'. */
  xLabel: string;
  log: boolean;
  /** Linear axis: fixed top (e.g. 1 for fractions); otherwise from the data. */
  yMax?: number;
  height?: number;
}

const M = { left: 58, right: 12, top: 10, bottom: 36 };

export class BarChart {
  readonly el: HTMLElement;
  private readonly surface: ResponsiveCanvas;
  private readonly legend: HTMLElement;
  private readonly readout: HTMLElement;
  private categories: string[] = [];
  private series: BarSeries[] = [];
  private nonFinite: boolean[] = [];

  constructor(
    container: HTMLElement,
    private readonly o: BarChartOptions,
  ) {
    const host = h('div.canvas-host');
    this.legend = h('div.legend-row');
    this.readout = h('div.readout');
    this.el = h(
      'figure.chart.bars',
      { role: 'group', 'aria-label': o.label },
      host,
      this.legend,
      this.readout,
    );
    container.append(this.el);
    this.surface = new ResponsiveCanvas(
      host,
      () => o.height ?? 220,
      (ctx, w, hgt) => this.draw(ctx, w, hgt),
      o.label,
    );
    this.surface.canvas.addEventListener('mousemove', (e) => this.hover(e));
  }

  /** `nonFinite[c]`: category c's values were NaN/±Infinity (drawn as a red mark, not as "no bar"). */
  update(categories: string[], series: BarSeries[], note = '', nonFinite: boolean[] = []): void {
    this.categories = categories;
    this.series = series;
    this.nonFinite = nonFinite;
    const values = series.flatMap((s) => s.values).filter((v): v is number => v !== null);
    const allZero = values.length > 0 && values.every((v) => v === 0);
    this.el.dataset.allZero = String(allZero);
    // Categories marked in any series.
    const marked = categories.filter((_, c) => nonFinite[c] || series.some((s) => s.nonFinite?.[c]));
    this.el.dataset.nonFinite = String(marked.length);
    replaceChildren(
      this.legend,
      ...(series.length > 1 || series.some((s) => typeof s.color === 'string')
        ? series.map((s) =>
            h(
              'span.legend-item',
              {},
              h('span.swatch', { style: `background:${typeof s.color === 'string' ? s.color : s.color(0)}` }),
              s.label,
            ),
          )
        : []),
      note ? h('span.legend-note', { text: note }) : null,
    );
    this.surface.redraw();
  }

  destroy(): void {
    this.surface.destroy();
    this.el.remove();
  }

  /** y → pixel, and the ticks, for the current data. */
  private scale(ph: number): { y: (v: number) => number; ticks: { v: number; label: string }[] } {
    const all = this.series.flatMap((s) => s.values).filter((v): v is number => v !== null);
    if (this.o.log) {
      const pos = all.filter((v) => v > 0 && Number.isFinite(v));
      let lo = pos.length ? Math.floor(Math.log10(Math.min(...pos))) : -1;
      let hi = pos.length ? Math.ceil(Math.log10(Math.max(...pos))) : 1;
      if (hi <= lo) {
        lo -= 1;
        hi += 1;
      }
      const every = Math.max(1, Math.ceil((hi - lo) / Math.max(2, Math.floor(ph / 24))));
      const ticks = [];
      for (let e = lo; e <= hi; e++) if (e % every === 0) ticks.push({ v: 10 ** e, label: powerLabel(e) });
      return { y: (v) => ph - ((Math.log10(v) - lo) / (hi - lo)) * ph, ticks };
    }
    const top = this.o.yMax ?? Math.max(1e-12, ...all.filter(Number.isFinite));
    const ticks = niceTicks(0, top, Math.max(2, Math.floor(ph / 40))).map((v) => ({ v, label: fmt(v) }));
    return { y: (v) => ph - (v / top) * ph, ticks };
  }

  private draw(ctx: CanvasRenderingContext2D, width: number, height: number): void {
    const t = theme();
    ctx.font = t.font;
    const pw = width - M.left - M.right;
    const ph = height - M.top - M.bottom;
    const n = this.categories.length;
    if (n === 0 || this.series.length === 0) {
      ctx.fillStyle = t.muted;
      ctx.fillText('no data yet', M.left, M.top + 20);
      return;
    }
    if (this.el.dataset.allZero === 'true') {
      // Zeros have no log and make a meaningless linear scale: say it instead of drawing nothing.
      ctx.fillStyle = t.muted;
      ctx.textAlign = 'center';
      ctx.fillText(
        `all exactly zero (${this.o.yLabel} = 0 in every ${this.o.xLabel})`,
        width / 2,
        M.top + ph / 2,
      );
      ctx.fillStyle = t.axis;
      ctx.fillRect(M.left, M.top + ph, pw, 1);
      return;
    }
    const { y, ticks } = this.scale(ph);
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const tick of ticks) {
      const py = M.top + y(tick.v);
      ctx.fillStyle = t.grid;
      ctx.fillRect(M.left, Math.round(py), pw, 1);
      ctx.fillStyle = t.muted;
      ctx.fillText(tick.label, M.left - 6, py);
    }
    ctx.save();
    ctx.translate(14, M.top + ph / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'center';
    ctx.fillText(this.o.yLabel, 0, 0);
    ctx.restore();

    let drawn = 0;
    const groupW = pw / n;
    const barW = Math.max(1, Math.min(40, (groupW * 0.8) / this.series.length));
    const inset = (groupW - barW * this.series.length) / 2;
    const base = M.top + ph;
    this.series.forEach((s, si) => {
      for (let c = 0; c < n; c++) {
        const v = s.values[c];
        const x = M.left + c * groupW + inset + si * barW;
        if ((s.nonFinite ?? this.nonFinite)[c] && (v === null || v === undefined)) {
          // Blew up: a red bar to the top with a cross, so an empty panel is never mistaken for "no data".
          ctx.fillStyle = 'rgba(214, 69, 61, 0.25)';
          ctx.fillRect(x, M.top, Math.max(1, barW - 1), ph);
          ctx.fillStyle = '#d6453d';
          ctx.textAlign = 'center';
          ctx.textBaseline = 'top';
          ctx.fillText('✕', x + barW / 2, M.top + 2);
          continue;
        }
        if (v === null || v === undefined || (this.o.log && !(v > 0))) {
          // Not applicable, or 0 on a log axis: a small grey tick on the axis says "no bar".
          ctx.fillStyle = t.axis;
          ctx.fillRect(x, base - 2, Math.max(1, barW - 1), 2);
          continue;
        }
        drawn++;
        const top = Math.max(M.top, M.top + y(v));
        ctx.fillStyle = typeof s.color === 'string' ? s.color : s.color(c);
        ctx.fillRect(x, top, Math.max(1, barW - (barW > 3 ? 1 : 0)), base - top);
      }
    });
    this.el.dataset.bars = String(drawn);
    ctx.fillStyle = t.axis;
    ctx.fillRect(M.left, base, pw, 1);
    ctx.fillStyle = t.muted;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    const every = Math.max(1, Math.ceil(28 / groupW));
    for (let c = 0; c < n; c += every)
      ctx.fillText(this.categories[c], M.left + (c + 0.5) * groupW, base + 5);
    ctx.fillText(this.o.xLabel, M.left + pw / 2, base + 20);
    if (this.el.dataset.nonFinite !== '0') {
      ctx.fillStyle = '#d6453d';
      ctx.textAlign = 'right';
      ctx.fillText('✕ NaN/∞', M.left + pw, base + 20);
    }
  }

  private hover(e: MouseEvent): void {
    const rect = this.surface.canvas.getBoundingClientRect();
    const pw = rect.width - M.left - M.right;
    const c = Math.floor(((e.clientX - rect.left - M.left) / pw) * this.categories.length);
    if (c < 0 || c >= this.categories.length) return;
    const parts = this.series.map(
      (s) =>
        `${this.series.length > 1 ? `${s.label}: ` : ''}${(s.nonFinite ?? this.nonFinite)[c] && s.values[c] === null ? 'NaN/∞' : fmt(s.values[c] ?? null)}`,
    );
    this.readout.textContent = `${this.o.xLabel} ${this.categories[c]} — ${this.o.yLabel}: ${parts.join(', ')}`;
  }
}

/** Small multiples of histograms [lo, hi, count_0 … count_{bins−1}], one per layer. */
export function histogramGrid(
  rows: (number | null)[][],
  opts: { logScale: boolean; color: (layer: number) => string; what: string },
): HTMLElement {
  const grid = h('div.histograms');
  const t = theme();
  // Few layers get wide histograms; many get small multiples.
  const W = rows.length <= 4 ? 280 : rows.length <= 8 ? 200 : 150;
  const H = rows.length <= 8 ? 72 : 56;
  rows.forEach((row, layer) => {
    const [lo, hi, ...counts] = row;
    const canvas = h('canvas', {
      width: W * devicePixelRatio,
      height: H * devicePixelRatio,
      role: 'img',
      'aria-label': `${opts.what}, layer ${layer + 1}`,
    });
    canvas.style.width = `${W}px`;
    canvas.style.height = `${H}px`;
    const ctx = canvas.getContext('2d');
    const max = Math.max(0, ...counts.map((c) => c ?? 0));
    if (ctx && max > 0) {
      ctx.scale(devicePixelRatio, devicePixelRatio);
      const w = W / counts.length;
      ctx.fillStyle = opts.color(layer);
      counts.forEach((c, i) => {
        const hgt = ((c ?? 0) / max) * (H - 2);
        ctx.fillRect(i * w, H - hgt, Math.max(1, w - 0.5), hgt);
      });
    } else if (ctx) {
      ctx.scale(devicePixelRatio, devicePixelRatio);
      ctx.fillStyle = t.muted;
      ctx.font = t.font;
      ctx.fillText(opts.logScale ? 'empty: every |g| is 0' : 'empty: no finite value', 6, H / 2 + 4);
    }
    const [a, b] = lo === null || hi === null ? ['', ''] : distinctPair(lo, hi);
    const range =
      lo === null || hi === null
        ? '—'
        : lo === hi
          ? opts.logScale
            ? `every |g| = 10^${a}`
            : `every value = ${a}`
          : opts.logScale
            ? `|g| 10^${a} … 10^${b}`
            : `${a} … ${b}`;
    grid.append(
      h(
        'figure.histogram',
        {},
        h('figcaption', { text: `layer ${layer + 1}` }),
        canvas,
        h('small', { text: range }),
      ),
    );
  });
  return grid;
}

/** lo and hi with as many significant digits as it takes (3 to 7) for them to read differently. */
function distinctPair(lo: number, hi: number): [string, string] {
  for (let digits = 3; digits < 7; digits++) {
    const pair: [string, string] = [fmt(lo, digits), fmt(hi, digits)];
    if (pair[0] !== pair[1]) return pair;
  }
  return [fmt(lo, 7), fmt(hi, 7)];
}
