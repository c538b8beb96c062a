// Parameter layout of a dense network: one flat Float64Array for all weights and biases, a view per layer.
// The same layout serves parameters, gradients and optimizer moments (STYLE: one flat buffer each).
import { type ActivationName, DEFAULTS, type NetworkSpec } from './spec.ts';

export interface LayerShape {
  /** 0-based position in the network. */
  index: number;
  /** n_{l-1}: width of the layer's input. */
  fanIn: number;
  /** n_l: width of the layer's output. */
  fanOut: number;
  activation: ActivationName;
  hasBias: boolean;
  /** Offset of W (fanOut, fanIn), row-major, in the flat buffer. */
  wOffset: number;
  /** Offset of b (fanOut) in the flat buffer (equal to wOffset + fanIn·fanOut; empty when !hasBias). */
  bOffset: number;
}

export interface Layout {
  inputSize: number;
  outputSize: number;
  layers: LayerShape[];
  /** Total number of parameters (weights and biases). */
  size: number;
  /** Widest layer (max over the input and all outputs), for sizing workspaces. */
  maxWidth: number;
  leakySlope: number;
  eluAlpha: number;
}

export function layoutOf(spec: NetworkSpec): Layout {
  const layers: LayerShape[] = [];
  let offset = 0;
  let fanIn = spec.inputSize;
  let maxWidth = spec.inputSize;
  spec.layers.forEach((layer, index) => {
    const hasBias = layer.bias !== false;
    const wOffset = offset;
    const bOffset = wOffset + fanIn * layer.units;
    offset = bOffset + (hasBias ? layer.units : 0);
    layers.push({
      index,
      fanIn,
      fanOut: layer.units,
      activation: layer.activation,
      hasBias,
      wOffset,
      bOffset,
    });
    fanIn = layer.units;
    maxWidth = Math.max(maxWidth, layer.units);
  });
  return {
    inputSize: spec.inputSize,
    outputSize: fanIn,
    layers,
    size: offset,
    maxWidth,
    leakySlope: spec.leakySlope ?? DEFAULTS.leakySlope,
    eluAlpha: spec.eluAlpha ?? DEFAULTS.eluAlpha,
  };
}

export interface LayerView {
  /** (fanOut, fanIn) row-major. */
  W: Float64Array;
  /** (fanOut), or an empty array for a layer without bias. */
  b: Float64Array;
}

/** Views of W and b of every layer into one flat buffer laid out by `layout` (no copies). */
export function viewsOf(layout: Layout, flat: Float64Array): LayerView[] {
  if (flat.length !== layout.size) {
    throw new Error(`viewsOf: buffer has ${flat.length} values, layout needs ${layout.size}`);
  }
  return layout.layers.map((l) => ({
    W: flat.subarray(l.wOffset, l.wOffset + l.fanIn * l.fanOut),
    b: flat.subarray(l.bOffset, l.bOffset + (l.hasBias ? l.fanOut : 0)),
  }));
}

/** Multiply-adds of one forward pass per sample (for FLOP counts and compute budgets). */
export function macsPerSample(layout: Layout): number {
  return layout.layers.reduce((sum, l) => sum + l.fanIn * l.fanOut, 0);
}
