// The mean-field theory's public surface: signal propagation, the grid with its critical line, the init advisor.
export { type Advice, type AdvisorInput, adviseInit, type LayerAdvice } from './advisor.ts';
export { type Axis, axisValues, computeTheory, type TheoryRequest, type TheoryResult } from './compute.ts';
export { type TheoryGrid, type TheoryGridSpec, theoryGrid } from './grid.ts';
export {
  criticalSigmaW2,
  DEFAULT_NODES_1D,
  DEFAULT_NODES_2D,
  type MeanField,
  type MeanFieldPoint,
  meanField,
  type Phase,
} from './mean-field.ts';
export { THEORY_ACTIVATIONS, type TheoryActivation } from './phi.ts';
