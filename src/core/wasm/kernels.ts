// The three GEMM kernels behind one interface: the JS ones of matmul.ts, or the WebAssembly SIMD ones of
// kernels/gemm.ts (relaxed-SIMD FMA where the runtime has it), on Float64Arrays from a bump arena in wasm memory.
import { gemmAB, gemmABt, gemmAtB } from '../matmul.ts';
import { GEMM_RELAXED_WASM_BASE64, GEMM_WASM_BASE64 } from './gemm-wasm.ts';

type Gemm = (A: Float64Array, B: Float64Array, C: Float64Array, m: number, n: number, k: number) => void;

export interface GemmKernels {
  /** C(m, n) += A(m, k) · B(n, k)ᵀ. */
  gemmABt: Gemm;
  /** C(m, n) += A(m, k) · B(k, n). */
  gemmAB: Gemm;
  /** C(m, n) += A(k, m)ᵀ · B(k, n). */
  gemmAtB: Gemm;
  /** Allocates a zeroed Float64Array of n values that these kernels can operate on. */
  f64(n: number): Float64Array;
}

export const jsKernels: GemmKernels = { gemmABt, gemmAB, gemmAtB, f64: (n) => new Float64Array(n) };

/** What kernels/gemm.ts exports; pointers are byte offsets into `memory`. */
interface GemmExports {
  memory: WebAssembly.Memory;
  /** First byte past the kernels' static data and packing scratch (16-byte aligned). */
  arenaStart(): number;
  gemmABt(a: number, b: number, c: number, m: number, n: number, k: number): void;
  gemmAB(a: number, b: number, c: number, m: number, n: number, k: number): void;
  gemmAtB(a: number, b: number, c: number, m: number, n: number, k: number): void;
}

const PAGE_BYTES = 65536;
/** wasm32 addresses at most 65536 pages (4 GiB). */
const MAX_PAGES = 65536;

/**
 * The two builds of kernels/gemm.ts: 'simd' (a rounded multiply then a rounded add, bit-identical to
 * matmul.ts in the cases the tests list) and 'relaxed' (f64x2.relaxed_madd: fused where the CPU has FMA,
 * so last bits differ from JS, but a runtime always picks the same build, so runs stay deterministic).
 */
export type WasmVariant = 'simd' | 'relaxed';

const BASE64: Record<WasmVariant, string> = { simd: GEMM_WASM_BASE64, relaxed: GEMM_RELAXED_WASM_BASE64 };

// Compiled once per thread on first use: ~2 KB each, so synchronous compilation is cheap and allowed even
// on a browser main thread (Chrome refuses synchronous compiles above 4 KB there).
const compiled: Partial<Record<WasmVariant, WebAssembly.Module>> = {};

