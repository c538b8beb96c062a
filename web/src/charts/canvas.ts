// Shared canvas plumbing: a HiDPI canvas that fills its container's width and redraws on resize.
import { h } from '../dom.ts';

export class ResponsiveCanvas {
  readonly canvas: HTMLCanvasElement;
  private readonly resize: ResizeObserver;
  width = 0;
  height = 0;

  constructor(
    readonly host: HTMLElement,
    private readonly heightOf: (width: number) => number,
    private readonly draw: (ctx: CanvasRenderingContext2D, width: number, height: number) => void,
    label: string,
  ) {
    this.canvas = h('canvas', { role: 'img', 'aria-label': label });
    host.append(this.canvas);
    this.resize = new ResizeObserver(() => {
      if (Math.abs(host.clientWidth - this.width) > 1) this.redraw();
    });
    this.resize.observe(host);
  }

  redraw(): void {
    const width = Math.max(160, this.host.clientWidth);
    const height = this.heightOf(width);
    const dpr = window.devicePixelRatio || 1;
    if (width !== this.width || height !== this.height) {
      this.width = width;
      this.height = height;
      this.canvas.width = Math.round(width * dpr);
      this.canvas.height = Math.round(height * dpr);
      this.canvas.style.width = `${width}px`;
      this.canvas.style.height = `${height}px`;
    }
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    this.draw(ctx, width, height);
  }

  destroy(): void {
    this.resize.disconnect();
    this.canvas.remove();
  }
}

/** Theme colours, read from the page's CSS variables so the canvases match the rest. */
export function theme() {
  const s = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => s.getPropertyValue(name).trim() || fallback;
  return {
    text: v('--text', '#1d2330'),
    muted: v('--muted', '#5b6475'),
    grid: v('--grid', '#e6e9ef'),
    axis: v('--border', '#c9ced8'),
    font: `12px ${v('--font', 'system-ui, sans-serif')}`,
  };
}

/** "1e-5"-style label of 10^e. */
export function powerLabel(e: number): string {
  return e === 0 ? '1' : e === 1 ? '10' : `1e${e}`;
}

/** About `count` round ticks between lo and hi (1, 2, 5 × 10^k steps). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step)
    ticks.push(Number(t.toPrecision(12)));
  return ticks;
}
