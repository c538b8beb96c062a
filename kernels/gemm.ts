// WebAssembly SIMD (f64x2) versions of the three GEMM kernels in src/core/matmul.ts, in AssemblyScript.
// Same semantics: row-major float64, every kernel ACCUMULATES into C. a, b, c are byte offsets into
// this module's memory. Built by scripts/build-wasm.ts into src/core/wasm/gemm-wasm.ts.
//
// Scheme (GotoBLAS-style): for each (NC columns of C) × (KC-deep slice of k), copy the B block into
// panels of 4 columns laid out p-major (Bp[panel][p][0..3]); for each MC rows of C, copy the A block
// the same way (Ap[panel][p][0..3]). Packing turns all three kernel forms into ONE micro-kernel: a
// 4×4 tile of C held in 8 f64x2 registers, updated per p by an outer product of 4 broadcast A values
// with 4 contiguous B values. Partial panels are zero-padded in m or n (never in k), so padded rows or
// columns only reach outputs that the edge path throws away.
//
// Summation order per C element equals matmul.ts within a KC block: a partial sum over p from 0,
// then added into C, block after block. The source builds twice (scripts/build-wasm.ts): with plain
// SIMD, each step is a rounded multiply then a rounded add, so gemmABt (every shape), gemmAB (m a multiple
// of 4) and gemmAtB (k ≤ KC) give the same bits as the JS kernels; with relaxed SIMD
// (ASC_FEATURE_RELAXED_SIMD), each step is f64x2.relaxed_madd — fused (one rounding) where the CPU has FMA,
// as on x64 with FMA3 under V8 — so results differ from JS in the last bits but stay fixed on one runtime.

/** Tile of C in registers: MR rows × NR columns = 8 f64x2 accumulators (kernel4x4 and the panels assume 4). */
const MR: i32 = 4;
const NR: i32 = 4;
/** Depth of a k-block: KC of matmul.ts, which fixes the summation order; a 4-wide panel (8 KB) stays in L1. */
const KC: i32 = 256;
/** Rows of A packed per block: MC × KC doubles (128 KB) stay in L2 while B panels stream past. */
const MC: i32 = 64;
/** Columns of B packed per block: NC × KC doubles (256 KB) stay in L2. */
const NC: i32 = 128;

/** Scratch layout, from the first 16-byte boundary past static data: Ap, Bp, then one edge tile. */
const AP_BYTES: usize = <usize>(MC * KC * 8);
const BP_BYTES: usize = <usize>(NC * KC * 8);
const TILE_BYTES: usize = <usize>(MR * NR * 8);

/**
 * Where this instance packs (0: the static scratch below arenaStart). The memory is imported and shared, so
 * a second instance on it (a helper thread computing part of a product) must pack elsewhere; globals are
 * per instance, so each thread keeps its own.
 */
let scratchAt: usize = 0;

/** Makes this instance pack at `at` (16-byte aligned, scratchBytes() long), or at the static scratch for 0. */
export function useScratch(at: usize): void {
  scratchAt = at;
}

/** Bytes of packing scratch one instance needs (what useScratch's region must hold). */
export function scratchBytes(): usize {
  return AP_BYTES + BP_BYTES + TILE_BYTES;
}

// @ts-ignore: decorator
@inline function apBase(): usize {
  return scratchAt != 0 ? scratchAt : (__heap_base + 15) & ~(<usize>15);
}
// @ts-ignore: decorator
@inline function bpBase(): usize {
  return apBase() + AP_BYTES;
}
// @ts-ignore: decorator
@inline function tileBase(): usize {
  return bpBase() + BP_BYTES;
}

/** First byte the host may use (16-byte aligned): everything below is static data and kernel scratch. */
export function arenaStart(): usize {
  return ((__heap_base + 15) & ~(<usize>15)) + scratchBytes();
}

/** C(m, n) += A(m, k) · B(n, k)ᵀ. A[i][p] = a + (i·k + p)·8, B[p][j] as Bᵀ = b + (j·k + p)·8. */
export function gemmABt(a: usize, b: usize, c: usize, m: i32, n: i32, k: i32): void {
  gemm(a, <usize>k << 3, 8, b, 8, <usize>k << 3, c, <usize>n << 3, m, n, k);
}

