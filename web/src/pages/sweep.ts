// A sweep's page: progress, the trainability map (for map sweeps), the sortable results table with a link to each
// run, and small multiples of the per-layer gradient profile; it follows the sweep's stream until it ends.
import { deleteResource, download, getJson, postJson, wsUrl } from '../api.ts';
import { h, replaceChildren } from '../dom.ts';
import { dateTime, fmt, pct, statusPill, verdictBadge } from '../format.ts';
import { href, navigate, type Page } from '../router.ts';
import { LiveSocket } from '../socket.ts';
import type { Sweep, SweepPoint, SweepStreamMessage } from '../types.ts';
import { MAP_MEASURES, type MapMeasure, trainabilityMap } from './sweep-map.ts';
import { profileGrid } from './sweep-profiles.ts';

type Column = {
  key: string;
  label: string;
  value(p: SweepPoint): number | string | null;
  cell(p: SweepPoint): Node | string;
};

const num = (
  key: keyof SweepPoint,
  label: string,
  show: (x: number | null) => string = (x) => fmt(x),
): Column => ({
  key,
  label,
  value: (p) => p[key] as number | null,
  cell: (p) => show(p[key] as number | null),
});

const MEASURE_COLUMNS: Column[] = [
  { key: 'status', label: 'status', value: (p) => p.status, cell: (p) => statusPill(p.status) },
  num('finalLoss', 'final loss'),
  num('trainAccuracy', 'train acc.', pct),
  num('testAccuracy', 'test acc.', pct),
  {
    key: 'verdict',
    label: 'diagnosis',
    value: (p) => p.verdict,
    cell: (p) => verdictBadge(p.verdict as Parameters<typeof verdictBadge>[0]),
  },
  num('log10GradRatio', 'log10 ∇ first/last'),
  num('stepsToTarget', 'steps to target'),
  num('divergenceStep', 'diverged at'),
];

function valueText(v: unknown): string {
  return typeof v === 'number' ? fmt(v) : typeof v === 'string' ? v : JSON.stringify(v);
}

/** Nulls last, numbers numerically, text alphabetically. */
export function compareValues(a: unknown, b: unknown): number {
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b));
}

