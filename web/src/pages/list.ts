// The home page: every run with its live status (firehose), paged with "load more", selectable for
// comparison; beside it the new-run panel.
import { getJson, wsUrl } from '../api.ts';
import { h, replaceChildren } from '../dom.ts';
import { dateTime, fmt, progressBar, runTitle, statusPill, verdictBadge } from '../format.ts';
import { href, navigate, type Page } from '../router.ts';
import { LiveSocket, type SocketState } from '../socket.ts';
import {
  type FirehoseMessage,
  isGradcheckResult,
  RUN_STATUSES,
  type RunList,
  type RunListItem,
} from '../types.ts';
import { submitPanel } from './submit.ts';

const PAGE_SIZE = 25;
const KINDS = ['train', 'probe', 'gradcheck'];

/** The diagnosis verdict, or for a finished gradient check its pass/warn/fail. */
function verdictOf(run: RunListItem): HTMLElement {
  if (isGradcheckResult(run.result)) {
    const r = run.result;
    return h(`span.pill.check-${r.verdict}`, { text: r.verdict, title: `difference ${fmt(r.difference)}` });
  }
  return verdictBadge(run.diagnosis?.verdict);
}

export function mountList(main: HTMLElement, preset: string | null): Page {
  const runs = new Map<string, { run: RunListItem; row: HTMLTableRowElement }>();
  const selected = new Set<string>();
  let cursor: string | null = null;
  let filter = { status: '', kind: '', name: '' };

  const tbody = h('tbody');
  const empty = h('p.empty-note', { text: 'Loading runs…' });
  const loadMore = h('button.secondary', { type: 'button', text: 'Load more', hidden: true });
  const compare = h('button', { type: 'button', disabled: true, id: 'compare-selected' });
  const live = h('span.live', { 'data-state': 'connecting', text: 'connecting…' });
  const status = h('div.inline-error', { role: 'alert' });

  // The same test as the API's `?name=` (a case-insensitive substring), for runs the firehose brings.
  const matches = (run: RunListItem) =>
    (!filter.status || run.status === filter.status) &&
    (!filter.kind || run.kind === filter.kind) &&
    (!filter.name || (run.name ?? '').toLowerCase().includes(filter.name.toLowerCase()));

  function updateCompare() {
    compare.textContent = `Compare selected (${selected.size})`;
    compare.disabled = selected.size < 2;
  }
  updateCompare();

  function cells(run: RunListItem): HTMLElement[] {
    return [
      h(
        'td.name',
        {},
        h('a', { href: href.run(run.id), text: runTitle(run) }),
        h('div.sub', { text: run.id.slice(0, 8) }),
      ),
      h('td', {}, h('span.kind', { text: run.kind })),
      h('td', {}, statusPill(run.status)),
      h('td.progress-cell', {}, progressBar(run)),
      h('td', {}, verdictOf(run)),
      h('td.time', { text: dateTime(run.createdAt), title: run.createdAt }),
    ];
  }

  function upsert(run: RunListItem, position: 'sorted' | 'end') {
    const known = runs.get(run.id);
    if (known) {
      known.run = run;
      // Keep the checkbox cell (and its focus); redraw the rest.
      while (known.row.cells.length > 1) known.row.deleteCell(1);
      known.row.append(...cells(run));
      known.row.dataset.status = run.status;
      return;
    }
    const box = h('input', {
      type: 'checkbox',
      'aria-label': `select ${runTitle(run)} for comparison`,
      checked: selected.has(run.id),
    });
    box.addEventListener('change', () => {
      if (box.checked) selected.add(run.id);
      else selected.delete(run.id);
      updateCompare();
    });
    const row = h(
      'tr',
      { 'data-run-id': run.id, 'data-status': run.status },
      h('td.select', {}, box),
      ...cells(run),
    );
    runs.set(run.id, { run, row });
    // Newest first: a run that arrives live goes above the first older row.
    const older =
      position === 'sorted'
        ? [...tbody.rows].find((r) => (runs.get(r.dataset.runId ?? '')?.run.createdAt ?? '') < run.createdAt)
        : undefined;
    if (older) tbody.insertBefore(row, older);
    else tbody.append(row);
    empty.hidden = true;
  }

  function remove(id: string) {
    runs.get(id)?.row.remove();
    runs.delete(id);
    selected.delete(id);
    updateCompare();
    if (runs.size === 0) {
      empty.hidden = false;
      empty.textContent = 'No runs yet: pick a preset and submit one.';
    }
  }

  async function loadPage(reset: boolean) {
    const q = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (filter.status) q.set('status', filter.status);
    if (filter.kind) q.set('kind', filter.kind);
    if (filter.name) q.set('name', filter.name);
    if (!reset && cursor) q.set('cursor', cursor);
    loadMore.disabled = true;
    try {
      const page = await getJson<RunList>(`/v1/runs?${q}`);
      if (reset) {
        for (const id of [...runs.keys()]) if (!page.items.some((r) => r.id === id)) remove(id);
      }
      for (const run of page.items) upsert(run, 'end');
      // After a reset the rows follow the server's order (newest first).
      if (reset) for (const run of page.items) tbody.append(runs.get(run.id)!.row);
      cursor = page.nextCursor;
      loadMore.hidden = cursor === null;
      status.textContent = '';
      if (runs.size === 0) {
        empty.hidden = false;
        empty.textContent =
          filter.status || filter.kind || filter.name
            ? 'No run matches the filter.'
            : 'No runs yet: pick a preset and submit one.';
      }
    } catch (err) {
      status.textContent = `Could not load runs: ${err instanceof Error ? err.message : String(err)}`;
      empty.hidden = runs.size > 0;
      empty.textContent = '';
    } finally {
      loadMore.disabled = false;
    }
  }

  loadMore.addEventListener('click', () => void loadPage(false));
  compare.addEventListener('click', () => navigate(href.compare([...selected])));

  const filterSelect = (name: 'status' | 'kind', options: readonly string[]) => {
    const select = h(
      'select',
      { id: `filter-${name}`, name },
      h('option', { value: '', text: `any ${name}` }),
      ...options.map((o) => h('option', { value: o, text: o })),
    );
    select.addEventListener('change', () => {
      filter = { ...filter, [name]: select.value };
      cursor = null;
      void loadPage(true);
    });
    return h('label.filter', {}, h('span.visually-hidden', { text: `Filter by ${name}` }), select);
  };

  const search = h('input', {
    type: 'search',
    id: 'filter-name',
    placeholder: 'Search names…',
    'aria-label': 'Search runs by name',
  });
  let searchTimer: ReturnType<typeof setTimeout> | null = null;
  search.addEventListener('input', () => {
    if (searchTimer) clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      filter = { ...filter, name: search.value.trim() };
      cursor = null;
      void loadPage(true);
    }, 250);
  });

  const socket = new LiveSocket<FirehoseMessage>({
    url: () => wsUrl('/v1/stream'),
    onState(state: SocketState) {
      live.dataset.state = state;
      live.textContent = state === 'open' ? 'live' : state === 'closed' ? 'offline' : `${state}…`;
    },
    // Events may have been missed while disconnected: resync the first page.
    onReconnect: () => void loadPage(true),
    onMessage(m) {
      if (m.type !== 'run') return;
      if (m.event === 'deleted' || !matches(m.run)) {
        if (runs.has(m.run.id)) remove(m.run.id);
        return;
      }
      // A run we have not listed and that is older than the loaded pages belongs to "load more".
      if (!runs.has(m.run.id) && m.event !== 'created' && cursor !== null) {
        const oldest = [...runs.values()].reduce<string | null>(
          (min, r) => (min === null || r.run.createdAt < min ? r.run.createdAt : min),
          null,
        );
        if (oldest !== null && m.run.createdAt < oldest) return;
      }
      upsert(m.run, 'sorted');
    },
  });

  const table = h(
    'table.runs',
    {},
    h('caption.visually-hidden', { text: 'Runs, newest first' }),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, h('span.visually-hidden', { text: 'Select' })),
        ...['Name', 'Kind', 'Status', 'Progress', 'Verdict', 'Created'].map((t) =>
          h('th', { scope: 'col', text: t }),
        ),
      ),
    ),
    tbody,
  );

  const list = h(
    'section.card.run-list',
    { 'aria-labelledby': 'runs-title' },
    h(
      'div.card-head',
      {},
      h('h2', { id: 'runs-title' }, 'Runs ', live),
      h(
        'div.toolbar',
        {},
        search,
        filterSelect('status', RUN_STATUSES),
        filterSelect('kind', KINDS),
        compare,
      ),
    ),
    status,
    h('div.table-wrap', {}, table),
    empty,
    h('div.more', {}, loadMore),
  );

  document.title = 'Gradscope';
  replaceChildren(main, h('div.home', {}, list, submitPanel(preset)));
  void loadPage(true);

  return {
    destroy() {
      if (searchTimer) clearTimeout(searchTimer);
      socket.close();
    },
  };
}
