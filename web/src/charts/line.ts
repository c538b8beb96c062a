// Line charts on uPlot: step on x (integer ticks), linear or log10 y (decade ticks over any range, 1e-300…1e300),
// red markers at steps that blew up (NaN/±Infinity), sized to their container and redrawn on resize.
import uPlot from 'uplot';
import { h } from '../dom.ts';
import { fmt } from '../format.ts';

export interface LineSeries {
  label: string;
  color: string;
  width?: number;
  dash?: number[];
  /** Draw across nulls (sparse series such as accuracy). */
  spanGaps?: boolean;
}

export interface LineChartOptions {
  /** Accessible name of the chart. */
  label: string;
  yLabel: string;
  xLabel?: string;
  log?: boolean;
  /** Fixed y range of a linear axis (e.g. [0, 1] for accuracy). */
  yRange?: [number, number];
  series: LineSeries[];
  height?: number;
  /** uPlot's legend with live values (off for many series: the caller shows a colour ramp instead). */
  legend?: boolean;
  /** Steps to mark as non-finite (a blow-up: the series have no value there), read at every draw. */
  nonFinite?: () => readonly number[];
  /** The user dragged a step range to zoom in ([from, to]), or double-clicked back out (null). */
  onZoom?: (range: [number, number] | null) => void;
}

/** Steps are integers: x ticks never fall between two. */
const STEP_INCRS = Array.from({ length: 28 }, (_, i) => [1, 2, 5][i % 3] * 10 ** Math.floor(i / 3));
/**
 * Increments uPlot may pick for a log axis. Its own stop at 1e16, and over a wider range (a diverged loss,
 * 1e3…1e245) it finds none and draws no tick at all; our splits ignore which one it picks.
 */
const LOG_INCRS = Array.from({ length: 601 }, (_, i) => 10 ** (i - 300));
/** Pixels per labelled decade of a log axis: over a huge range only every k-th decade is ticked. */
const DECADE_TICK_PX = 28;

export type Columns = [number[], ...(number | null)[][]];

/** Powers of ten in [min, max], every k-th decade so that about `room` fit. */
export function decadeSplits(min: number, max: number, room: number): number[] {
  if (!(min > 0) || !(max > 0) || !Number.isFinite(min) || !Number.isFinite(max)) return [];
  const lo = Math.ceil(Math.log10(min) - 1e-9);
  const hi = Math.floor(Math.log10(max) + 1e-9);
  const every = Math.max(1, Math.ceil((hi - lo + 1) / Math.max(2, room)));
  const splits: number[] = [];
  for (let e = Math.ceil(lo / every) * every; e <= hi; e += every) splits.push(10 ** e);
  return splits;
}

function logRange(min: number | null, max: number | null): [number, number] {
  if (min === null || max === null || !(min > 0) || !Number.isFinite(max)) return [0.1, 10];
  const lo = 10 ** Math.floor(Math.log10(min));
  let hi = 10 ** Math.ceil(Math.log10(max));
  if (hi <= lo) hi = lo * 10;
  return [lo, hi];
}

export class LineChart {
  readonly el: HTMLElement;
  private readonly plot: uPlot;
  private readonly resize: ResizeObserver;
  private readonly readout: HTMLElement;
  private readonly nonFinite: () => readonly number[];

