// A run's page: header, diagnosis and numbers, then its charts (training, live over the run stream) or its
// result (probe, gradient check). A training run's history comes in one downsampled request, then the stream
// from its last step on gives live steps; a dropped socket resumes from the step after the last one received.
import { DEFAULTS } from '../../../src/core/index.ts';
import { ApiError, deleteResource, download, getHistory, getJson, postJson, wsUrl } from '../api.ts';
import { frameThrottle, h, replaceChildren } from '../dom.ts';
import { dateTime, int, runTitle, statusPill, verdictBadge } from '../format.ts';
import { href, navigate, type Page } from '../router.ts';
import { RunData } from '../run-data.ts';
import { LiveSocket, type SocketState } from '../socket.ts';
import { stepLayersAt } from '../step-at.ts';
import {
  type HistoryArrays,
  isFinal,
  isGradcheckResult,
  isProbeResult,
  type Metrics,
  type NamedRunSpec,
  type Run,
  type RunListItem,
  type RunStreamMessage,
} from '../types.ts';
import { gradcheckView, probeView } from './run-results.ts';
import { runCallouts, runStats } from './run-summary.ts';
import { TrainCharts } from './run-train.ts';

/** Above this many recorded steps, ask the server for every k-th only (the page keeps ~2,000 anyway). */
const THIN_ABOVE = 4000;
/** Points of the history request: the page keeps at most 2,000 per series. */
const HISTORY_POINTS = 2000;

/** The stream's `every` for a training run with many recorded steps: a multiple of its telemetry interval. */
function streamEvery(spec: NamedRunSpec, totalSteps: number): number | undefined {
  if (spec.kind !== 'train') return undefined;
  const telemetry = spec.telemetry?.every ?? DEFAULTS.telemetryEvery;
  const recorded = Math.ceil(totalSteps / telemetry) + 1;
  return recorded > THIN_ABOVE ? telemetry * Math.ceil(recorded / (THIN_ABOVE / 2)) : undefined;
}

export function mountRun(main: HTMLElement, id: string): Page {
  const root = h('div.run-page', { 'data-run-id': id, 'data-steps-received': '0' });
  replaceChildren(main, root, h('p.empty-note', { text: 'Loading run…' }));
  let destroyed = false;
  let teardown: (() => void) | null = null;

  getJson<Run>(`/v1/runs/${id}`).then(
    (run) => {
      if (destroyed) return;
      main.querySelector('.empty-note')?.remove();
      teardown = showRun(root, run);
    },
    (err: unknown) => {
      if (destroyed) return;
      const notFound = err instanceof ApiError && err.status === 404;
      replaceChildren(
        main,
        h(
          'section.card.empty',
          {},
          h('h1', { text: notFound ? 'No such run' : 'Could not load the run' }),
          h('p', { text: err instanceof Error ? err.message : String(err) }),
          h('a', { href: href.list(), text: '← All runs' }),
        ),
      );
    },
  );

  return {
    destroy() {
      destroyed = true;
      teardown?.();
    },
  };
}

