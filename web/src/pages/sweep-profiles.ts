// Small multiples of a sweep: per point, the per-layer RMS of ∂loss/∂Z at initialization on a log scale (the
// gradient profile each layer receives), read from a probe's result or a training run's first recorded step.
import { getJson } from '../api.ts';
import { h } from '../dom.ts';
import { fmt } from '../format.ts';
import { href } from '../router.ts';
import type { Metrics, Run, SweepPoint } from '../types.ts';
import { isProbeResult } from '../types.ts';

/** At most this many profiles are drawn (the first points), so a 1,000-point sweep stays light. */
export const MAX_PROFILES = 48;

const SVG = 'http://www.w3.org/2000/svg';

/** The point's deltaRms per layer at initialization, or null when it has none (yet). */
async function profileOf(point: SweepPoint, signal: AbortSignal): Promise<(number | null)[] | null> {
  const run = await getJson<Run>(`/v1/runs/${point.runId}`, signal);
  if (isProbeResult(run.result)) {
    const col = run.result.fields.indexOf('deltaRms');
    return run.result.layers.map((row) => row[col]);
  }
  if (run.kind !== 'train' || run.progress.step === null) return null;
  const m = await getJson<Metrics>(
    `/v1/runs/${point.runId}/metrics?to=0&fields=deltaRms&maxPoints=2`,
    signal,
  );
  return m.values.map((layer) => layer[0]?.[0] ?? null);
}

/** A sparkline of log10 values against the layer index, with its decades of change. */
function sparkline(values: (number | null)[]): SVGSVGElement {
  const w = 120;
  const hgt = 44;
  const root = document.createElementNS(SVG, 'svg');
  root.setAttribute('width', String(w));
  root.setAttribute('height', String(hgt));
  root.setAttribute('class', 'profile');
  const logs = values.map((v) => (v !== null && v > 0 ? Math.log10(v) : null));
  const finite = logs.filter((v): v is number => v !== null);
  if (finite.length < 2) return root;
  const lo = Math.min(...finite);
  const hi = Math.max(...finite, lo + 1e-9);
  const d = logs
    .map((v, i) =>
      v === null
        ? null
        : [4 + (i / (logs.length - 1)) * (w - 8), hgt - 4 - ((v - lo) / (hi - lo)) * (hgt - 8)],
    )
    .filter((p): p is number[] => p !== null)
    .map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`)
    .join(' ');
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', d);
  path.setAttribute('fill', 'none');
  path.setAttribute('stroke', '#3b6fd8');
  path.setAttribute('stroke-width', '1.5');
  root.append(path);
  return root;
}

function label(point: SweepPoint): string {
  return Object.entries(point.values)
    .map(([k, v]) => `${k.split('/').at(-1)}=${typeof v === 'number' ? fmt(v) : String(v)}`)
    .join(' ');
}

/** The grid of small multiples; fills in as the profiles arrive (4 requests at a time). */
export function profileGrid(points: SweepPoint[], signal: AbortSignal): HTMLElement {
  const grid = h('div.profiles', { id: 'sweep-profiles' });
  const shown = points
    .filter((p) => p.status === 'succeeded' || p.status === 'diverged')
    .slice(0, MAX_PROFILES);
  const cells = shown.map((p) => {
    const body = h('div.profile-body', { text: '…' });
    grid.append(
      h(
        'a.profile-cell',
        { href: href.run(p.runId), title: label(p) },
        h('div.profile-label', { text: label(p) }),
        body,
      ),
    );
    return { point: p, body };
  });
  let next = 0;
  const worker = async () => {
    while (next < cells.length && !signal.aborted) {
      const { point, body } = cells[next++];
      const values = await profileOf(point, signal).catch(() => null);
      if (signal.aborted) return;
      body.replaceChildren(values ? sparkline(values) : h('span', { text: '—' }));
      if (values) {
        const logs = values.filter((v): v is number => v !== null && v > 0).map(Math.log10);
        if (logs.length > 1)
          body.append(h('span.profile-note', { text: `${fmt(logs[0] - logs[logs.length - 1], 2)} dec` }));
      }
    }
  };
  for (let i = 0; i < 4; i++) void worker();
  if (shown.length === 0) grid.append(h('p.empty-note', { text: 'No finished point yet.' }));
  return grid;
}
