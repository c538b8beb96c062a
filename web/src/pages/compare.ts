import { getJson } from '../api.ts';
import { BarChart } from '../charts/bars.ts';
import { type Columns, LineChart } from '../charts/line.ts';
import { runColor } from '../colors.ts';
import { h, replaceChildren } from '../dom.ts';
import { duration, fmt, int, pct, runTitle, statusPill, verdictBadge } from '../format.ts';
import { href, type Page } from '../router.ts';
import { positive } from '../series.ts';
import { stepLayersAt } from '../step-at.ts';
import { stepPicker } from '../step-picker.ts';
import {
  isFinal,
  isProbeResult,
  type LayerField,
  type Metrics,
  type Run,
  type TrainSummary,
} from '../types.ts';
import {
  blowUps,
  type Entry,
  flowSeries,
  join,
  layerRms,
  nonFiniteSteps,
  probeField,
} from './compare-data.ts';
import { chartCard } from './panels.ts';

const REFRESH_MS = 2000;
const FIELDS: LayerField[] = ['gradNorm', 'gradRms'];

export function mountCompare(main: HTMLElement, ids: string[]): Page {
  const root = h('div.compare-page', { 'data-runs': String(ids.length) });
  replaceChildren(main, root);
  let timer: ReturnType<typeof setTimeout> | null = null;
  let destroyed = false;
  let charts: { destroy(): void }[] = [];

  if (ids.length < 1) {
    replaceChildren(
      root,
      h(
        'section.card.empty',
        {},
        h('h1', { text: 'Nothing to compare' }),
        h('p', { text: 'Select two or more runs in the list, then “Compare selected”.' }),
        h('a', { href: href.list(), text: '← All runs' }),
      ),
    );
    return { destroy() {} };
  }

  async function load(): Promise<void> {
    const settled = await Promise.allSettled(
      ids.map(async (id, i): Promise<Entry> => {
        const run = await getJson<Run>(`/v1/runs/${id}`);
        const q = new URLSearchParams({ fields: FIELDS.join(','), maxPoints: '2000' });
        const metrics = run.kind === 'train' ? await getJson<Metrics>(`/v1/runs/${id}/metrics?${q}`) : null;
        return { run, metrics, color: runColor(i) };
      }),
    );
    if (destroyed) return;
    const entries = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const missing = settled.flatMap((s, i) =>
      s.status === 'rejected' ? [`${ids[i].slice(0, 8)}: ${(s.reason as Error)?.message ?? s.reason}`] : [],
    );
    render(entries, missing);
    if (entries.some((e) => !isFinal(e.run.status))) timer = setTimeout(() => void load(), REFRESH_MS);
  }

  let shape = '';
  let updaters: ((entries: Entry[]) => void)[] = [];
  let current: Entry[] = [];
  /** Each run's ‖dW‖ per layer at the step picked for the per-layer panels (empty: each run's newest). */
  let pickedFlow = new Map<string, (number | null)[]>();
  let pickTicket = 0;
  const picker = stepPicker((step) => {
    const ticket = ++pickTicket;
    const refeed = () => {
      for (const u of updaters) u(current);
    };
    if (step === null) {
      pickedFlow = new Map();
      refeed();
      return;
    }
    const trained = current.filter((e) => e.metrics !== null);
    void Promise.all(
      trained.map(async (e) => {
        const at = await stepLayersAt(e.run.links.metrics, step, ['gradNorm']).catch(() => null);
        return [e.run.id, at ? at.layers.map((row) => row[0]) : null] as const;
      }),
    ).then((pairs) => {
      if (ticket !== pickTicket) return;
      pickedFlow = new Map(pairs.flatMap(([id, v]) => (v ? [[id, v] as [string, (number | null)[]]] : [])));
      refeed();
    });
  });
  const summary = h('div.summary-host');
  // Where the server thinned a run's history for the charts: "N of M recorded steps shown".
  const pointsNote = h('p.sub.points-note');
  function renderPointsNote(entries: Entry[]): void {
    const thinned = entries.flatMap((e) => (e.metrics?.downsampled ? [{ run: e.run, m: e.metrics }] : []));
    pointsNote.hidden = thinned.length === 0;
    pointsNote.textContent = thinned
      .map(
        ({ run, m }) =>
          `${runTitle(run)}: ${int(m.returnedSteps)} of ${int(m.recordedSteps)} recorded steps shown`,
      )
      .join(' · ');
  }

  /** Builds the charts for this set of runs, or only feeds them new data when the set has not changed. */
  function render(entries: Entry[], missing: string[]): void {
    current = entries;
    root.dataset.status = entries.map((e) => e.run.status).join(',');
    const trainedSteps = entries.flatMap((e) => e.metrics?.steps ?? []);
    if (trainedSteps.length > 0) picker.setRange(Math.min(...trainedSteps), Math.max(...trainedSteps));
    replaceChildren(summary, summaryTable(entries));
    renderPointsNote(entries);
    const next = entries
      .map((e) => `${e.run.id}:${e.metrics ? 't' : ''}${isProbeResult(e.run.result) ? 'p' : ''}`)
      .join();
    if (next === shape && missing.length === 0) {
      for (const u of updaters) u(entries);
      return;
    }
    shape = next;
    document.title = `Compare ${entries.length} runs · Gradscope`;
    for (const c of charts) c.destroy();
    charts = [];
    updaters = [];
    const grid = h('div.chart-grid');
    replaceChildren(
      root,
      h(
        'header.run-head',
        {},
        h('a.back', { href: href.list(), text: '← All runs' }),
        h('h1', { text: `Compare ${entries.length} runs` }),
      ),
      missing.length > 0 ? h('div.callout.error', { text: `Not shown: ${missing.join('; ')}` }) : null,
      summary,
      pointsNote,
      grid,
    );

    const train = (es: Entry[]) => es.filter((e) => e.metrics !== null);
    const line = (
      title: string,
      explain: string,
      data: (es: Entry[]) => Columns,
      opts: ConstructorParameters<typeof LineChart>[1],
      size: { wide?: boolean } = { wide: true },
    ) => {
      const c = chartCard(title, explain, size);
      grid.append(c.card);
      const chart = new LineChart(c.body, opts, data(entries));
      charts.push(chart);
      updaters.push((es) => chart.setData(data(es)));
    };
    const trained = train(entries);
    const classified = trained.filter((e) => e.run.spec.network.loss !== 'mse');
    const half = classified.length > 0 ? {} : { wide: true };
    if (trained.length > 0) {
      line(
        'Loss',
        'Batch loss over steps (log scale), one colour per run.',
        (es) => join(train(es).map((e) => [e.metrics!.steps, e.metrics!.loss.map(positive)])),
        {
          label: 'Loss of the runs',
          yLabel: 'loss',
          log: true,
          series: trained.map((e) => ({ label: runTitle(e.run), color: e.color, spanGaps: true })),
          nonFinite: () => nonFiniteSteps(current),
        },
        half,
      );
      if (classified.length > 0) {
        line(
          'Accuracy',
          'Solid: over the training set; dashed: over the test set (on evaluated steps).',
          (es) =>
            join(
              train(es)
                .filter((e) => e.run.spec.network.loss !== 'mse')
                .flatMap((e) => [
                  [e.metrics!.steps, e.metrics!.trainAccuracy],
                  [e.metrics!.steps, e.metrics!.testAccuracy],
                ]),
            ),
          {
            label: 'Accuracy of the runs',
            yLabel: 'accuracy',
            yRange: [0, 1],
            series: classified.flatMap((e) => [
              { label: `${runTitle(e.run)} · train`, color: e.color, spanGaps: true },
              { label: `${runTitle(e.run)} · test`, color: e.color, spanGaps: true, dash: [6, 4] },
            ]),
          },
          half,
        );
      }
      line(
        'Gradient RMS: first vs last layer',
        'Solid: the first layer (input side); dashed: the last. A widening gap is a vanishing or exploding gradient.',
        (es) =>
          join(
            train(es).flatMap((e) => [
              [e.metrics!.steps, layerRms(e.metrics!, 'first')],
              [e.metrics!.steps, layerRms(e.metrics!, 'last')],
            ]),
          ),
        {
          label: 'Gradient RMS of the first and last layer',
          yLabel: 'RMS dW',
          log: true,
          height: 280,
          series: trained.flatMap((e) => [
            { label: `${runTitle(e.run)} · layer 1`, color: e.color, spanGaps: true },
            { label: `${runTitle(e.run)} · last layer`, color: e.color, spanGaps: true, dash: [6, 4] },
          ]),
        },
      );
    }
    const probeSeries = (field: LayerField) => (es: Entry[]) =>
      es.flatMap((e) =>
        isProbeResult(e.run.result)
          ? [blowUps({ label: runTitle(e.run), color: e.color, values: probeField(e.run.result, field) })]
          : [],
      );
    const barCharts = [
      {
        title: 'Gradient flow per layer',
        explain:
          '‖dW‖ per layer: training runs at the step picked above (their newest by default), probes at initialization.',
        yLabel: '‖dW‖',
        series: (es: Entry[]) => flowSeries(es, pickedFlow),
      },
      {
        title: 'Forward: pre-activation std',
        explain: 'Probes at initialization: std of Z per layer.',
        yLabel: 'std(Z)',
        series: probeSeries('preactStd'),
      },
      {
        title: 'Backward: RMS of ∂loss/∂Z',
        explain: 'Probes at initialization: the gradient signal per layer.',
        yLabel: 'RMS δ',
        series: probeSeries('deltaRms'),
      },
    ].filter((b) => b.series(entries).length > 0);
    const layerCount = Math.max(0, ...entries.map((e) => e.run.spec.network.layers.length));
    // One chart takes the row, two share it, three share it in thirds; many layers need the whole width.
    const size =
      layerCount > 12 || barCharts.length === 1
        ? { wide: true }
        : barCharts.length === 3
          ? { third: true }
          : {};
    if (trained.length > 0) {
      grid.append(h('section.card.wide.picker-card', { 'aria-label': 'Step picker' }, picker.el));
    }
    for (const b of barCharts) {
      const c = chartCard(b.title, b.explain, size);
      grid.append(c.card);
      const chart = new BarChart(c.body, {
        label: b.title,
        yLabel: b.yLabel,
        xLabel: 'layer',
        log: true,
        height: 240,
      });
      const feed = (es: Entry[]) => {
        const s = b.series(es);
        const layers = Math.max(0, ...s.map((x) => x.values.length));
        chart.update(
          Array.from({ length: layers }, (_, l) => String(l + 1)),
          s,
        );
      };
      feed(entries);
      charts.push(chart);
      updaters.push(feed);
    }
    if (charts.length === 0) {
      grid.append(h('p.empty-note', { text: 'No charts yet: the runs have not recorded anything.' }));
      shape = '';
    }
  }

  void load().catch((err: unknown) => {
    replaceChildren(
      root,
      h('div.callout.error', { text: `Could not load: ${err instanceof Error ? err.message : err}` }),
    );
  });

  return {
    destroy() {
      destroyed = true;
      if (timer) clearTimeout(timer);
      for (const c of charts) c.destroy();
    },
  };
}

