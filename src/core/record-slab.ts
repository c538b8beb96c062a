// Zeroed Float64Arrays for step records, carved as views from shared blocks: a typed array above 64 bytes gets an
// off-heap backing store of its own (≈ 1.5 µs to allocate, plus its cost to the GC), a view of a block does not.

/** Doubles per block: a W3 record (3 layers × 18 fields) fits 151 times, a 50-layer one 9 times. */
const BLOCK_DOUBLES = 8192;

/**
 * Hands out fresh, zeroed, non-overlapping views, each as good as `new Float64Array(n)` to its holder (never
 * reused or written again by the slab). A holder keeping a view keeps its whole block (64 KB) alive; transferring
 * a view's `.buffer` would detach its neighbours, so records are copied, not transferred (jobs/record-buffer.ts).
 */
export class RecordSlab {
  private block = new ArrayBuffer(0);
  private next = 0;

  take(n: number): Float64Array {
    if (this.next + n > this.block.byteLength / 8) {
      this.block = new ArrayBuffer(8 * Math.max(n, BLOCK_DOUBLES));
      this.next = 0;
    }
    const view = new Float64Array(this.block, 8 * this.next, n);
    this.next += n;
    return view;
  }
}