function showRun(root: HTMLElement, run: Run): () => void {
  const spec = run.spec;
  let item: RunListItem = run;
  let data: RunData | null = null;
  let charts: TrainCharts | null = null;
  let resultShown = false;
  const destroyers: (() => void)[] = [];

  const head = h('header.run-head');
  const callouts = h('div.callouts');
  const stats = h('div.stats', { 'aria-label': 'Summary' });
  const notice = h('div.notice', { role: 'status', hidden: true });
  const toast = h('div.toast', { role: 'status', 'aria-live': 'polite' });
  const body = h('div.run-body');
  const conn = h('span.live', { 'data-state': 'connecting', text: 'connecting…' });
  const specBlock = h(
    'details.card.spec',
    {},
    h('summary', { text: 'Spec' }),
    h('pre.code', { text: JSON.stringify(spec, null, 2) }),
  );
  replaceChildren(root, head, callouts, stats, notice, toast, body, specBlock);

  const act = (label: string, fn: () => Promise<void>, opts: { danger?: boolean } = {}) =>
    h(`button${opts.danger ? '.danger' : '.secondary'}`, {
      type: 'button',
      text: label,
      onclick: async (e: Event) => {
        const button = e.currentTarget as HTMLButtonElement;
        button.disabled = true;
        try {
          await fn();
        } catch (err) {
          toast.textContent = `${label} failed: ${err instanceof Error ? err.message : String(err)}`;
        } finally {
          button.disabled = false;
        }
      },
    });

  const short = id8(item.id);
  function renderHeader(): void {
    const final = isFinal(item.status);
    root.dataset.status = item.status;
    document.title = `${runTitle(item)} · Gradscope`;
    const actions = h(
      'div.actions',
      {},
      !final
        ? act('Cancel', async () => {
            const r = await postJson<{ message: string }>(item.links.cancel);
            toast.textContent = r.message;
          })
        : null,
      spec.kind === 'train'
        ? act('Download CSV', () =>
            // The whole run: an export has every recorded step (the charts show a thinned view).
            download(`${item.links.metrics}?format=csv`, `gradscope-${short}-metrics.csv`, 'text/csv'),
          )
        : null,
      final
        ? act('Download weights', () =>
            download(item.links.model, `gradscope-${short}-model.json`, 'application/json'),
          )
        : null,
      final
        ? act(
            'Delete',
            async () => {
              if (!confirm(`Delete run “${runTitle(item)}” with all its statistics and weights?`)) return;
              await deleteResource(item.links.self);
              navigate(href.list());
            },
            { danger: true },
          )
        : null,
    );
    replaceChildren(
      head,
      h('a.back', { href: href.list(), text: '← All runs' }),
      h(
        'div.title-row',
        {},
        h('h1', { text: runTitle(item) }),
        h('span.kind', { text: item.kind }),
        statusPill(item.status),
        item.diagnosis || spec.kind !== 'gradcheck' ? verdictBadge(item.diagnosis?.verdict) : null,
        conn,
        actions,
      ),
      h(
        'p.sub',
        {},
        h('code', { text: item.id }),
        ` · created ${dateTime(item.createdAt)}`,
        item.startedAt ? ` · started ${dateTime(item.startedAt)}` : '',
        item.attempts > 1 ? ` · attempt ${item.attempts}` : '',
      ),
    );
    renderCallouts();
  }

  function renderCallouts(): void {
    replaceChildren(callouts, runCallouts(item));
  }

  function renderStats(): void {
    replaceChildren(stats, runStats(spec, item, data));
  }

  function renderOutcome(): void {
    if (spec.kind === 'train' || resultShown) return;
    if (isProbeResult(item.result)) {
      resultShown = true;
      body.replaceChildren();
      probeView(body, item.result, destroyers);
    } else if (isGradcheckResult(item.result)) {
      resultShown = true;
      replaceChildren(body, gradcheckView(item.result));
    } else if (!isFinal(item.status)) {
      replaceChildren(
        body,
        h('p.empty-note', { text: `The ${spec.kind} runs in one pass; its result shows here.` }),
      );
    } else {
      replaceChildren(body, h('p.empty-note', { text: 'This run has no result.' }));
    }
  }

  const every = streamEvery(spec, item.progress.totalSteps);
  // "N of M recorded steps shown" above the charts when they show fewer steps than were recorded. Without
  // `every` the stream sends every recorded step, so M is what arrived; with it, M comes from the server.
  const pointsNote = h('p.sub.points-note', { hidden: true });
  let recorded: { steps: number; at: number } | null = null;
  function refreshRecorded(force = false): void {
    if (every === undefined || (!force && recorded && Date.now() - recorded.at < 5000)) return;
    const at = Date.now();
    recorded = { steps: recorded?.steps ?? 0, at };
    getJson<Metrics>(`${item.links.metrics}?layers=0&fields=gradNorm&maxPoints=2`).then(
      (m) => {
        if (recorded && recorded.at === at) recorded.steps = m.recordedSteps;
        redraw.schedule();
      },
      () => {},
    );
  }
  function renderPointsNote(d: RunData): void {
    if (!isFinal(item.status)) refreshRecorded();
    const total = Math.max(every === undefined ? d.received : (recorded?.steps ?? 0), d.received);
    const shown = d.main.length;
    pointsNote.hidden = shown >= total;
    pointsNote.textContent = `${int(shown)} of ${int(total)} recorded steps shown · Download CSV has every one`;
  }

  const redraw = frameThrottle(() => {
    if (data) {
      root.dataset.stepsReceived = String(data.received);
      root.dataset.lastStep = String(data.lastStep);
      root.dataset.points = String(data.main.length);
      if (charts) renderPointsNote(data);
    }
    charts?.redraw();
    renderStats();
  });

  const historyUrl = (range: { from?: number; to?: number }) => {
    const q = new URLSearchParams({ points: String(HISTORY_POINTS) });
    if (range.from !== undefined) q.set('from', String(range.from));
    if (range.to !== undefined) q.set('to', String(range.to));
    return `${item.links.self}/history?${q}`;
  };
  // The history's last step is where the stream starts: it comes again in full (the newest step's panels).
  let history: HistoryArrays | null = null;
  const streamFrom = () =>
    data && data.lastStep >= 0
      ? data.lastStep + (data.latest ? 1 : 0)
      : history?.lastStep !== null && history?.lastStep !== undefined
        ? history.lastStep
        : undefined;
  let socket: LiveSocket<RunStreamMessage> | null = null;
  const openSocket = () => {
    if (destroyed) return;
    socket = new LiveSocket<RunStreamMessage>({
      url: () => wsUrl(item.links.stream, { from: streamFrom(), every }),
      onState(state: SocketState) {
        conn.dataset.state = state;
        conn.textContent =
          state === 'open'
            ? 'live'
            : state === 'closed'
              ? isFinal(item.status)
                ? 'complete'
                : 'offline'
              : `${state}…`;
      },
      onMessage(m) {
        switch (m.type) {
          case 'hello':
            item = m.run;
            if (!data) {
              data = new RunData(m);
              if (history) data.loadHistory(history);
              if (spec.kind === 'train') {
                body.append(pointsNote);
                refreshRecorded(true);
                // The charts in a task of their own, after the one that took the history in: two shorter tasks,
                // and the first redraw fills them a chart per frame (no long task for a big run).
                const d = data;
                setTimeout(() => {
                  if (destroyed) return;
                  charts = new TrainCharts(
                    body,
                    d,
                    spec.network.loss !== 'mse',
                    (step) => stepLayersAt(item.links.metrics, step, m.fields),
                    (from, to) => getHistory(historyUrl({ from, to })),
                  );
                  redraw.schedule();
                });
              }
            }
            renderHeader();
            renderOutcome();
            redraw.schedule();
            break;
          case 'step':
            if (data?.push(m)) redraw.schedule();
            break;
          case 'status':
            item = m.run;
            renderHeader();
            redraw.schedule();
            break;
          case 'notice':
            notice.hidden = false;
            notice.textContent = `${m.message}${m.skippedSteps ? ` (${int(m.skippedSteps)} steps skipped)` : ''}`;
            break;
          case 'end':
            socket?.finish();
            item = m.run;
            refreshRecorded(true);
            renderHeader();
            renderOutcome();
            redraw.schedule();
            break;
        }
      },
    });
  };
  let destroyed = false;
  if (spec.kind === 'train') {
    // A failed history request is no dead end: the stream alone replays every step (slower).
    getHistory(historyUrl({})).then(
      (h) => {
        history = h;
        openSocket();
      },
      () => openSocket(),
    );
  } else {
    openSocket();
  }

  renderHeader();
  renderOutcome();
  renderStats();

  return () => {
    destroyed = true;
    socket?.close();
    redraw.cancel();
    charts?.destroy();
    for (const d of destroyers) d();
  };
}

function id8(id: string): string {
  return id.slice(0, 8);
}
