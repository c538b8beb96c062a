// Layer × step heatmap of log10 of a per-layer statistic (gradient RMS): a canvas with its own colour legend.
import { viridis, viridisCss } from '../colors.ts';
import { h } from '../dom.ts';
import { fmt, int } from '../format.ts';
import { niceTicks, powerLabel, ResponsiveCanvas, theme } from './canvas.ts';

const MARGIN = { left: 58, right: 76, top: 8, bottom: 34 };
/** Colour of a non-finite value (the statistic overflowed), and of an exact zero (no gradient at all). */
const NON_FINITE = [214, 39, 40];
const ZERO = [205, 208, 214];

export interface HeatmapData {
  /** Steps, ascending. */
  x: number[];
  /** rows[layer][point]: the statistic, null when not finite. */
  rows: (number | null)[][];
}

export class Heatmap {
  readonly el: HTMLElement;
  private readonly surface: ResponsiveCanvas;
  private readonly readout: HTMLElement;
  private data: HeatmapData = { x: [], rows: [] };
  /** Cells as drawn: log10 value per (layer, bucket), for the hover readout. */
  private cells: { buckets: number; values: Float64Array; steps: Float64Array } | null = null;

  constructor(
    container: HTMLElement,
    private readonly o: { label: string; quantity: string },
  ) {
    const host = h('div.canvas-host');
    this.readout = h('div.readout', { text: 'Hover a cell for its layer, step and value.' });
    const key = h(
      'div.legend-row',
      {},
      h('span.legend-item', {}, h('span.swatch', { style: `background:rgb(${NON_FINITE})` }), 'not finite'),
      h('span.legend-item', {}, h('span.swatch', { style: `background:rgb(${ZERO})` }), 'exactly 0'),
    );
    this.el = h('figure.chart.heatmap', { role: 'group', 'aria-label': o.label }, host, key, this.readout);
    container.append(this.el);
    this.surface = new ResponsiveCanvas(
      host,
      () => MARGIN.top + MARGIN.bottom + Math.min(420, Math.max(140, this.data.rows.length * 12)),
      (ctx, w, hgt) => this.draw(ctx, w, hgt),
      o.label,
    );
    this.surface.canvas.addEventListener('mousemove', (e) => this.hover(e));
    this.surface.canvas.addEventListener('mouseleave', () => {
      this.readout.textContent = 'Hover a cell for its layer, step and value.';
    });
  }

  update(data: HeatmapData): void {
    this.data = data;
    this.el.dataset.points = String(data.x.length);
    this.surface.redraw();
  }

  destroy(): void {
    this.surface.destroy();
    this.el.remove();
  }