/** C(m, n) += A(m, k) · B(k, n). */
export function gemmAB(a: usize, b: usize, c: usize, m: i32, n: i32, k: i32): void {
  gemm(a, <usize>k << 3, 8, b, <usize>n << 3, 8, c, <usize>n << 3, m, n, k);
}

/** C(m, n) += A(k, m)ᵀ · B(k, n). A[i][p] as Aᵀ = a + (p·m + i)·8. */
export function gemmAtB(a: usize, b: usize, c: usize, m: i32, n: i32, k: i32): void {
  gemm(a, 8, <usize>m << 3, b, <usize>n << 3, 8, c, <usize>n << 3, m, n, k);
}

/**
 * The general product below, exported for a split: a block of C's rows or columns computed by one thread with
 * the strides of the whole product, so every element it owns gets the same k-blocks in the same order.
 */
export function gemmStrided(
  a: usize, aRow: usize, aDepth: usize,
  b: usize, bDepth: usize, bCol: usize,
  c: usize, ldc: usize, m: i32, n: i32, k: i32,
): void {
  gemm(a, aRow, aDepth, b, bDepth, bCol, c, ldc, m, n, k);
}

/**
 * C(m, n) += op(A)(m, k) · op(B)(k, n), where element (i, p) of op(A) is at a + i·aRow + p·aDepth and
 * element (p, j) of op(B) at b + p·bDepth + j·bCol (strides in bytes). C is row-major, ldc bytes a row.
 */
function gemm(
  a: usize, aRow: usize, aDepth: usize,
  b: usize, bDepth: usize, bCol: usize,
  c: usize, ldc: usize, m: i32, n: i32, k: i32,
): void {
  const ap = apBase();
  const bp = bpBase();
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const panelBytes = <usize>kc << 5; // kc × 4 doubles
      // B block (kc, nc) → ⌈nc/4⌉ panels of (kc, 4).
      for (let jr = 0; jr < nc; jr += NR) {
        const src = b + <usize>pc * bDepth + <usize>(jc + jr) * bCol;
        packPanel(bp + <usize>(jr >> 2) * panelBytes, src, bCol, bDepth, min(NR, nc - jr), kc);
      }
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        // A block (mc, kc) → ⌈mc/4⌉ panels of (kc, 4).
        for (let ir = 0; ir < mc; ir += MR) {
          const src = a + <usize>(ic + ir) * aRow + <usize>pc * aDepth;
          packPanel(ap + <usize>(ir >> 2) * panelBytes, src, aRow, aDepth, min(MR, mc - ir), kc);
        }
        macroBlock(ap, bp, c + <usize>ic * ldc + (<usize>jc << 3), ldc, mc, nc, kc);
      }
    }
  }
}

/**
 * dst[p][l] = src[l·laneStride + p·depthStride] for p < kc, l < lanes, and 0 for lanes ≤ l < 4.
 * dst is a (kc, 4) panel, 16-byte aligned.
 */
function packPanel(dst: usize, src: usize, laneStride: usize, depthStride: usize, lanes: i32, kc: i32): void {
  if (lanes == 4 && laneStride == 8) {
    // The 4 lanes are contiguous in memory (B of AB/AtB, A of AtB): two vector copies per p.
    for (let p = 0; p < kc; p++) {
      v128.store(dst, v128.load(src));
      v128.store(dst, v128.load(src, 16), 16);
      dst += 32;
      src += depthStride;
    }
  } else if (lanes == 4) {
    // The 4 lanes are 4 rows walked along p (A of AB/ABt, B of ABt): gather one value per row.
    const s1 = src + laneStride;
    const s2 = s1 + laneStride;
    const s3 = s2 + laneStride;
    for (let p: usize = 0; p < <usize>kc; p++) {
      const off = p * depthStride;
      store<f64>(dst, load<f64>(src + off));
      store<f64>(dst, load<f64>(s1 + off), 8);
      store<f64>(dst, load<f64>(s2 + off), 16);
      store<f64>(dst, load<f64>(s3 + off), 24);
      dst += 32;
    }
  } else {
    // Edge panel: copy the valid lanes, zero the rest.
    for (let p: usize = 0; p < <usize>kc; p++) {
      const off = p * depthStride;
      for (let l = 0; l < 4; l++) {
        store<f64>(dst + (<usize>l << 3), l < lanes ? load<f64>(src + <usize>l * laneStride + off) : 0.0);
      }
      dst += 32;
    }
  }
}