  constructor(container: HTMLElement, o: LineChartOptions, data: Columns) {
    const height = o.height ?? 240;
    const plotHost = h('div.plot');
    this.readout = h('div.readout', { 'aria-live': 'off' });
    this.el = h('figure.chart', { role: 'group', 'aria-label': o.label }, plotHost, this.readout);
    container.append(this.el);
    const width = Math.max(200, container.clientWidth || 600);
    const yAxis: uPlot.Axis = {
      label: o.yLabel,
      labelSize: 18,
      size: 60,
      ...(o.log
        ? {
            incrs: LOG_INCRS,
            splits: (u: uPlot, _axis: number, min: number, max: number) =>
              decadeSplits(min, max, Math.floor(u.bbox.height / devicePixelRatio / DECADE_TICK_PX)),
            // uPlot's own log filter drops (nulls) decades it cannot round beyond 1e±16: keep them all.
            filter: (_u: uPlot, splits: number[]) => splits,
            values: (_u: uPlot, splits: number[]) =>
              this.labelled(
                'y',
                splits.map((v) => fmt(v, 1)),
              ),
          }
        : {
            values: (_u: uPlot, splits: number[]) =>
              this.labelled(
                'y',
                splits.map((v) => fmt(v)),
              ),
          }),
    };
    const opts: uPlot.Options = {
      width,
      height,
      padding: [8, 12, 0, 0],
      legend: { show: o.legend ?? o.series.length <= 8, live: true },
      cursor: { focus: { prox: 24 }, drag: { x: true, y: false } },
      focus: { alpha: 0.25 },
      scales: {
        x: { time: false },
        y: o.log
          ? { distr: 3, log: 10, range: (_u, min, max) => logRange(min, max) }
          : o.yRange
            ? { range: () => o.yRange! }
            : {},
      },
      axes: [
        {
          label: o.xLabel ?? 'step',
          labelSize: 18,
          incrs: STEP_INCRS,
          values: (_u, s) =>
            this.labelled(
              'x',
              s.map((v) => (Math.abs(v) >= 1e5 ? fmt(v) : v.toLocaleString('en-US'))),
            ),
        },
        yAxis,
      ],
      series: [
        { label: o.xLabel ?? 'step', value: (_u, v) => (v === null ? '—' : fmt(v)) },
        ...o.series.map(
          (s): uPlot.Series => ({
            label: s.label,
            stroke: s.color,
            width: s.width ?? 1.5,
            dash: s.dash,
            spanGaps: s.spanGaps ?? false,
            points: { show: false },
            value: (_u, v) => fmt(v),
          }),
        ),
      ],
      hooks: {
        draw: [(u) => this.drawNonFinite(u)],
        // A drag selects a range and uPlot zooms to it; a double-click resets the scale to the data.
        setSelect: [
          (u) => {
            if (u.select.width < 2 || !o.onZoom) return;
            const from = Math.max(0, Math.floor(u.posToVal(u.select.left, 'x')));
            const to = Math.ceil(u.posToVal(u.select.left + u.select.width, 'x'));
            o.onZoom([from, to]);
          },
        ],
        setSeries: [
          (u, idx, opts) => {
            if ((opts as { focus?: boolean }).focus === undefined) return;
            this.readout.textContent = idx ? `${u.series[idx].label}` : '';
          },
        ],
      },
    };
    this.nonFinite = o.nonFinite ?? (() => []);
    this.plot = new uPlot(opts, data as uPlot.AlignedData, plotHost);
    this.resize = new ResizeObserver(() => {
      const w = container.clientWidth;
      if (w > 0 && Math.abs(w - this.plot.width) > 1) this.plot.setSize({ width: w, height });
    });
    this.resize.observe(container);
    plotHost.addEventListener('dblclick', () => o.onZoom?.(null));
  }

  /** Points drawn in the first series (tests read it through data-points). */
  get points(): number {
    return this.plot.data[0]?.length ?? 0;
  }

  /** Shows `data` (a zoomed range's full detail) over exactly [from, to]. */
  showRange(data: Columns, range: [number, number]): void {
    this.setData(data, true);
    this.plot.setScale('x', { min: range[0], max: range[1] });
    this.el.dataset.zoom = `${range[0]}-${range[1]}`;
  }

  /** New data; `keepScale` keeps a zoomed x range (the zoomed detail arriving) instead of fitting the data. */
  setData(data: Columns, keepScale = false): void {
    this.plot.setData(data as uPlot.AlignedData, !keepScale);
    if (!keepScale) delete this.el.dataset.zoom;
    this.el.dataset.points = String(data[0].length);
  }

  /** Tick labels as drawn, also kept on the figure (data-x-ticks, data-y-ticks) for tests and tools. */
  private labelled(axis: 'x' | 'y', labels: string[]): string[] {
    this.el.dataset[`${axis}Ticks`] = labels.filter(Boolean).join(' ');
    return labels;
  }

  /** A dashed red line and "NaN/∞" at each step that blew up: the curve stops there because it has no value. */
  private drawNonFinite(u: uPlot): void {
    const steps = this.nonFinite();
    this.el.dataset.nonFinite = String(steps.length);
    if (steps.length === 0) return;
    const ctx = u.ctx;
    const { left, top, width, height } = u.bbox;
    ctx.save();
    ctx.strokeStyle = '#d6453d';
    ctx.fillStyle = '#d6453d';
    ctx.lineWidth = devicePixelRatio;
    ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
    ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
    ctx.textAlign = 'right';
    for (const step of steps) {
      const x = Math.round(u.valToPos(step, 'x', true));
      if (x < left - 1 || x > left + width + 1) continue;
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, top + height);
      ctx.stroke();
      // Label on the side with room: left of a line near the right edge, right of one near the left.
      const roomLeft = x - left > 140 * devicePixelRatio;
      ctx.textAlign = roomLeft ? 'right' : 'left';
      ctx.fillText(
        `NaN/∞ at step ${step.toLocaleString('en-US')}`,
        x + (roomLeft ? -4 : 4) * devicePixelRatio,
        top + 12 * devicePixelRatio,
      );
    }
    ctx.restore();
  }

  destroy(): void {
    this.resize.disconnect();
    this.plot.destroy();
    this.el.remove();
  }
}