export function mountSweep(main: HTMLElement, id: string): Page {
  const aborter = new AbortController();
  let sweep: Sweep | null = null;
  let sort: { key: string; dir: 1 | -1 } = { key: 'index', dir: 1 };
  let measure: MapMeasure | null = null;
  const head = h('section.card');
  const mapCard = h('section.card', { hidden: true });
  const table = h('table.runs', { id: 'sweep-results' });
  const profiles = h('section.card', {}, h('h2', { text: 'Gradient profile per point' }));
  const error = h('div.inline-error', { role: 'alert' });
  main.append(
    h('p', {}, h('a', { href: href.sweeps(), text: '← All sweeps' })),
    error,
    head,
    mapCard,
    h('section.card', {}, h('h2', { text: 'Results' }), h('div.table-wrap', {}, table)),
    profiles,
  );

  const columns = (s: Sweep): Column[] => [
    {
      key: 'index',
      label: '#',
      value: (p) => p.index,
      cell: (p) => h('a', { href: href.run(p.runId), text: String(p.index) }),
    },
    ...s.fields.map((f) => ({
      key: `value:${f}`,
      label: f.split('/').at(-1) ?? f,
      value: (p: SweepPoint) => p.values[f] as number | string | null,
      cell: (p: SweepPoint) => valueText(p.values[f]),
    })),
    ...MEASURE_COLUMNS,
  ];

  function renderTable(s: Sweep): void {
    const cols = columns(s);
    const col = cols.find((c) => c.key === sort.key) ?? cols[0];
    const rows = [...s.points].sort(
      (a, b) => sort.dir * compareValues(col.value(a), col.value(b)) || a.index - b.index,
    );
    replaceChildren(
      table,
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          cols.map((c) =>
            h(
              'th',
              {
                'data-key': c.key,
                'aria-sort': c.key === sort.key ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none',
              },
              h('button.sort', {
                type: 'button',
                text: `${c.label}${c.key === sort.key ? (sort.dir === 1 ? ' ▲' : ' ▼') : ''}`,
                onclick: () => {
                  sort = { key: c.key, dir: sort.key === c.key ? (sort.dir === 1 ? -1 : 1) : 1 };
                  renderTable(s);
                },
              }),
            ),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        rows.map((p) =>
          h(
            'tr',
            { 'data-index': p.index },
            cols.map((c) => h('td', {}, c.cell(p))),
          ),
        ),
      ),
    );
  }

  function renderMap(s: Sweep): void {
    if (!s.map) return;
    mapCard.hidden = false;
    measure ??= s.map.cell === 'probe' ? 'log10GradRatio' : 'finalLoss';
    const select = h(
      'select',
      {
        id: 'map-measure',
        'aria-label': 'colour the map by',
        onchange: (e: Event) => {
          measure = (e.target as HTMLSelectElement).value as MapMeasure;
          renderMap(s);
        },
      },
      MAP_MEASURES.map((m) => h('option', { value: m.key, text: m.label, selected: m.key === measure })),
    );
    replaceChildren(
      mapCard,
      h(
        'div.card-head',
        {},
        h('h2', { text: `Trainability map: ${s.map.activation}, width ${s.map.width}` }),
        select,
      ),
      h('p.explain', {
        text:
          'Rows are depths, columns σ_w² (weights N(0, σ_w²/fan_in), zero bias). White dashes: the critical line χ₁ = 1 ' +
          'of the mean-field theory; red: the depth limit 6·ξ_c.',
      }),
      trainabilityMap(s.map, s.points, measure),
    );
  }

  function renderHead(s: Sweep): void {
    const p = s.progress;
    const finished = p.done >= p.total;
    replaceChildren(
      head,
      h(
        'div.card-head',
        {},
        h('h1', { text: s.name ?? `sweep ${s.id.slice(0, 8)}` }),
        h('span.pill', { text: s.status, 'data-status': s.status, id: 'sweep-status' }),
      ),
      h(
        'p',
        {},
        `${s.kind} · ${p.total} points · ${p.done} done (${p.succeeded} succeeded, ${p.failed} failed, ${p.diverged} diverged, ` +
          `${p.cancelled} cancelled) · ${p.running} running · at most ${s.maxConcurrent} at once · created ${dateTime(s.createdAt)}`,
      ),
      h(
        'div.actions',
        {},
        h('button.secondary', {
          type: 'button',
          text: 'Download CSV',
          onclick: () => void download(`/v1/sweeps/${s.id}?format=csv`, `sweep-${s.id}.csv`, 'text/csv'),
        }),
        finished
          ? h('button.danger', {
              type: 'button',
              text: 'Delete sweep',
              onclick: async () => {
                if (!confirm('Delete this sweep and all its runs?')) return;
                await deleteResource(`/v1/sweeps/${s.id}`).catch(
                  (e: Error) => (error.textContent = e.message),
                );
                navigate(href.sweeps());
              },
            })
          : h('button.danger', {
              type: 'button',
              text: 'Cancel sweep',
              onclick: () =>
                void postJson(`/v1/sweeps/${s.id}/cancel`).catch(
                  (e: Error) => (error.textContent = e.message),
                ),
            }),
      ),
    );
  }

  let pending: ReturnType<typeof setTimeout> | null = null;
  let profilesDrawn = false;
  async function load(): Promise<void> {
    try {
      sweep = await getJson<Sweep>(`/v1/sweeps/${id}`, aborter.signal);
    } catch (e) {
      if (!aborter.signal.aborted) error.textContent = (e as Error).message;
      return;
    }
    renderHead(sweep);
    renderMap(sweep);
    renderTable(sweep);
    const finished = sweep.progress.done >= sweep.progress.total;
    if (finished && !profilesDrawn) {
      profilesDrawn = true;
      replaceChildren(
        profiles,
        h('h2', { text: 'Gradient profile per point (∂loss/∂Z RMS by layer at initialization, log scale)' }),
        profileGrid(sweep.points, aborter.signal),
      );
    }
  }
  /** Reloads at most once a second while point results stream in. */
  const reload = () => {
    if (pending) return;
    pending = setTimeout(() => {
      pending = null;
      void load();
    }, 1000);
  };
  void load();
  const socket = new LiveSocket<SweepStreamMessage>({
    url: () => wsUrl(`/v1/sweeps/${id}/stream`),
    onMessage: (m) => {
      if (m.type === 'point') reload();
      if (m.type === 'end') {
        socket.finish();
        void load();
      }
    },
  });
  return {
    destroy() {
      aborter.abort();
      socket.close();
      if (pending) clearTimeout(pending);
    },
  };
}
