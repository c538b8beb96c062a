// The step the per-layer panels show: at initialization, the newest (following a live run), or any recorded step.
import { h } from './dom.ts';
import { int } from './format.ts';

export interface StepPicker {
  el: HTMLElement;
  /** The recorded steps span [first, last] (called as the run goes). */
  setRange(first: number, last: number): void;
  /** The step shown, or null for "the newest". */
  readonly picked: number | null;
}

/** `onPick(step)` with step null for "the newest"; the slider reports on release, not on every pixel. */
export function stepPicker(onPick: (step: number | null) => void): StepPicker {
  let first = 0;
  let last = 0;
  let picked: number | null = null;
  const slider = h('input', {
    type: 'range',
    min: 0,
    max: 0,
    step: 1,
    value: 0,
    'aria-label': 'Step shown in the per-layer panels',
  });
  const number = h('input.step-number', {
    type: 'number',
    min: 0,
    step: 1,
    'aria-label': 'Step number',
  });
  const label = h('span.step-label', { text: 'newest step' });
  const buttons = {
    init: h('button.secondary', { type: 'button', text: 'At init', 'data-pick': 'init' }),
    end: h('button.secondary.active', { type: 'button', text: 'Newest', 'data-pick': 'end' }),
  };
  const el = h(
    'div.step-picker',
    { role: 'group', 'aria-label': 'Step of the per-layer panels', 'data-picked': 'newest' },
    h('span.step-title', { text: 'Per-layer panels at' }),
    buttons.init,
    buttons.end,
    slider,
    number,
    label,
  );
  const pick = (step: number | null) => {
    picked = step === null ? null : Math.max(first, Math.min(last, Math.round(step)));
    el.dataset.picked = picked === null ? 'newest' : String(picked);
    buttons.init.classList.toggle('active', picked === first);
    buttons.end.classList.toggle('active', picked === null);
    slider.value = String(picked ?? last);
    number.value = String(picked ?? last);
    label.textContent = picked === null ? 'newest step' : picked === first ? 'initialization' : '';
    onPick(picked);
  };
  buttons.init.addEventListener('click', () => pick(first));
  buttons.end.addEventListener('click', () => pick(null));
  slider.addEventListener('input', () => {
    label.textContent = `step ${int(Number(slider.value))}`;
  });
  slider.addEventListener('change', () => pick(Number(slider.value)));
  number.addEventListener('change', () => {
    if (number.value !== '') pick(Number(number.value));
  });
  return {
    el,
    setRange(f: number, l: number) {
      first = f;
      last = l;
      slider.min = String(f);
      slider.max = String(l);
      number.min = String(f);
      number.max = String(l);
      if (picked === null) {
        slider.value = String(l);
        if (document.activeElement !== number) number.value = String(l);
      }
    },
    get picked() {
      return picked;
    },
  };
}
