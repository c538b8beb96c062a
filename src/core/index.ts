// The numeric core's public surface: what the worker, the service and the benchmarks use.
export { type Diagnosis, diagnose, type RunDiagnosis, runDiagnosis, type Verdict } from './diagnosis.ts';
export { SpecError } from './errors.ts';
export { type Evaluation, evaluateDataset } from './evaluate.ts';
export { type BatchEvaluation, evaluateBatch } from './evaluate-batch.ts';
export { type LayerWeights, weightsFromJson, weightsToJson } from './export.ts';
export {
  type GradCheckResult,
  gradcheckEvaluations,
  gradcheckFootprint,
  gradientCheck,
  verdictOf,
} from './gradcheck.ts';
export { type GradcheckOutcome, gradcheckBatchOf, runGradcheck } from './gradcheck-run.ts';
export type { LsuvLayerReport } from './lsuv.ts';
export { type Layout, layoutOf, macsPerSample, viewsOf } from './model.ts';
export {
  backward,
  batchLoss,
  buildNetwork,
  createWorkspace,
  forward,
  l2Penalty,
  type Network,
} from './network.ts';
export { type ProbeOutcome, probeBatchOf, probeFootprint, runProbe } from './probe.ts';
export {
  hasHistograms,
  histogramPlan,
  isRecordedStep,
  type RecordingPlan,
  recordedStepCounts,
  recordingPlan,
} from './recording.ts';
export type { GradcheckRunSpec, ProbeRunSpec, RunKind, RunSpec, TrainRunSpec } from './run-spec.ts';
export * from './spec.ts';
export type { Spectrum } from './spectrum.ts';
export { FIELD, FIELD_COUNT, LAYER_FIELDS, type LayerField } from './stats.ts';
export * from './theory/index.ts';
export { plannedSteps, runTraining, type StepRecord, type TrainOutcome } from './train.ts';
export type { SignalTrend } from './trend.ts';
export { type SpecFacts, validateRunSpec } from './validate.ts';
export {
  abandonHelper,
  allowHelper,
  type GemmThreads,
  type HelperOffer,
  helperAttached,
  releaseHelper,
  serveSplits,
  splitCount,
} from './wasm/gemm-split.ts';
export { helperGemm } from './wasm/kernels.ts';
