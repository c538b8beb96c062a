// A dense layer's bias on flat (batch, units) buffers: broadcast into Z before the product, and its gradient as
// column sums. The reference of broadcastRows / addColumnSums in kernels/elementwise.ts (same sums, same bits).

/** Every row of Z (rows, cols) = b (cols): the bias a forward pass starts from. */
export function broadcastRows(b: Float64Array, Z: Float64Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) Z.set(b, r * cols);
}

/** db[j] += Σ_r dZ[r][j] for dZ (rows, cols), summed over r in order: forward was Z = … + b per row. */
export function addColumnSums(dZ: Float64Array, db: Float64Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let j = 0; j < cols; j++) db[j] += dZ[o + j];
  }
}
