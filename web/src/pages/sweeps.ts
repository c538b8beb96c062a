// The sweeps page: every sweep with its progress, and a form that submits the common sweeps (gain × init,
// depth × init, lr × init) or a trainability map.
import { ApiError, getJson, postJson } from '../api.ts';
import { h, replaceChildren } from '../dom.ts';
import { dateTime } from '../format.ts';
import { href, navigate, type Page } from '../router.ts';
import { SWEEP_PRESETS, type SweepPresetName, sweepPreset } from '../sweep-presets.ts';
import type { SweepListItem } from '../types.ts';

function sweepForm(onError: (message: string) => void): HTMLElement {
  const preset = h(
    'select',
    { id: 'sweep-preset', name: 'preset' },
    SWEEP_PRESETS.map((p) => h('option', { value: p.name, text: p.label })),
  );
  const activation = h(
    'select',
    { id: 'sweep-activation', name: 'activation' },
    h('option', { value: 'tanh', text: 'tanh' }),
    h('option', { value: 'relu', text: 'relu' }),
  );
  const width = h('input', { id: 'sweep-width', type: 'number', min: 1, max: 512, value: 32 });
  const depth = h('input', { id: 'sweep-depth', type: 'number', min: 1, max: 100, value: 10 });
  const cell = h(
    'select',
    { id: 'sweep-cell', name: 'cell' },
    h('option', { value: 'probe', text: 'probe at initialization' }),
    h('option', { value: 'train', text: 'short training run' }),
  );
  const field = (label: string, input: HTMLElement) => h('label', {}, h('span', { text: label }), input);
  const form = h(
    'form.sweep-form',
    {
      id: 'sweep-form',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const request = sweepPreset(preset.value as SweepPresetName, {
          activation: activation.value as 'tanh' | 'relu',
          width: Number(width.value),
          depth: Number(depth.value),
          cell: cell.value as 'probe' | 'train',
        });
        try {
          const created = await postJson<{ id: string }>('/v1/sweeps', request);
          navigate(href.sweep(created.id));
        } catch (err) {
          const problem = err instanceof ApiError ? err.problem : null;
          onError(problem?.errors?.[0] ? `${problem.detail}` : (err as Error).message);
        }
      },
    },
    field('sweep', preset),
    field('activation', activation),
    field('width', width),
    field('depth (grid presets)', depth),
    field('each point', cell),
    h('button', { type: 'submit', text: 'Submit sweep' }),
  );
  return form;
}

export function mountSweeps(main: HTMLElement): Page {
  const aborter = new AbortController();
  const tbody = h('tbody');
  const error = h('div.inline-error', { role: 'alert' });
  main.append(
    h(
      'section.card',
      {},
      h('h1', { text: 'Sweeps' }),
      h('p.explain', {
        text: 'A sweep runs one base spec over axes (a grid, zipped axes or explicit points); each point is an ordinary run.',
      }),
      h(
        'table.runs',
        { id: 'sweeps' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['name', 'kind', 'status', 'points', 'created'].map((t) => h('th', { text: t })),
          ),
        ),
        tbody,
      ),
    ),
    h(
      'section.card',
      {},
      h('h2', { text: 'New sweep' }),
      error,
      sweepForm((m) => (error.textContent = m)),
    ),
  );
  getJson<{ items: SweepListItem[] }>('/v1/sweeps?limit=100', aborter.signal)
    .then(({ items }) => {
      if (items.length === 0) {
        replaceChildren(tbody, h('tr', {}, h('td', { colspan: 5, text: 'No sweeps yet.' })));
        return;
      }
      replaceChildren(
        tbody,
        items.map((s) =>
          h(
            'tr',
            {},
            h('td.name', {}, h('a', { href: href.sweep(s.id), text: s.name ?? s.id.slice(0, 8) })),
            h('td', { text: s.kind }),
            h('td', {}, h('span.pill', { text: s.status, 'data-status': s.status })),
            h('td', { text: `${s.progress.done} / ${s.progress.total}` }),
            h('td', { text: dateTime(s.createdAt) }),
          ),
        ),
      );
    })
    .catch((e: Error) => {
      if (!aborter.signal.aborted) error.textContent = e.message;
    });
  return { destroy: () => aborter.abort() };
}
