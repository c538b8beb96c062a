// Line charts on uPlot: step on x, linear or log10 y, sized to their container and redrawn on resize.
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
}

export type Columns = [number[], ...(number | null)[][]];

/** Labels only on powers of ten, and only every k-th of them when there are many. */
function logTickLabels(splits: number[], room: number): string[] {
  const decades = splits.filter((v) => Number.isInteger(Math.round(Math.log10(v) * 1e6) / 1e6));
  const every = Math.max(1, Math.ceil(decades.length / Math.max(2, room)));
  return splits.map((v) => {
    const e = Math.log10(v);
    if (Math.abs(e - Math.round(e)) > 1e-6) return '';
    return Math.round(e) % every === 0 ? fmt(v, 1) : '';
  });
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
      size: 56,
      values: o.log
        ? (u, splits) => logTickLabels(splits, Math.floor(u.bbox.height / devicePixelRatio / 22))
        : (_u, splits) => splits.map((v) => fmt(v)),
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
      axes: [{ label: o.xLabel ?? 'step', labelSize: 18, values: (_u, s) => s.map((v) => fmt(v)) }, yAxis],
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
        setSeries: [
          (u, idx, opts) => {
            if ((opts as { focus?: boolean }).focus === undefined) return;
            this.readout.textContent = idx ? `${u.series[idx].label}` : '';
          },
        ],
      },
    };
    this.plot = new uPlot(opts, data as uPlot.AlignedData, plotHost);
    this.resize = new ResizeObserver(() => {
      const w = container.clientWidth;
      if (w > 0 && Math.abs(w - this.plot.width) > 1) this.plot.setSize({ width: w, height });
    });
    this.resize.observe(container);
  }

  /** Points drawn in the first series (tests read it through data-points). */
  get points(): number {
    return this.plot.data[0]?.length ?? 0;
  }

  setData(data: Columns): void {
    this.plot.setData(data as uPlot.AlignedData);
    this.el.dataset.points = String(data[0].length);
  }

  destroy(): void {
    this.resize.disconnect();
    this.plot.destroy();
    this.el.remove();
  }
}