/** C block (mc, nc) at c (row stride ldc bytes) += packed A block (mc, kc) · packed B block (kc, nc). */
function macroBlock(ap: usize, bp: usize, c: usize, ldc: usize, mc: i32, nc: i32, kc: i32): void {
  const panelBytes = <usize>kc << 5;
  const tile = tileBase();
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    const bPanel = bp + <usize>(jr >> 2) * panelBytes;
    for (let ir = 0; ir < mc; ir += MR) {
      const mr = min(MR, mc - ir);
      const aPanel = ap + <usize>(ir >> 2) * panelBytes;
      const cTile = c + <usize>ir * ldc + (<usize>jr << 3);
      if (mr == MR && nr == NR) {
        kernel4x4(aPanel, bPanel, kc, cTile, ldc, true);
      } else {
        // Edge tile: compute the full 4×4 into scratch, add back only the mr × nr valid part.
        kernel4x4(aPanel, bPanel, kc, tile, 32, false);
        for (let r = 0; r < mr; r++) {
          const row = cTile + <usize>r * ldc;
          for (let q = 0; q < nr; q++) {
            const at = row + (<usize>q << 3);
            store<f64>(at, load<f64>(at) + load<f64>(tile + (<usize>(r * 4 + q) << 3)));
          }
        }
      }
    }
  }
}

/**
 * C tile (4, 4) at c (row stride ldc bytes) += Ap panel (kc, 4)ᵀ · Bp panel (kc, 4), or = when not
 * `accumulate` (an inlined constant, so the branch folds away). cRH holds columns 0–1 (H = 0) or 2–3
 * (H = 1) of tile row R; per p, row R gains A[R]·B[0..3], summed from zero as in matmul.ts.
 */
// @ts-ignore: decorator
@inline function kernel4x4(ap: usize, bp: usize, kc: i32, c: usize, ldc: usize, accumulate: bool): void {
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0), c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0), c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let x = v128.load64_splat(ap);
    c00 = madd(c00, x, b0);
    c01 = madd(c01, x, b1);
    x = v128.load64_splat(ap, 8);
    c10 = madd(c10, x, b0);
    c11 = madd(c11, x, b1);
    x = v128.load64_splat(ap, 16);
    c20 = madd(c20, x, b0);
    c21 = madd(c21, x, b1);
    x = v128.load64_splat(ap, 24);
    c30 = madd(c30, x, b0);
    c31 = madd(c31, x, b1);
    ap += 32;
    bp += 32;
  }
  if (accumulate) {
    c00 = f64x2.add(v128.load(c), c00);
    c01 = f64x2.add(v128.load(c, 16), c01);
    c10 = f64x2.add(v128.load(c + ldc), c10);
    c11 = f64x2.add(v128.load(c + ldc, 16), c11);
    c20 = f64x2.add(v128.load(c + 2 * ldc), c20);
    c21 = f64x2.add(v128.load(c + 2 * ldc, 16), c21);
    c30 = f64x2.add(v128.load(c + 3 * ldc), c30);
    c31 = f64x2.add(v128.load(c + 3 * ldc, 16), c31);
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  c += ldc;
  v128.store(c, c10);
  v128.store(c, c11, 16);
  c += ldc;
  v128.store(c, c20);
  v128.store(c, c21, 16);
  c += ldc;
  v128.store(c, c30);
  v128.store(c, c31, 16);
}

/** acc + x·b per lane: fused (relaxed SIMD build) or a rounded multiply then a rounded add (plain build). */
// @ts-ignore: decorator
@inline function madd(acc: v128, x: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(x, b, acc);
  return f64x2.add(acc, f64x2.mul(x, b));
}