  private draw(ctx: CanvasRenderingContext2D, width: number, height: number): void {
    const t = theme();
    const { x, rows } = this.data;
    const layers = rows.length;
    const pw = width - MARGIN.left - MARGIN.right;
    const ph = height - MARGIN.top - MARGIN.bottom;
    ctx.font = t.font;
    if (layers === 0 || x.length === 0) {
      ctx.fillStyle = t.muted;
      ctx.fillText('waiting for recorded steps…', MARGIN.left, MARGIN.top + 20);
      this.cells = null;
      return;
    }
    // Bucket the points by step into at most one column per CSS pixel, averaging log10 within a bucket.
    const s0 = x[0];
    const s1 = x[x.length - 1];
    const buckets = Math.max(1, Math.min(x.length, Math.floor(pw)));
    const sums = new Float64Array(layers * buckets);
    const counts = new Uint32Array(layers * buckets);
    const flags = new Uint8Array(layers * buckets); // 1: a non-finite value, 2: an exact zero
    const steps = new Float64Array(buckets).fill(Number.NaN);
    let lo = Infinity;
    let hi = -Infinity;
    for (let p = 0; p < x.length; p++) {
      const b = s1 === s0 ? 0 : Math.min(buckets - 1, Math.floor(((x[p] - s0) / (s1 - s0)) * buckets));
      steps[b] = x[p];
      for (let l = 0; l < layers; l++) {
        const v = rows[l][p];
        const i = l * buckets + b;
        if (v === null) flags[i] |= 1;
        else if (v <= 0) flags[i] |= 2;
        else {
          const e = Math.log10(v);
          sums[i] += e;
          counts[i]++;
          if (e < lo) lo = e;
          if (e > hi) hi = e;
        }
      }
    }
    // No positive finite value at all (e.g. all-zero weights): a colour scale would mean nothing.
    const noScale = lo === Infinity;
    const allZero = noScale && flags.some((f) => f & 2) && !flags.some((f) => f & 1);
    this.el.dataset.allZero = String(allZero);
    if (lo === Infinity) {
      lo = -1;
      hi = 0;
    } else if (hi - lo < 1e-9) {
      lo -= 0.5;
      hi += 0.5;
    }
    const values = new Float64Array(layers * buckets);
    const image = new ImageData(buckets, layers);
    for (let l = 0; l < layers; l++) {
      for (let b = 0; b < buckets; b++) {
        const i = l * buckets + b;
        let rgb: number[];
        if (counts[i] > 0) {
          values[i] = sums[i] / counts[i];
          rgb = viridis((values[i] - lo) / (hi - lo));
        } else if (flags[i] & 1) {
          values[i] = Infinity;
          rgb = NON_FINITE;
        } else if (flags[i] & 2) {
          values[i] = -Infinity;
          rgb = ZERO;
        } else {
          // No point fell in this bucket: repeat the previous one so the map has no holes.
          values[i] = b > 0 ? values[i - 1] : Number.NaN;
          const prev = (l * buckets + b - 1) * 4;
          rgb = b > 0 ? [image.data[prev], image.data[prev + 1], image.data[prev + 2]] : ZERO;
          if (b > 0) steps[b] = Number.isNaN(steps[b]) ? steps[b - 1] : steps[b];
        }
        const o = i * 4;
        image.data[o] = rgb[0];
        image.data[o + 1] = rgb[1];
        image.data[o + 2] = rgb[2];
        image.data[o + 3] = 255;
      }
    }
    this.cells = { buckets, values, steps };
    const off = document.createElement('canvas');
    off.width = buckets;
    off.height = layers;
    off.getContext('2d')!.putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(off, MARGIN.left, MARGIN.top, pw, ph);

    // Axes: layers down the left (input at the top), steps along the bottom.
    ctx.fillStyle = t.muted;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    const rowH = ph / layers;
    const everyRow = Math.max(1, Math.ceil(14 / rowH));
    for (let l = 0; l < layers; l += everyRow) {
      ctx.fillText(String(l + 1), MARGIN.left - 6, MARGIN.top + (l + 0.5) * rowH);
    }
    ctx.save();
    ctx.translate(14, MARGIN.top + ph / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'center';
    ctx.fillText('layer (input → output)', 0, 0);
    ctx.restore();
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    // Steps are integers: no tick between two.
    for (const s of niceTicks(s0, s1, Math.max(2, Math.floor(pw / 90))).filter(Number.isInteger)) {
      const px = MARGIN.left + (s1 === s0 ? 0 : ((s - s0) / (s1 - s0)) * pw);
      ctx.fillRect(px, MARGIN.top + ph, 1, 4);
      ctx.fillText(fmt(s), px, MARGIN.top + ph + 6);
    }
    ctx.fillText('step', MARGIN.left + pw / 2, MARGIN.top + ph + 20);

    const lx = width - MARGIN.right + 14;
    if (noScale) {
      ctx.fillStyle = t.muted;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      const msg = allZero ? 'all exactly zero' : 'no finite value';
      ctx.fillStyle = t.text;
      ctx.fillText(`${this.o.quantity}: ${msg}`, MARGIN.left + pw / 2, MARGIN.top + ph / 2);
      return;
    }
    // Legend: the colour bar from lo (bottom) to hi (top), labelled at powers of ten.
    const lw = 12;
    const bar = ctx.createLinearGradient(0, MARGIN.top + ph, 0, MARGIN.top);
    for (let k = 0; k <= 8; k++) bar.addColorStop(k / 8, viridisCss(k / 8));
    ctx.fillStyle = bar;
    ctx.fillRect(lx, MARGIN.top, lw, ph);
    ctx.fillStyle = t.muted;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    // Powers of ten when the range spans a few decades, finer exponents (labelled as values) when it does not.
    const all = niceTicks(lo, hi, Math.max(2, Math.floor(ph / 28)));
    const decades = all.filter((e) => Number.isInteger(e));
    const ticks = decades.length >= 2 ? decades : all.filter((e) => e >= lo && e <= hi);
    for (const e of ticks) {
      const py = MARGIN.top + ph - ((e - lo) / (hi - lo)) * ph;
      ctx.fillRect(lx + lw, py, 3, 1);
      ctx.fillText(Number.isInteger(e) ? powerLabel(e) : fmt(10 ** e), lx + lw + 5, py);
    }
  }

  private hover(e: MouseEvent): void {
    const cells = this.cells;
    if (!cells) return;
    const rect = this.surface.canvas.getBoundingClientRect();
    const px = e.clientX - rect.left - MARGIN.left;
    const py = e.clientY - rect.top - MARGIN.top;
    const pw = rect.width - MARGIN.left - MARGIN.right;
    const ph = rect.height - MARGIN.top - MARGIN.bottom;
    const layers = this.data.rows.length;
    if (px < 0 || py < 0 || px >= pw || py >= ph) return;
    const b = Math.min(cells.buckets - 1, Math.floor((px / pw) * cells.buckets));
    const l = Math.min(layers - 1, Math.floor((py / ph) * layers));
    const v = cells.values[l * cells.buckets + b];
    const step = cells.steps[b];
    const value =
      v === Infinity ? 'not finite' : v === -Infinity ? 'exactly 0' : Number.isNaN(v) ? '—' : fmt(10 ** v);
    this.readout.textContent = `layer ${l + 1}, step ${Number.isNaN(step) ? '—' : int(step)}: ${this.o.quantity} ${value}`;
  }
}
