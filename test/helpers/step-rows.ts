// A stored step row for stream tests: loss 1/(step+1), every layer statistic equal to the step.
import { FIELD_COUNT } from '../../src/core/index.ts';
import type { StepRow } from '../../src/model/run.ts';

export const stepRow = (step: number, layers = 0): StepRow => ({
  step,
  loss: 1 / (step + 1),
  gradNorm: 1,
  trainAccuracy: null,
  testAccuracy: null,
  layers: new Float32Array(layers * FIELD_COUNT).fill(step),
  histograms: null,
});
