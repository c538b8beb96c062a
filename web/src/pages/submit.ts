// The "new run" panel: presets, a JSON editor prefilled from the chosen preset, and submission with the
// service's problem+json errors listed (pointer and message) next to the editor.
import { ApiError, postJson } from '../api.ts';
import { h, replaceChildren } from '../dom.ts';
import { PRESETS, presetById, presetJson } from '../presets.ts';
import { href, navigate } from '../router.ts';
import type { ProblemError } from '../types.ts';

const MAX_SPECS = 10;

interface Created {
  id: string;
}

/** Where a JSON.parse error points, as "line L, column C" (V8 reports "at position N"). */
function parseErrorPlace(text: string, message: string): string {
  const m = /position (\d+)/.exec(message);
  if (!m) return '';
  const before = text.slice(0, Number(m[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return ` (line ${line}, column ${column})`;
}

export function submitPanel(initialPreset: string | null): HTMLElement {
  let selected = presetById(initialPreset ?? '') ?? PRESETS[0];
  const editor = h('textarea.code', {
    id: 'spec-editor',
    spellcheck: 'false',
    autocomplete: 'off',
    rows: 24,
    'aria-describedby': 'spec-help submit-errors',
  });
  editor.value = presetJson(selected);
  const errors = h('div.errors', { id: 'submit-errors', role: 'alert', 'aria-live': 'assertive' });
  const submit = h('button', { type: 'submit', id: 'submit-run' });
  const count = () => {
    try {
      const v = JSON.parse(editor.value) as unknown;
      return Array.isArray(v) ? v.length : 1;
    } catch {
      return 1;
    }
  };
  const label = () => {
    const n = count();
    submit.textContent = n > 1 ? `Submit ${n} runs and compare` : 'Submit run';
  };
  label();
  editor.addEventListener('input', label);

  const presets = h(
    'fieldset.presets',
    {},
    h('legend', { text: 'Presets' }),
    ...PRESETS.map((p) => {
      const input = h('input', {
        type: 'radio',
        name: 'preset',
        value: p.id,
        id: `preset-${p.id}`,
        checked: p === selected,
      });
      input.addEventListener('change', () => {
        selected = p;
        editor.value = presetJson(p);
        errors.replaceChildren();
        label();
      });
      return h(
        'label.preset',
        { for: `preset-${p.id}`, 'data-preset': p.id },
        input,
        h(
          'span.preset-text',
          {},
          h(
            'span.preset-title',
            {},
            p.title,
            p.specs.length > 1 ? h('span.tag', { text: `${p.specs.length} runs` }) : null,
          ),
          h('span.preset-desc', { text: p.description }),
        ),
      );
    }),
  );

  const form = h(
    'form.submit-form',
    { novalidate: true },
    presets,
    h(
      'div.editor',
      {},
      h('label', { for: 'spec-editor', text: 'Run spec (JSON: one spec, or an array of specs)' }),
      editor,
      h(
        'p.help',
        { id: 'spec-help' },
        'Edit freely: the service validates the spec. See ',
        h('a', { href: '/docs', target: '_blank', rel: 'noopener', text: 'the API docs' }),
        ' for every field.',
      ),
      errors,
      h(
        'div.actions',
        {},
        submit,
        h('button.secondary', {
          type: 'button',
          text: 'Reset to preset',
          onclick: () => {
            editor.value = presetJson(selected);
            errors.replaceChildren();
            label();
          },
        }),
        h('button.secondary', {
          type: 'button',
          text: 'Format',
          onclick: () => {
            try {
              editor.value = JSON.stringify(JSON.parse(editor.value), null, 2);
            } catch {
              // leave it: submitting shows where the JSON breaks
            }
          },
        }),
      ),
    ),
  );

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    errors.replaceChildren();
    let specs: unknown[];
    try {
      const parsed = JSON.parse(editor.value) as unknown;
      specs = Array.isArray(parsed) ? parsed : [parsed];
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      showErrors(errors, 'The text is not valid JSON', `${message}${parseErrorPlace(editor.value, message)}`);
      return;
    }
    if (specs.length === 0 || specs.length > MAX_SPECS) {
      showErrors(errors, 'Nothing to submit', `Give one spec, or an array of 1 to ${MAX_SPECS} specs.`);
      return;
    }
    submit.disabled = true;
    const created: string[] = [];
    try {
      for (const [i, spec] of specs.entries()) {
        try {
          created.push((await postJson<Created>('/v1/runs', spec)).id);
        } catch (err) {
          const which = specs.length > 1 ? `Run ${i + 1} of ${specs.length}: ` : '';
          if (err instanceof ApiError && err.problem) {
            showErrors(
              errors,
              `${which}${err.problem.title}`,
              err.problem.detail ?? '',
              err.problem.errors ?? [],
              created,
            );
          } else {
            showErrors(errors, `${which}submission failed`, err instanceof Error ? err.message : String(err));
          }
          return;
        }
      }
      navigate(created.length === 1 ? href.run(created[0]) : href.compare(created));
    } finally {
      submit.disabled = false;
    }
  });

  return h(
    'section.card.new-run',
    { 'aria-labelledby': 'new-run-title' },
    h('h2', { id: 'new-run-title', text: 'New run' }),
    form,
  );
}

function showErrors(
  box: HTMLElement,
  title: string,
  detail: string,
  list: ProblemError[] = [],
  created: string[] = [],
): void {
  replaceChildren(
    box,
    h(
      'div.problem',
      {},
      h('strong', { text: title }),
      detail && list.length === 0 ? h('p', { text: detail }) : null,
      list.length > 0
        ? h(
            'ul',
            {},
            list.map((e) =>
              h('li', {}, h('code.pointer', { text: e.pointer }), ' ', h('span', { text: e.message })),
            ),
          )
        : null,
      created.length > 0
        ? h(
            'p',
            {},
            'Already submitted: ',
            created.flatMap((id, i) => [
              i > 0 ? ', ' : '',
              h('a', { href: href.run(id), text: id.slice(0, 8) }),
            ]),
          )
        : null,
    ),
  );
}
