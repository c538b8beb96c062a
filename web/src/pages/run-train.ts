// The live charts of a training run: loss, accuracy, per-layer gradient norms, the gradient heatmap, and bars of
// the newest step or of a step the user picks. Built once from the stream's hello, redrawn from RunData at most
// once per frame.
import { BarChart, histogramGrid } from '../charts/bars.ts';
import { Heatmap } from '../charts/heatmap.ts';
import { LineChart } from '../charts/line.ts';
import { depthColor, RUN_COLORS } from '../colors.ts';
import { h } from '../dom.ts';
import { int } from '../format.ts';
import { RunData, type StepLayers } from '../run-data.ts';
import { type StepPicker, stepPicker } from '../step-picker.ts';
import type { HistoryArrays } from '../types.ts';
import { chartCard, depthLegend } from './panels.ts';

export class TrainCharts {
  readonly el = h('div.chart-grid');
  private readonly loss: LineChart;
  private readonly accuracy: LineChart | null;
  private readonly norms: LineChart;
  private readonly heatmap: Heatmap;
  private readonly flow: BarChart;
  private readonly units: BarChart;
  private readonly update: BarChart;
  private readonly titles: { flow: HTMLElement; units: HTMLElement; update: HTMLElement; hist: HTMLElement };
  private readonly histBody: HTMLElement;
  private readonly histCard: HTMLElement;
  private histStep = -1;
  private readonly layerNames: string[];
  private readonly picker: StepPicker;
  /** The step the per-layer panels show instead of the newest, once loaded. */
  private pinned: StepLayers | null = null;
  /** A zoomed step range at full resolution (loaded from the server), shown instead of the overview. */
  private zoomed: { range: [number, number]; data: RunData } | null = null;
  private zoomTicket = 0;
  /** Frames of a redraw still to come (cancelled by the next redraw). */
  private deferred: number[] = [];
  /** The data version the line charts and the heatmap show (RunData.version). */
  private drawn = -1;

  /** `host` must be in the document: the charts size themselves to it. */
  constructor(
    host: HTMLElement,
    private readonly data: RunData,
    hasAccuracy: boolean,
    loadStep: (step: number) => Promise<StepLayers | null>,
    private readonly loadRange: (from: number, to: number) => Promise<HistoryArrays>,
  ) {
    host.append(this.el);
    const L = data.layerCount;
    const depth = (l: number) => depthColor(l, L);
    this.layerNames = Array.from({ length: L }, (_, l) => String(l + 1));

    const loss = chartCard('Loss', 'Batch loss before each update (log scale).');
    const acc = chartCard(
      'Accuracy',
      hasAccuracy
        ? 'Over the whole training and test sets, on evaluated steps.'
        : 'mse runs have no accuracy.',
    );
    const norms = chartCard(
      'Gradient norm per layer',
      '‖dW‖ of every layer over the steps (log scale): curves spreading apart by decades mean the gradient ' +
        'vanishes or explodes with depth. Thick grey: ‖∇θ‖ of all parameters.',
      { wide: true },
    );
    const heat = chartCard(
      'Gradient RMS heatmap',
      'log10 √(mean dW²) per layer (rows) and step (columns). A dark band toward the input is a vanishing ' +
        'gradient; a bright or red one an exploding gradient.',
      { wide: true },
    );
    const flow = chartCard('Gradient flow', '‖dW‖ per layer at the step picked above (log scale).', {
      third: true,
    });
    let asked = 0;
    this.picker = stepPicker((step) => {
      const ticket = ++asked;
      if (step === null) {
        this.pinned = null;
        this.redraw();
        return;
      }
      void loadStep(step).then((layers) => {
        if (ticket !== asked) return; // a later pick won
        this.pinned = layers;
        this.redraw();
      });
    });
    const units = chartCard(
      'Saturated and dead units',
      'Saturated: |tanh| > 0.99 or σ outside [0.01, 0.99]; dead: ReLU units ≤ 0 on the whole batch. Grey tick: n/a.',
      { third: true },
    );
    const update = chartCard(
      'Update ratio',
      '‖ΔW‖ / ‖W‖ per layer at the step picked above: about 1e-3 is the usual healthy range.',
      { third: true },
    );
    const hist = chartCard('Weight-gradient histograms', '', { wide: true });
    this.titles = { flow: flow.title, units: units.title, update: update.title, hist: hist.title };
    this.histBody = hist.body;
    this.histCard = hist.card;
    this.histCard.hidden = true;
    norms.body.append(depthLegend(L));
    const pickerRow = h('section.card.wide.picker-card', { 'aria-label': 'Step picker' }, this.picker.el);
    this.el.append(
      loss.card,
      acc.card,
      norms.card,
      heat.card,
      pickerRow,
      flow.card,
      units.card,
      update.card,
      hist.card,
    );

    this.loss = new LineChart(
      loss.body,
      {
        label: 'Loss over steps',
        yLabel: 'loss',
        log: true,
        series: [{ label: 'loss', color: RUN_COLORS[0] }],
        nonFinite: () => data.nonFiniteSteps,
        onZoom: (range) => this.zoom(range),
      },
      // Empty at first: the first redraw fills the charts, one per frame (a big history is no single long task).
      emptyColumns(1),
    );
    this.accuracy = hasAccuracy
      ? new LineChart(
          acc.body,
          {
            label: 'Accuracy over steps',
            yLabel: 'accuracy',
            yRange: [0, 1],
            series: [
              { label: 'train', color: RUN_COLORS[0], spanGaps: true },
              { label: 'test', color: RUN_COLORS[1], spanGaps: true, dash: [6, 3] },
            ],
          },
          emptyColumns(2),
        )
      : null;
    if (!hasAccuracy) acc.card.classList.add('muted');
    this.norms = new LineChart(
      norms.body,
      {
        label: 'Gradient norm per layer over steps',
        yLabel: '‖dW‖',
        log: true,
        height: 300,
        legend: L <= 6,
        series: [
          // Width-1 solid lines: many series stay cheap to rasterize (hairlines), even without a GPU.
          ...this.layerNames.map((name, l) => ({ label: `layer ${name}`, color: depth(l), width: 1 })),
          { label: '‖∇θ‖ all', color: '#9aa1ad', width: 2 },
        ],
        nonFinite: () => data.nonFiniteSteps,
        onZoom: (range) => this.zoom(range),
      },
      emptyColumns(L + 1),
    );
    this.heatmap = new Heatmap(heat.body, {
      label: 'Gradient RMS per layer and step',
      quantity: 'gradient RMS',
    });
    this.flow = new BarChart(flow.body, {
      label: 'Gradient norm per layer',
      yLabel: '‖dW‖',
      xLabel: 'layer',
      log: true,
    });
    this.units = new BarChart(units.body, {
      label: 'Saturated and dead fractions per layer',
      yLabel: 'fraction',
      xLabel: 'layer',
      log: false,
      yMax: 1,
    });
    this.update = new BarChart(update.body, {
      label: 'Update ratio per layer',
      yLabel: '‖ΔW‖/‖W‖',
      xLabel: 'layer',
      log: true,
    });
  }

