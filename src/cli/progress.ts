// The live progress line of `submit --follow`: steps, bar, rate, ETA, loss, and a per-layer gradient sparkline.

const TICKS = '▁▂▃▄▅▆▇█';

/**
 * One character per layer, from its gradient RMS on a log scale over the layers' range (▁ smallest, █ largest):
 * a falling line from the output back to the first layer is a vanishing gradient. null/0 → '·'.
 */
export function sparkline(values: readonly (number | null)[]): string {
  const logs = values.map((v) => (v !== null && v > 0 && Number.isFinite(v) ? Math.log10(v) : null));
  const known = logs.filter((v): v is number => v !== null);
  if (known.length === 0) return '·'.repeat(values.length);
  const lo = Math.min(...known);
  const hi = Math.max(...known);
  return logs
    .map((v) => {
      if (v === null) return '·';
      if (hi - lo < 1e-12) return TICKS[3];
      return TICKS[Math.round(((v - lo) / (hi - lo)) * (TICKS.length - 1))];
    })
    .join('');
}

/** A bar of `width` cells, filled by `fraction` (clamped to [0, 1]). */
export function bar(fraction: number, width: number): string {
  const f = Math.max(0, Math.min(1, fraction));
  const full = Math.round(f * width);
  return `${'█'.repeat(full)}${'░'.repeat(width - full)}`;
}

/** Seconds as m:ss (or h:mm:ss). */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export interface ProgressState {
  step: number;
  totalSteps: number;
  /** Steps per second since the first step this client saw. */
  rate: number | null;
  loss: number | null;
  /** Gradient RMS of each layer (first to last). */
  gradRms: (number | null)[];
}

/** The progress line, without colours: "step 1,200/15,000 ████░░░░ 8% 412 steps/s ETA 0:33 loss 0.412 ∇ ▁▃▅█". */
export function progressLine(p: ProgressState, barWidth = 20): string {
  const done = Math.min(p.step + 1, p.totalSteps);
  const fraction = p.totalSteps > 0 ? done / p.totalSteps : 0;
  const rate = p.rate && p.rate > 0 ? `${Math.round(p.rate).toLocaleString('en-US')} steps/s` : '– steps/s';
  const eta = p.rate && p.rate > 0 ? duration((p.totalSteps - done) / p.rate) : '?';
  const loss = p.loss === null ? '–' : p.loss.toPrecision(4);
  return (
    `step ${done.toLocaleString('en-US')}/${p.totalSteps.toLocaleString('en-US')} ${bar(fraction, barWidth)} ` +
    `${Math.floor(fraction * 100)}%  ${rate}  ETA ${eta}  loss ${loss}  ∇rms ${sparkline(p.gradRms)}`
  );
}
