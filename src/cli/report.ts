// How the CLI prints a run: its state, training outcome, diagnosis, and a gradcheck or probe result.
import type { Run, RunListItem } from '../client/client.ts';
import { num, type Output, table } from './output.ts';

const STATUS_STYLE = {
  succeeded: 'green',
  failed: 'red',
  diverged: 'red',
  cancelled: 'yellow',
  queued: 'cyan',
  running: 'cyan',
} as const;

export function statusText(o: Output, status: RunListItem['status']): string {
  return o.style(STATUS_STYLE[status], status);
}

/** The run's state and what it found, as a few labelled lines. */
export function printRun(o: Output, run: Run | RunListItem): void {
  o.out(`run ${run.id}  ${run.kind}  ${statusText(o, run.status)}${run.name ? `  "${run.name}"` : ''}`);
  const p = run.progress;
  o.out(`  progress: step ${p.step === null ? '–' : p.step + 1}/${p.totalSteps}  attempts ${run.attempts}`);
  o.out(`  created ${run.createdAt}  started ${run.startedAt ?? '–'}  finished ${run.finishedAt ?? '–'}`);
  const final = run.summary?.final;
  if (final) {
    o.out(
      `  final: loss ${num(final.loss)}  train accuracy ${num(final.trainAccuracy)}  test accuracy ${num(final.testAccuracy)}`,
    );
  }
  const divergence = run.summary?.divergence;
  if (divergence) o.out(`  ${o.style('red', 'diverged')}: ${divergence.message}`);
  if (run.error) o.out(`  ${o.style('red', 'error')} ${run.error.code}: ${run.error.message}`);
  if (run.diagnosis)
    o.out(`  diagnosis: ${o.style('bold', run.diagnosis.verdict)} — ${run.diagnosis.message}`);
  const result = run.result;
  if (result && 'verdict' in result) {
    o.out(`  gradient check: ${o.style('bold', result.verdict)} — ${result.message}`);
    table(
      o,
      ['layer', 'W difference', 'W checked', 'b difference', 'b checked'],
      result.layers.map((l) => [
        String(l.layer),
        num(l.W.difference),
        `${l.W.checked}/${l.W.total}`,
        num(l.b.difference),
        `${l.b.checked}/${l.b.total}`,
      ]),
    );
  } else if (result && 'fields' in result) {
    const at = (f: string) => result.fields.indexOf(f as never);
    const cols = ['preactStd', 'actStd', 'deltaRms', 'gradRms'];
    o.out(`  probe: batch ${result.batch}, loss ${num(result.loss)}`);
    table(
      o,
      ['layer', ...cols],
      result.layers.map((row, l) => [String(l), ...cols.map((c) => num(row[at(c)]))]),
    );
  }
}
