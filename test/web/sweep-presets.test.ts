// The dashboard's sweep presets are requests the API accepts: each passes the sweep schema, and every point it
// expands to is a valid run spec within the run budget.
import { describe, expect, it } from 'vitest';
import type { RunSpec } from '../../src/core/index.ts';
import { checkBudget } from '../../src/model/budget.ts';
import { RunSpecSchema } from '../../src/schemas/specs.ts';
import { SweepRequestSchema } from '../../src/schemas/sweeps.ts';
import { expandSweep } from '../../src/sweeps/expand.ts';
import { trainabilitySweep } from '../../src/sweeps/trainability.ts';
import { SWEEP_PRESETS, sweepPreset } from '../../web/src/sweep-presets.ts';

describe('sweep presets', () => {
  for (const { name } of SWEEP_PRESETS) {
    for (const cell of ['probe', 'train'] as const) {
      it(`${name} (${cell}) expands into valid runs within the budget`, () => {
        const request = SweepRequestSchema.parse(
          sweepPreset(name, { activation: 'relu', width: 16, depth: 4, cell }),
        );
        const input =
          request.kind === 'trainability'
            ? trainabilitySweep(request).input
            : { base: request.base as unknown as Record<string, unknown>, axes: request.axes };
        const points = expandSweep(input);
        expect(points.length).toBeGreaterThanOrEqual(15);
        for (const p of points) {
          const parsed = RunSpecSchema.safeParse(p.spec);
          expect(parsed.error?.issues ?? []).toEqual([]);
          expect(checkBudget(parsed.data as RunSpec)).toBeNull();
        }
      });
    }
  }
});
