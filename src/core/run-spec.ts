// What one job asks of the core: train a network, probe it at initialization, or check its gradients.
import type { DataSpec, InitSpec, NetworkSpec, TelemetrySpec, TrainSpec } from './spec.ts';

interface Model {
  network: NetworkSpec;
  init: InitSpec;
  data: DataSpec;
  /** Default seed for data generation and splitting (default 0). */
  seed?: number;
}

export interface TrainRunSpec extends Model {
  kind: 'train';
  training: TrainSpec;
  telemetry?: TelemetrySpec;
}

export interface ProbeRunSpec extends Model {
  kind: 'probe';
  /** Samples of the training set in the probe batch (default min(n, 256)). */
  batchSize?: number;
  /** What the backward pass differentiates (default 'loss', the network's loss). */
  objective?: 'loss' | 'mean_square' | 'random_projection';
  histograms?: { bins?: number; logScale?: boolean };
}

export interface GradcheckRunSpec extends Model {
  kind: 'gradcheck';
  /** Samples of the training set in the checked batch (default min(n, 32)). */
  batchSize?: number;
  epsilon?: number;
  mode?: 'full' | 'fast';
  sampleSize?: number;
  directions?: number;
}

export type RunSpec = TrainRunSpec | ProbeRunSpec | GradcheckRunSpec;
export type RunKind = RunSpec['kind'];
