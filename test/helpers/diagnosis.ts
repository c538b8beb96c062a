// Checks shared by the diagnosis tests: every number a diagnosis message prints is one of its trends' numbers.
import { expect } from 'vitest';
import { type Diagnosis, decadesText, factorText, verdictWords } from '../../src/core/diagnosis.ts';
import type { SignalTrend } from '../../src/core/trend.ts';

/** The numbers in a message, in order ("×1.2e-5" → 0.000012, "+0.92" → 0.92, "layer 19" → 19). */
export function numbersIn(message: string): number[] {
  return (message.match(/[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?/g) ?? []).map(Number);
}

/** The values a trend may print, each as the messages round it (factors, decades, layer numbers). */
function printable(t: SignalTrend): number[] {
  const factors = [t.ratio, t.perLayer, 10 ** t.outputDecades];
  const decades = [t.decades, t.outputDecades, t.steepest?.decades ?? Number.NaN];
  const layers = [t.from, t.to, t.steepest?.from ?? -1, t.steepest?.to ?? -1, t.diesAt ?? -1];
  return [
    ...factors.filter(Number.isFinite).map((x) => Number(factorText(x))),
    ...decades.filter(Number.isFinite).map((x) => Number(decadesText(x))),
    ...layers,
  ];
}

/**
 * The message opens with the verdict in words, each trend's sentence ends with its own verdict, every number in the
 * message is one of the trends' numbers as printed, and each fitted trend's ratio, decades and per-layer factor appear.
 */
export function expectMessageMatchesTrends(d: Diagnosis): void {
  expect(d.message.startsWith(`${verdictWords(d.verdict)} — `)).toBe(true);
  const trends = [d.forward, d.backward].filter((t): t is SignalTrend => t !== null);
  const allowed = new Set(trends.flatMap(printable));
  const seen = numbersIn(d.message.slice(verdictWords(d.verdict).length));
  for (const n of seen) expect(allowed, `${n} in "${d.message}"`).toContain(n);
  for (const t of trends) {
    expect(d.message).toContain(`: ${verdictWords(t.verdict)}`);
    if (t.diesAt !== null || t.verdict === 'no_signal') continue;
    expect(seen).toContain(Number(factorText(t.ratio)));
    expect(seen).toContain(Number(decadesText(t.decades)));
    expect(seen).toContain(Number(factorText(t.perLayer)));
    expect(t.ratio).toBe(10 ** t.decades);
    expect(t.decades).toBe(t.decadesPerLayer * Math.abs(t.to - t.from));
  }
}
