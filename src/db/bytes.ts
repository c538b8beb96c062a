// Typed arrays ⇄ the little-endian bytes stored in bytea columns, and floats ⇄ exact SQL text.
//
// Bytes travel as base64 text (`decode($1, 'base64')` / `encode(col, 'base64')`) because bytea does
// not pass through Prisma's raw queries here: the 6.19 client cannot serialize the Buffer that
// adapter-pg 7.10 (the one adapter, for both databases) returns for a bytea column from $queryRaw.

// Typed arrays use the host's byte order; every platform Node ships for is little-endian, which is
// what the columns promise. Refuse to run rather than store bytes another reader would misread.
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('src/db/bytes.ts: big-endian hosts are not supported (bytea columns are little-endian)');
}

/** The values' little-endian bytes, base64. */
export function floatsToBase64(values: Float32Array | Float64Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

/** A fresh, aligned Float32Array (never a view into a pooled Buffer, so it can be transferred). */
export function float32FromBytes(bytes: Uint8Array, what: string): Float32Array {
  return new Float32Array(copyWhole(bytes, 4, what));
}

/** A fresh, aligned Float64Array (never a view into a pooled Buffer, so it can be transferred). */
export function float64FromBytes(bytes: Uint8Array, what: string): Float64Array {
  return new Float64Array(copyWhole(bytes, 8, what));
}

export function base64ToBytes(text: string): Uint8Array {
  return Buffer.from(text, 'base64');
}

/**
 * A float8 as SQL text that parses back to the same bits: JS's shortest round-trip form, plus the
 * spelling Postgres wants for NaN, and the sign of -0 (which String() drops). 'Infinity' and
 * '-Infinity' are already Postgres spellings.
 */
export function float8Text(x: number): string {
  if (Object.is(x, -0)) return '-0';
  if (Number.isNaN(x)) return 'NaN';
  return String(x);
}

/** Copies into a new ArrayBuffer: the source is often an unaligned slice of a larger buffer. */
function copyWhole(bytes: Uint8Array, width: number, what: string): ArrayBuffer {
  if (bytes.byteLength % width !== 0) {
    throw new Error(`${what}: ${bytes.byteLength} bytes is not a whole number of ${width}-byte floats`);
  }
  const out = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(out).set(bytes);
  return out;
}