function gemmModule(variant: WasmVariant): WebAssembly.Module {
  compiled[variant] ??= new WebAssembly.Module(decodeBase64(BASE64[variant]));
  return compiled[variant];
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Whether this runtime validates the `variant` build (fixed-width SIMD; relaxed SIMD too for 'relaxed'). */
export function wasmVariantAvailable(variant: WasmVariant): boolean {
  if (typeof WebAssembly !== 'object') return false;
  return WebAssembly.validate(decodeBase64(BASE64[variant]));
}

/** The build createWasmKernels uses by default: 'relaxed' if validated, else 'simd', else null. */
export function preferredWasmVariant(): WasmVariant | null {
  return wasmVariantAvailable('relaxed') ? 'relaxed' : wasmVariantAvailable('simd') ? 'simd' : null;
}

/** Whether this runtime can compile the SIMD kernels (WebAssembly with the fixed-width SIMD proposal). */
export function wasmSimdAvailable(): boolean {
  return preferredWasmVariant() !== null;
}

/**
 * The `doubles` to give createWasmKernels so that its f64 can hand out every allocation `allocateAll` makes: one
 * dry run of it with an allocator that only counts (each count padded as f64 pads it), so the arena is sized from
 * the same list of buffers that is then allocated.
 */
export function arenaSize(allocateAll: (f64: (n: number) => Float64Array) => unknown): number {
  let doubles = 0;
  const none = new Float64Array(0);
  allocateAll((n) => {
    doubles += 2 * Math.ceil(n / 2);
    return none;
  });
  return doubles;
}

/**
 * WebAssembly SIMD kernels on a fresh instance whose memory holds an arena of `doubles` values, above the
 * kernels' 385 KB of packing scratch. `f64` hands out zeroed, 16-byte aligned views of the arena; each
 * allocation is padded to an even number of values, and one that does not fit throws. The kernels accept
 * only arrays from this arena. The memory never grows after this call, so the views stay attached.
 * `variant` defaults to preferredWasmVariant().
 */
export function createWasmKernels(
  doubles: number,
  variant: WasmVariant = preferredWasmVariant() ?? 'simd',
): GemmKernels {
  if (!Number.isSafeInteger(doubles) || doubles < 0) {
    throw new RangeError(`createWasmKernels: doubles must be a non-negative integer, got ${doubles}`);
  }
  const exports = new WebAssembly.Instance(gemmModule(variant)).exports as unknown as GemmExports;
  const { memory } = exports;
  const start = exports.arenaStart();
  const capacityBytes = Math.ceil(doubles / 2) * 16;
  const pages = Math.ceil((start + capacityBytes) / PAGE_BYTES);
  if (pages > MAX_PAGES) {
    throw new RangeError(`createWasmKernels: ${doubles} doubles exceed the 4 GiB wasm32 address space`);
  }
  // The module declares an empty memory; grow it once, to its final size, before any view exists.
  memory.grow(pages - memory.buffer.byteLength / PAGE_BYTES);
  const buffer = memory.buffer;
  const end = start + capacityBytes;
  let next = start;

  const f64 = (n: number): Float64Array => {
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new RangeError(`f64: n must be a non-negative integer, got ${n}`);
    }
    const bytes = Math.ceil(n / 2) * 16;
    if (next + bytes > end) {
      throw new RangeError(
        `f64(${n}): wasm arena exhausted, ${(end - next) / 8} of ${capacityBytes / 8} values left ` +
          '(allocations are padded to an even count)',
      );
    }
    const view = new Float64Array(buffer, next, n);
    next += bytes;
    return view;
  };

  /** The byte offset of X, after cheap checks that it lives in this arena and holds `needed` values. */
  const offsetOf = (kernel: string, name: 'A' | 'B' | 'C', X: Float64Array, needed: number): number => {
    if (X.buffer !== buffer) throw new Error(`${kernel}: ${name} is not allocated from this wasm arena`);
    if (X.length < needed) throw new RangeError(`${kernel}: ${name} has ${X.length} values, needs ${needed}`);
    return X.byteOffset;
  };

  return {
    gemmABt(A, B, C, m, n, k) {
      const a = offsetOf('gemmABt', 'A', A, m * k);
      const b = offsetOf('gemmABt', 'B', B, n * k);
      exports.gemmABt(a, b, offsetOf('gemmABt', 'C', C, m * n), m, n, k);
    },
    gemmAB(A, B, C, m, n, k) {
      const a = offsetOf('gemmAB', 'A', A, m * k);
      const b = offsetOf('gemmAB', 'B', B, k * n);
      exports.gemmAB(a, b, offsetOf('gemmAB', 'C', C, m * n), m, n, k);
    },
    gemmAtB(A, B, C, m, n, k) {
      const a = offsetOf('gemmAtB', 'A', A, k * m);
      const b = offsetOf('gemmAtB', 'B', B, k * n);
      exports.gemmAtB(a, b, offsetOf('gemmAtB', 'C', C, m * n), m, n, k);
    },
    f64,
  };
}
