// Display helpers: numbers, times, status pills and verdict badges.
import type { RunListItem, RunStatus } from '../../src/schemas/runs.ts';
import { h } from './dom.ts';

/** Three significant digits; exponent form for tiny and huge values; '—' for null (NaN/±∞ in JSON). */
export function fmt(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined) return '—';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : x < 0 ? '−∞' : 'NaN';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a < 1e-3 || a >= 1e5) return x.toExponential(digits - 1).replace('e+', 'e');
  return Number(x.toPrecision(digits)).toString();
}

export function pct(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return `${(x * 100).toFixed(1)}%`;
}

export function int(x: number): string {
  return x.toLocaleString('en-US');
}

/** Date and time, always with the date ("Dec 1, 2026, 10:02:24 PM"): a bare time is ambiguous in a list. */
export function dateTime(iso: string | null): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'medium' });
}

export function duration(fromIso: string | null, toIso: string | null): string {
  if (!fromIso) return '—';
  const ms = (toIso ? Date.parse(toIso) : Date.now()) - Date.parse(fromIso);
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

export function statusPill(status: RunStatus): HTMLElement {
  return h(`span.pill.status-${status}`, { 'data-status': status, text: status });
}

type Verdict = NonNullable<RunListItem['diagnosis']>['verdict'];

const VERDICT_ICON: Record<Verdict, string> = {
  healthy: '✓',
  mild_vanishing: '↘',
  mild_exploding: '↗',
  vanishing: '↓',
  exploding: '↑',
  no_signal: '∅',
  too_shallow: '–',
};

/** The verdict as a badge: icon and words ("↘ mildly vanishing"); class verdict-<verdict>. */
export function verdictBadge(verdict: Verdict | null | undefined): HTMLElement {
  if (!verdict) return h('span.badge.none', { text: '—', title: 'no verdict yet' });
  const words = verdict.startsWith('mild_') ? `mildly ${verdict.slice(5)}` : verdict.replace('_', ' ');
  return h(`span.badge.verdict-${verdict}`, {
    'data-verdict': verdict,
    text: `${VERDICT_ICON[verdict]} ${words}`,
  });
}

/** "step 1,200 / 15,000" with a progress bar (a probe or gradcheck has a single step). */
export function progressBar(run: RunListItem): HTMLElement {
  const { step, totalSteps } = run.progress;
  const done = run.status === 'succeeded' ? totalSteps : step === null ? 0 : step + 1;
  const frac = totalSteps > 0 ? Math.min(1, done / totalSteps) : 0;
  const label =
    totalSteps <= 1 ? (run.status === 'succeeded' ? 'done' : '—') : `${int(done)} / ${int(totalSteps)}`;
  const bar = h('progress', { max: 1, value: frac, 'aria-label': `progress ${label}` });
  return h('span.progress', {}, bar, h('span.progress-label', { text: label }));
}

export function runTitle(run: Pick<RunListItem, 'name' | 'id' | 'kind'>): string {
  return run.name ?? `${run.kind} ${run.id.slice(0, 8)}`;
}