  /** Redraws every chart from the data (called at most once per animation frame). */
  redraw(): void {
    const d = this.data;
    const L = d.layerCount;
    const depth = (l: number) => depthColor(l, L);
    // The line charts and the heatmap only when the data moved (the per-layer panels below may move alone).
    if (d.version !== this.drawn) {
      this.drawn = d.version;
      if (!this.zoomed) this.loss.setData(d.lossColumns());
      this.accuracy?.setData(d.accuracy.aligned());
      // The two charts of every layer draw in the next two frames: one long task (a big history) becomes three.
      for (const id of this.deferred) cancelAnimationFrame(id);
      this.deferred = [
        requestAnimationFrame(() => {
          if (!this.zoomed) this.norms.setData(d.layerNormColumns());
          this.deferred[1] = requestAnimationFrame(() =>
            this.heatmap.update({ x: d.main.x, rows: d.rmsRows() }),
          );
        }),
      ];
    }
    if (d.main.length > 0) this.picker.setRange(d.main.x[0], d.lastStep);
    const at = this.pinned;
    const shown = at?.step ?? d.latest?.step;
    const step = shown === undefined ? '' : `step ${int(shown)}`;
    this.titles.flow.textContent = `Gradient flow ${step && `at ${step}`}`;
    this.titles.units.textContent = `Saturated and dead units ${step && `at ${step}`}`;
    this.titles.update.textContent = `Update ratio ${step && `at ${step}`}`;
    const blewUp = d.nonFiniteLayers(at);
    this.flow.update(
      this.layerNames,
      [{ label: '‖dW‖', values: d.latestField('gradNorm', at), color: depth }],
      '',
      blewUp,
    );
    this.units.update(this.layerNames, [
      { label: 'saturated', values: d.latestField('saturatedFrac', at), color: RUN_COLORS[1] },
      { label: 'dead', values: d.latestField('deadFrac', at), color: RUN_COLORS[0] },
    ]);
    this.update.update(
      this.layerNames,
      [{ label: '‖ΔW‖/‖W‖', values: d.latestField('updateRatio', at), color: depth }],
      '',
      blewUp,
    );
    const hist = d.latestHistograms;
    if (hist && hist.step !== this.histStep) {
      this.histStep = hist.step;
      this.histCard.hidden = false;
      this.titles.hist.textContent = `Weight-gradient histograms at step ${int(hist.step)}`;
      this.histBody.replaceChildren(
        histogramGrid(hist.histograms.data, {
          logScale: hist.histograms.logScale,
          color: depth,
          what: 'weight-gradient histogram',
        }),
      );
    }
  }

  /**
   * Zooms the loss and norm charts to a step range, at full resolution: the overview holds at most 2,000 points
   * (min/max pairs of buckets), so the range is asked of the server again. null goes back to the overview.
   */
  private zoom(range: [number, number] | null): void {
    const ticket = ++this.zoomTicket;
    if (range === null) {
      this.zoomed = null;
      this.loss.setData(this.data.lossColumns());
      this.norms.setData(this.data.layerNormColumns());
      return;
    }
    void this.loadRange(range[0], range[1]).then(
      (h) => {
        if (ticket !== this.zoomTicket) return;
        const detail = new RunData(this.data.hello);
        detail.loadHistory(h);
        this.zoomed = { range, data: detail };
        this.loss.showRange(detail.lossColumns(), range);
        this.norms.showRange(detail.layerNormColumns(), range);
      },
      () => undefined, // the overview stays, merely zoomed
    );
  }

  destroy(): void {
    for (const id of this.deferred) cancelAnimationFrame(id);
    for (const c of [
      this.loss,
      this.accuracy,
      this.norms,
      this.heatmap,
      this.flow,
      this.units,
      this.update,
    ]) {
      c?.destroy();
    }
    this.el.remove();
  }
}

/** x and `series` empty columns: a chart with nothing drawn yet. */
function emptyColumns(series: number): [number[], ...(number | null)[][]] {
  return [[], ...Array.from({ length: series }, () => [])];
}
