// The run page's summary: callouts (diagnosis, divergence, error) and the stat tiles, by run kind.
import { h } from '../dom.ts';
import { duration, fmt, int, pct, verdictBadge } from '../format.ts';
import type { RunData } from '../run-data.ts';
import {
  isGradcheckResult,
  isProbeResult,
  type NamedRunSpec,
  type RunListItem,
  type TrainSummary,
} from '../types.ts';
import { stat } from './panels.ts';
import { diagnosisTable } from './run-results.ts';

/** The diagnosis in words (with its per-signal table), a divergence, and a failure. */
export function runCallouts(item: RunListItem): HTMLElement[] {
  const parts: HTMLElement[] = [];
  if (item.diagnosis) {
    const table = diagnosisTable(item.diagnosis);
    parts.push(
      h(
        `section.callout.verdict-${item.diagnosis.verdict}`,
        { 'aria-label': 'Diagnosis' },
        h('p.diagnosis', {}, verdictBadge(item.diagnosis.verdict), ' ', item.diagnosis.message),
        table
          ? h('details', {}, h('summary', { text: 'How the signal changes across layers' }), table)
          : null,
      ),
    );
  }
  const summary = (item.summary ?? {}) as TrainSummary;
  // The divergence is said once: its sentence may already be the diagnosis, and is the error's message.
  const said = item.diagnosis?.message ?? '';
  if (summary.divergence) {
    const d = summary.divergence;
    parts.push(
      h(
        'section.callout.verdict-exploding',
        { 'aria-label': 'Divergence' },
        h('strong', { text: `Diverged at step ${int(d.step)}, layer ${d.layer + 1} (${d.where})` }),
        said.includes(d.message) ? '' : `: ${d.message}`,
      ),
    );
  }
  if (item.error && !(summary.divergence && item.error.code === 'diverged')) {
    parts.push(
      h(
        'section.callout.error',
        { 'aria-label': 'Error' },
        h('strong', { text: `Failed (${item.error.code}): ` }),
        item.error.message,
      ),
    );
  }
  return parts;
}

/** Numbers at a glance: training progress and outcome, or a probe's or gradient check's result. */
export function runStats(spec: NamedRunSpec, item: RunListItem, data: RunData | null): HTMLElement[] {
  const tiles: HTMLElement[] = [];
  if (spec.kind === 'train') {
    const summary = (item.summary ?? {}) as TrainSummary;
    const final = summary.final;
    const latest = data?.latest;
    const total = item.progress.totalSteps;
    const done =
      summary.stepsCompleted ??
      (latest ? latest.step + 1 : item.progress.step === null ? 0 : item.progress.step + 1);
    tiles.push(
      stat('Steps', `${int(done)} / ${int(total)}`),
      stat(final ? 'Final loss' : 'Loss', fmt(final ? final.loss : (latest?.loss ?? null), 4)),
      stat('Train accuracy', pct(final ? final.trainAccuracy : data?.lastAccuracy.train)),
      stat('Test accuracy', pct(final ? final.testAccuracy : data?.lastAccuracy.test)),
      stat('‖∇θ‖', fmt(latest?.gradNorm ?? null), 'Gradient norm of all parameters at the newest step'),
      stat('Duration', duration(item.startedAt, item.finishedAt)),
      stat(
        'Points',
        data ? `${int(data.main.length)} of ${int(data.received)}` : '—',
        'Chart points kept of steps received',
      ),
    );
  } else if (isProbeResult(item.result)) {
    const r = item.result;
    const d = r.diagnosis;
    tiles.push(
      stat('Layers', String(r.layers.length)),
      stat('Batch', int(r.batch)),
      stat('Loss at init', fmt(r.loss, 4)),
      stat(
        'Forward, end to end',
        d.forward ? `×${fmt(d.forward.ratio)}` : '—',
        'pre-activation std, last / first layer',
      ),
      stat(
        'Backward, end to end',
        d.backward ? `×${fmt(d.backward.ratio)}` : '—',
        'δ RMS, first / last layer',
      ),
      stat('Duration', duration(item.startedAt, item.finishedAt)),
    );
  } else if (isGradcheckResult(item.result)) {
    const r = item.result;
    tiles.push(
      stat('Difference', fmt(r.difference)),
      stat('Verdict', r.verdict),
      stat('Checked', `${int(r.cost.checkedParameters)} / ${int(r.cost.parameters)}`),
      stat('Loss evaluations', int(r.cost.lossEvaluations)),
      stat('Duration', duration(item.startedAt, item.finishedAt)),
    );
  } else {
    tiles.push(stat('Layers', String(spec.network.layers.length)), stat('Status', item.status));
  }
  return tiles;
}
