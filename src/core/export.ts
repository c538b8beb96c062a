// Weights as plain JSON matrices (W as out × in rows, b as a vector), to load elsewhere.
import { type Layout, viewsOf } from './model.ts';

export interface LayerWeights {
  /** (out, in): W[j][k] connects input k to unit j, as PyTorch's nn.Linear.weight. */
  W: number[][];
  /** (out), or null for a layer without bias. */
  b: number[] | null;
}

export function weightsToJson(layout: Layout, theta: Float64Array): LayerWeights[] {
  return viewsOf(layout, theta).map(({ W, b }, l) => {
    const { fanIn, fanOut, hasBias } = layout.layers[l];
    return {
      W: Array.from({ length: fanOut }, (_, j) => Array.from(W.subarray(j * fanIn, (j + 1) * fanIn))),
      b: hasBias ? Array.from(b) : null,
    };
  });
}

/** The inverse of weightsToJson: a flat θ laid out by `layout` (throws on a shape mismatch). */
export function weightsFromJson(layout: Layout, layers: LayerWeights[]): Float64Array {
  if (layers.length !== layout.layers.length) {
    throw new Error(
      `weightsFromJson: ${layers.length} layers given, the network has ${layout.layers.length}`,
    );
  }
  const theta = new Float64Array(layout.size);
  const views = viewsOf(layout, theta);
  layout.layers.forEach(({ fanIn, fanOut, hasBias }, l) => {
    const { W, b } = layers[l];
    if (W.length !== fanOut || W.some((row) => row.length !== fanIn)) {
      throw new Error(`weightsFromJson: layer ${l} W must be ${fanOut}×${fanIn}`);
    }
    W.forEach((row, j) => {
      views[l].W.set(row, j * fanIn);
    });
    if (hasBias !== (b !== null) || (b && b.length !== fanOut)) {
      throw new Error(`weightsFromJson: layer ${l} b must be ${hasBias ? `a vector of ${fanOut}` : 'null'}`);
    }
    if (b) views[l].b.set(b);
  });
  return theta;
}