function summaryTable(entries: Entry[]): HTMLElement {
  return h(
    'section.card',
    { 'aria-label': 'Runs compared' },
    h(
      'table.runs.compact',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Run', 'Kind', 'Status', 'Verdict'].map((t) => h('th', { scope: 'col', text: t })),
          ['Loss', 'Train acc.', 'Test acc.', 'Duration'].map((t) => h('th.num', { scope: 'col', text: t })),
        ),
      ),
      h(
        'tbody',
        {},
        entries.map((e) => {
          const final = ((e.run.summary ?? {}) as TrainSummary).final;
          const probeLoss = isProbeResult(e.run.result) ? e.run.result.loss : null;
          return h(
            'tr',
            { 'data-run-id': e.run.id },
            h(
              'td.name',
              {},
              h('span.swatch', { style: `background:${e.color}`, 'aria-hidden': 'true' }),
              h('a', { href: href.run(e.run.id), text: runTitle(e.run) }),
            ),
            h('td', {}, h('span.kind', { text: e.run.kind })),
            h('td', {}, statusPill(e.run.status)),
            h(
              'td',
              {},
              verdictBadge(e.run.diagnosis?.verdict),
              h('div.sub', { text: e.run.diagnosis?.message ?? '' }),
            ),
            h('td.num', {
              text: fmt(final?.loss ?? probeLoss, 4),
              title: probeLoss !== null ? 'at initialization' : 'after the last update',
            }),
            h('td.num', { text: pct(final?.trainAccuracy) }),
            h('td.num', { text: pct(final?.testAccuracy) }),
            h('td.num', { text: duration(e.run.startedAt, e.run.finishedAt) }),
          );
        }),
      ),
    ),
  );
}
