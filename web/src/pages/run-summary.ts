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

type RunDiagnosis = NonNullable<RunListItem['diagnosis']>;
type PhaseDiagnosis = NonNullable<RunDiagnosis['atInit']>;

const PHASE_LABEL = { initialization: 'At initialization', end: 'At the end of training' } as const;

/** The run's verdict, then each phase labelled with its own verdict and message. */
function diagnosisCallout(d: RunDiagnosis, diverged: boolean): HTMLElement {
  const phases = [d.atInit, d.atEnd].filter((p): p is PhaseDiagnosis => p !== null);
  const table = diagnosisTable(d);
  const which = diverged
    ? 'training diverged'
    : phases.length === 2
      ? 'the worse of initialization and the end of training'
      : 'at initialization';
  return h(
    `section.callout.verdict-${d.verdict}`,
    { 'aria-label': 'Diagnosis' },
    h('p.diagnosis', {}, verdictBadge(d.verdict), ' ', phases.length ? `this run: ${which}` : d.message),
    phases.map((p) =>
      h(
        'p.diagnosis-phase',
        { 'data-phase': p.phase },
        h('strong', { text: `${PHASE_LABEL[p.phase]} (step ${int(p.step)}):` }),
        ' ',
        p.message,
      ),
    ),
    table ? h('details', {}, h('summary', { text: 'How the signal changes across layers' }), table) : null,
  );
}

/** The text diagnosisCallout shows: the phases' messages, or the run's message when there is no phase. */
function shownDiagnosisText(d: RunDiagnosis): string {
  const phases = [d.atInit, d.atEnd].filter((p): p is PhaseDiagnosis => p !== null);
  return phases.length ? phases.map((p) => p.message).join(' ') : d.message;
}

/** The diagnosis in words (with its per-signal table), a divergence, and a failure. */
export function runCallouts(item: RunListItem): HTMLElement[] {
  const parts: HTMLElement[] = [];
  const summary = (item.summary ?? {}) as TrainSummary;
  if (item.diagnosis) parts.push(diagnosisCallout(item.diagnosis, Boolean(summary.divergence)));
  // The divergence is said once: its sentence may already be in what the diagnosis callout shows (its phases'
  // messages, or the run's message when it has no phase), and it is the error's message.
  const said = item.diagnosis ? shownDiagnosisText(item.diagnosis) : '';
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
        'Forward trend',
        d.forward ? `×${fmt(d.forward.ratio)}` : '—',
        'pre-activation std: fitted factor from hidden layer 1 to L−1',
      ),
      stat(
        'Backward trend',
        d.backward ? `×${fmt(d.backward.ratio)}` : '—',
        'δ RMS: fitted factor from hidden layer L−1 back to 1',
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
