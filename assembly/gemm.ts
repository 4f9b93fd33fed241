// Batched single-precision GEMM over raw linear-memory pointers.
//
// Design (BLIS-style): for each block of KC rows of op(B) and NC columns, B is packed into column panels of
// NR = 8 ([p][8] per panel); for each block of MC rows of op(A), A is packed into row panels of MR rows
// ([p][MR] per panel). An MR×8 micro-kernel keeps the C tile in 2·MR f32x4 locals and, per p, loads one
// 8-wide row of the B panel and splats MR values of A. Transposes are absorbed by the packing routines.
// Edge tiles: fewer rows run a kernel compiled for that row count; fewer columns are zero-padded in the
// packed panel and stored through a staging tile.
// When op(B) is B itself and m is small, full-width B panels are not packed: the micro-kernel reads B's rows
// in place (packing would cost about as much as the product). Products with very few rows or columns skip
// packing altogether and run as matrix-vector kernels (gemm-vector.ts), one per row or column of C.
// No managed allocations: the code runs under `--runtime stub`. Every scratch use is within
// gemmScratchBytes().

import { gatherVector, rowsDotVector, vectorTimesRows } from './gemm-vector';

/**
 * Rows per micro-tile. V8 gives wasm code 15 usable xmm registers. 6×8 needs 12 accumulators + 2 B vectors
 * + 1 A splat: that fits with fused multiply-add (relaxed SIMD), but separate mul and add need one more
 * register for the product and V8 then spills an accumulator, so the plain build uses 5×8.
 */
const MR: i32 = ASC_FEATURE_RELAXED_SIMD ? 6 : 5;
const NR = 8;
const KC = 256;
const MC = 120; // a multiple of both row counts (5 and 6)
const NC = 2048; // multiple of NR
/**
 * Products with at most this many rows (columns) of C run as that many matrix-vector products, one pass over
 * op(B) (op(A)) each: cheaper than packing for the blocked kernel, which would also pad the 8-wide column
 * panels (or MR-row panels) mostly with zeros. Measured crossovers on this kernel.
 */
const VECTOR_MAX_ROWS = 2;
const VECTOR_MAX_COLUMNS = 6;
/** Below this many rows of C, op(B) = B is read in place instead of packed. */
const DIRECT_B_MAX_M = 24;

// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

// @ts-ignore: decorator
@inline function roundUp(x: i32, to: i32): i32 {
  return (x + to - 1) / to * to;
}

// @ts-ignore: decorator
@inline function min32(x: i32, y: i32): i32 {
  return x < y ? x : y;
}

/** Rows per micro-tile: the host splits rows among threads at multiples of it. */
export function gemmRowTile(): i32 {
  return MR;
}

/**
 * 1 when gemm() runs an m×n product (k > 0) through the blocked kernel. There every entry of C is the same
 * sequence of multiply-adds wherever its row and column fall (k = 1 runs rankOne, with the same arithmetic), so
 * products split into row or column ranges
 * (one per thread) give the same bits as the whole.
 */
export function gemmIsBlocked(m: i32, n: i32): i32 {
  return m > VECTOR_MAX_ROWS && n > VECTOR_MAX_COLUMNS ? 1 : 0;
}

/** Bytes of scratch gemm() may use; the caller passes at least this much, 16-byte aligned. */
export function gemmScratchBytes(m: i32, n: i32, k: i32): i32 {
  const kc = min32(k, KC);
  const packedB = kc * min32(roundUp(n, NR), NC);
  const packedA = kc * min32(roundUp(m, MR), MC);
  const vector = k > n ? k : n;
  const floats = packedB + packedA + MR * NR;
  return (floats > vector ? floats : vector) * 4 + 64;
}

/**
 * For each b < batch: C_b (m×n, row stride ldc) = op(A_b)·op(B_b) (+ C_b when accumulate != 0).
 * A_b starts at a + 4·b·aBatchStride; op(A) is A (m×k, row stride lda) or, when transA != 0, the transpose of a
 * stored k×m matrix with row stride lda. Same for B (k×n, or n×k stored when transB != 0). Batch strides may be 0.
 * k = 0 gives C = 0 (unchanged when accumulating). C must not alias A or B. Only the m×n entries of each C_b
 * are written.
 */
export function gemm(
  batch: i32, m: i32, n: i32, k: i32,
  a: usize, aBatchStride: i32, lda: i32, transA: i32,
  b: usize, bBatchStride: i32, ldb: i32, transB: i32,
  c: usize, cBatchStride: i32, ldc: i32, accumulate: i32,
  scratch: usize,
): void {
  if (m <= 0 || n <= 0) return;
  // A B shared by the whole batch that fits one packed block is packed once, where blocked() would pack it (the
  // start of scratch), and every entry reads it there.
  const sharedB: usize = batch > 1 && bBatchStride == 0 && k <= KC && packedWholeBBytes(m, n, k) > 0 ? scratch : 0;
  if (sharedB != 0) packWholeB(sharedB, b, ldb, transB, k, n);
  for (let bi = 0; bi < batch; bi++) {
    const ab = a + ((<usize>bi * <usize>aBatchStride) << 2);
    const bb = b + ((<usize>bi * <usize>bBatchStride) << 2);
    const cb = c + ((<usize>bi * <usize>cBatchStride) << 2);
    if (k <= 0) {
      if (!accumulate) zeroMatrix(cb, m, n, ldc);
    } else if (m <= VECTOR_MAX_ROWS) {
      // Each row of C = a row of op(A) · op(B); the row is gathered contiguous into scratch when transA strides it.
      for (let i = 0; i < m; i++) {
        const cRow = cb + ((<usize>i * <usize>ldc) << 2);
        const x = transA
          ? (lda == 1 ? ab + (<usize>i << 2) : gatherVector(scratch, ab + (<usize>i << 2), k, lda))
          : ab + ((<usize>i * <usize>lda) << 2);
        if (transB) rowsDotVector(cRow, 1, bb, ldb, x, k, n, accumulate != 0);
        else vectorTimesRows(cRow, 1, x, bb, ldb, k, n, accumulate != 0);
      }
    } else if (n <= VECTOR_MAX_COLUMNS) {
      // Each column of C = op(A) · a column of op(B), gathered contiguous when B is not transposed.
      for (let j = 0; j < n; j++) {
        const cColumn = cb + (<usize>j << 2);
        const y = transB
          ? bb + ((<usize>j * <usize>ldb) << 2)
          : (ldb == 1 ? bb + (<usize>j << 2) : gatherVector(scratch, bb + (<usize>j << 2), k, ldb));
        if (transA) vectorTimesRows(cColumn, ldc, y, ab, lda, k, m, accumulate != 0);
        else rowsDotVector(cColumn, ldc, ab, lda, y, k, m, accumulate != 0);
      }
    } else if (k == 1) {
      rankOne(m, n, ab, lda, transA != 0, bb, ldb, transB != 0, cb, ldc, accumulate != 0, scratch);
    } else {
      blocked(m, n, k, ab, lda, transA != 0, bb, ldb, transB != 0, cb, ldc, accumulate != 0, scratch, sharedB);
    }
  }
}

/** The most floats a packed whole op(B) may take (64 MiB): beyond, packing per product costs little in comparison. */
const WHOLE_B_MAX_FLOATS: i64 = 1 << 24;

/**
 * Bytes packWholeB needs for a k×n op(B), or 0 where products against it cannot use a packed whole (n > NC, or
 * a product gemm() would not run blocked: see gemmPackedB) or it would exceed WHOLE_B_MAX_FLOATS.
 */
export function packedWholeBBytes(m: i32, n: i32, k: i32): i32 {
  if (n > NC || k <= 1 || gemmIsBlocked(m, n) == 0) return 0;
  const floats = <i64>k * <i64>roundUp(n, NR);
  return floats > WHOLE_B_MAX_FLOATS ? 0 : <i32>(floats << 2);
}

/**
 * Packs all of op(B) (k×n; packedWholeBBytes(m, n, k) > 0) into dst, every KC block of rows after the other,
 * for products that reuse one right operand many times (a recurrent layer's W_hh, once per time step).
 */
export function packWholeB(dst: usize, b: usize, ldb: i32, transB: i32, k: i32, n: i32): void {
  for (let pc = 0; pc < k; pc += KC) {
    packB(dst + ((<usize>pc * <usize>roundUp(n, NR)) << 2), b, ldb, transB != 0, pc, min32(KC, k - pc), 0, n);
  }
}

/**
 * C (m×n, row stride ldc) = op(A)·op(B) (+ C when accumulate) for an op(B) packed by packWholeB: gemm()'s
 * blocked product without packing B, so every entry has the bits gemm() gives it.
 */
export function gemmPackedB(
  m: i32, n: i32, k: i32, a: usize, lda: i32, transA: i32, wholeB: usize,
  c: usize, ldc: i32, accumulate: i32, scratch: usize,
): void {
  blocked(m, n, k, a, lda, transA != 0, 0, 0, false, c, ldc, accumulate != 0, scratch, wholeB);
}

function zeroMatrix(c: usize, m: i32, n: i32, ldc: i32): void {
  for (let i = 0; i < m; i++) memory.fill(c + ((<usize>i * <usize>ldc) << 2), 0, <usize>n << 2);
}

/**
 * An outer product (k = 1: a Linear layer's weight gradient for one input row), without packing: row i of C is
 * op(A)[i]·op(B)'s only row. Each entry is the blocked kernel's arithmetic for k = 1 — a multiply-add onto
 * zero, then added to C when accumulating — so the bits are the same as there.
 */
function rankOne(
  m: i32, n: i32, a: usize, lda: i32, transA: bool, b: usize, ldb: i32, transB: bool,
  c: usize, ldc: i32, accumulate: bool, scratch: usize,
): void {
  const bRow = transB ? gatherVector(scratch, b, n, ldb) : b;
  const aStep: usize = transA ? 4 : <usize>lda << 2;
  const zero = f32x4.splat(0);
  const n4 = n & ~3;
  for (let i = 0; i < m; i++) {
    const av = v128.load32_splat(a + <usize>i * aStep);
    const row = c + ((<usize>i * <usize>ldc) << 2);
    for (let j = 0; j < n4; j += 4) {
      const off = <usize>j << 2;
      const v = madd(av, v128.load(bRow + off), zero);
      v128.store(row + off, accumulate ? f32x4.add(v128.load(row + off), v) : v);
    }
    for (let j = n4; j < n; j++) {
      const off = <usize>j << 2;
      const v = f32x4.extract_lane(madd(av, v128.load32_splat(bRow + off), zero), 0);
      store<f32>(row + off, accumulate ? load<f32>(row + off) + v : v);
    }
  }
}

/**
 * The blocked, packed product for one batch entry. wholeB: op(B) already packed whole (packWholeB; n ≤ NC), or
 * 0 to pack it here block by block.
 */
function blocked(
  m: i32, n: i32, k: i32,
  a: usize, lda: i32, transA: bool,
  b: usize, ldb: i32, transB: bool,
  c: usize, ldc: i32, accumulate: bool,
  scratch: usize, wholeB: usize,
): void {
  const packedB = scratch;
  const packedA = packedB + ((<usize>min32(k, KC) * <usize>min32(roundUp(n, NR), NC)) << 2);
  const tile = packedA + ((<usize>min32(k, KC) * <usize>min32(roundUp(m, MR), MC)) << 2);
  const directB = wholeB == 0 && !transB && m <= DIRECT_B_MAX_M;
  const ldcBytes = <usize>ldc << 2;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min32(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min32(KC, k - pc);
      const add = accumulate || pc > 0;
      // Full-width column panels read in place when directB; otherwise every panel, edge included, is packed.
      const fullPanels = directB ? nc / NR : 0;
      // a whole op(B) packed beforehand (packWholeB; n ≤ NC) holds this block's panels at row pc
      const blockB = wholeB != 0 ? wholeB + ((<usize>pc * <usize>roundUp(n, NR)) << 2) : packedB;
      if (wholeB == 0) packB(packedB, b, ldb, transB, pc, kc, jc + fullPanels * NR, nc - fullPanels * NR);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min32(MC, m - ic);
        packA(packedA, a, lda, transA, ic, mc, pc, kc);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min32(NR, nc - jr);
          const panel = jr / NR;
          let bPanel: usize;
          let bStep: usize;
          if (panel < fullPanels) {
            bPanel = b + ((<usize>pc * <usize>ldb + <usize>(jc + jr)) << 2);
            bStep = <usize>ldb << 2;
          } else {
            bPanel = blockB + ((<usize>(panel - fullPanels) * <usize>kc * NR) << 2);
            bStep = NR << 2;
          }
          const cColumn = c + ((<usize>ic * <usize>ldc + <usize>(jc + jr)) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            microKernel(
              kc, packedA + ((<usize>ir * <usize>kc) << 2), bPanel, bStep,
              cColumn + <usize>ir * ldcBytes, ldcBytes, min32(MR, mc - ir), nr, add, tile,
            );
          }
        }
      }
    }
  }
}

/**
 * Packs op(A)[i0 .. i0+mc, p0 .. p0+kc] into ceil(mc/MR) panels of kc×MR floats (panel q holds rows
 * i0+MR·q .. i0+MR·q+MR-1, element (i, p) at [p·MR + i]); rows past mc are zero.
 */
function packA(dst: usize, a: usize, lda: i32, transA: bool, i0: i32, mc: i32, p0: i32, kc: i32): void {
  const ldaBytes = <usize>lda << 2;
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = min32(MR, mc - ir);
    const panel = dst + ((<usize>ir * <usize>kc) << 2);
    if (transA) {
      // op(A)[i, p] = A[p·lda + i]: the panel's MR values for one p are contiguous in A.
      let src = a + ((<usize>p0 * <usize>lda + <usize>(i0 + ir)) << 2);
      if (mr == MR) {
        for (let p = 0; p < kc; p++) {
          const out = panel + <usize>p * (MR << 2);
          v128.store(out, v128.load(src));
          if (MR == 5) store<f32>(out, load<f32>(src, 16), 16);
          if (MR == 6) store<u64>(out, load<u64>(src, 16), 16);
          src += ldaBytes;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          const out = panel + <usize>p * (MR << 2);
          for (let r = 0; r < MR; r++) {
            store<f32>(out + (<usize>r << 2), r < mr ? load<f32>(src + (<usize>r << 2)) : 0);
          }
          src += ldaBytes;
        }
      }
    } else {
      // op(A)[i, p] = A[i·lda + p]: each of the MR rows is contiguous in A. Full panels move four p at a time:
      // rows 0-3 through a 4×4 register transpose, the remaining rows lane by lane.
      const src = a + ((<usize>(i0 + ir) * <usize>lda + <usize>p0) << 2);
      let p = 0;
      if (mr == MR) {
        for (; p + 4 <= kc; p += 4) {
          const s = src + (<usize>p << 2);
          const out = panel + <usize>p * (MR << 2);
          transpose4x4(out, MR << 2, s, ldaBytes);
          const r4 = v128.load(s + 4 * ldaBytes);
          if (MR == 5) {
            v128.store32_lane(out, r4, 0, 16);
            v128.store32_lane(out, r4, 1, 16 + (MR << 2));
            v128.store32_lane(out, r4, 2, 16 + (MR << 3));
            v128.store32_lane(out, r4, 3, 16 + 3 * (MR << 2));
          } else {
            const r5 = v128.load(s + 5 * ldaBytes);
            const lo = i32x4.shuffle(r4, r5, 0, 4, 1, 5); // r4p0 r5p0 r4p1 r5p1
            const hi = i32x4.shuffle(r4, r5, 2, 6, 3, 7); // r4p2 r5p2 r4p3 r5p3
            v128.store64_lane(out, lo, 0, 16);
            v128.store64_lane(out, lo, 1, 16 + (MR << 2));
            v128.store64_lane(out, hi, 0, 16 + (MR << 3));
            v128.store64_lane(out, hi, 1, 16 + 3 * (MR << 2));
          }
        }
      }
      for (let r = 0; r < MR; r++) {
        const out = panel + (<usize>r << 2);
        const row = src + <usize>r * ldaBytes;
        for (let q = p; q < kc; q++) {
          store<f32>(out + <usize>q * (MR << 2), r < mr ? load<f32>(row + (<usize>q << 2)) : 0);
        }
      }
    }
  }
}

/**
 * Packs op(B)[p0 .. p0+kc, j0 .. j0+nc] into ceil(nc/8) panels of kc×8 floats (panel q holds columns
 * j0+8q .. j0+8q+7, element (p, j) at [p·8 + j]); columns past nc are zero.
 */
function packB(dst: usize, b: usize, ldb: i32, transB: bool, p0: i32, kc: i32, j0: i32, nc: i32): void {
  const ldbBytes = <usize>ldb << 2;
  const panelBytes = (<usize>kc * NR) << 2;
  if (!transB) {
    // op(B)[p, j] = B[p·ldb + j]. Four rows at a time are dealt out across the full panels, so each panel
    // receives 128 contiguous bytes per visit and each source line is used up while still cached (one panel
    // at a time would read 32 bytes per source line, lines a whole ldb apart; one row at a time would write
    // 32 bytes per destination line, lines a whole panel apart).
    const full = nc / NR;
    let p = 0;
    for (; p + 4 <= kc; p += 4) {
      let src = b + ((<usize>(p0 + p) * <usize>ldb + <usize>j0) << 2);
      let out = dst + ((<usize>p * NR) << 2);
      for (let q = 0; q < full; q++) {
        v128.store(out, v128.load(src));
        v128.store(out, v128.load(src, 16), 16);
        v128.store(out, v128.load(src + ldbBytes), 32);
        v128.store(out, v128.load(src + ldbBytes, 16), 48);
        v128.store(out, v128.load(src + 2 * ldbBytes), 64);
        v128.store(out, v128.load(src + 2 * ldbBytes, 16), 80);
        v128.store(out, v128.load(src + 3 * ldbBytes), 96);
        v128.store(out, v128.load(src + 3 * ldbBytes, 16), 112);
        src += NR << 2;
        out += panelBytes;
      }
    }
    for (; p < kc; p++) {
      let src = b + ((<usize>(p0 + p) * <usize>ldb + <usize>j0) << 2);
      let out = dst + ((<usize>p * NR) << 2);
      for (let q = 0; q < full; q++) {
        v128.store(out, v128.load(src));
        v128.store(out, v128.load(src, 16), 16);
        src += NR << 2;
        out += panelBytes;
      }
    }
    const nr = nc - full * NR;
    if (nr > 0) {
      let src = b + ((<usize>p0 * <usize>ldb + <usize>(j0 + full * NR)) << 2);
      const panel = dst + <usize>full * panelBytes;
      for (let p = 0; p < kc; p++) {
        const out = panel + ((<usize>p * NR) << 2);
        for (let j = 0; j < NR; j++) store<f32>(out + (<usize>j << 2), j < nr ? load<f32>(src + (<usize>j << 2)) : 0);
        src += ldbBytes;
      }
    }
    return;
  }
  // op(B)[p, j] = B[j·ldb + p]: 4×4 blocks are transposed in registers.
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min32(NR, nc - jr);
    const panel = dst + ((<usize>jr * <usize>kc) << 2);
    const src = b + ((<usize>(j0 + jr) * <usize>ldb + <usize>p0) << 2);
    if (nr == NR) {
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const s = src + (<usize>p << 2);
        const out = panel + ((<usize>p * NR) << 2);
        transpose4x4(out, NR << 2, s, ldbBytes);
        transpose4x4(out + 16, NR << 2, s + 4 * ldbBytes, ldbBytes);
      }
      for (; p < kc; p++) {
        const out = panel + ((<usize>p * NR) << 2);
        for (let j = 0; j < NR; j++) store<f32>(out + (<usize>j << 2), load<f32>(src + <usize>j * ldbBytes + (<usize>p << 2)));
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const out = panel + ((<usize>p * NR) << 2);
        for (let j = 0; j < NR; j++) {
          store<f32>(out + (<usize>j << 2), j < nr ? load<f32>(src + <usize>j * ldbBytes + (<usize>p << 2)) : 0);
        }
      }
    }
  }
}

/** dst rows (stride dstStride bytes) = transpose of the 4×4 block at src (row stride srcStride bytes). */
// @ts-ignore: decorator
@inline function transpose4x4(dst: usize, dstStride: usize, src: usize, srcStride: usize): void {
  const r0 = v128.load(src);
  const r1 = v128.load(src + srcStride);
  const r2 = v128.load(src + 2 * srcStride);
  const r3 = v128.load(src + 3 * srcStride);
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5); // a0 b0 a1 b1
  const t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5); // c0 d0 c1 d1
  const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7); // a2 b2 a3 b3
  const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7); // c2 d2 c3 d3
  v128.store(dst, i64x2.shuffle(t0, t1, 0, 2));
  v128.store(dst + dstStride, i64x2.shuffle(t0, t1, 1, 3));
  v128.store(dst + 2 * dstStride, i64x2.shuffle(t2, t3, 0, 2));
  v128.store(dst + 3 * dstStride, i64x2.shuffle(t2, t3, 1, 3));
}

/**
 * C tile (mr×nr at c, row stride ldcBytes) = (C +) Apanel·Bpanel over kc steps. Apanel is packed (MR floats
 * per p); the B panel has 8 floats per p, bStep bytes apart (32 when packed, the B row stride when read in
 * place). Each row count has its own compiled kernel, so a short edge tile does no work for absent rows.
 */
function microKernel(
  kc: i32, pa: usize, pb: usize, bStep: usize,
  c: usize, ldcBytes: usize, mr: i32, nr: i32, add: bool, tile: usize,
): void {
  if (mr >= MR) tileRowsMR(kc, pa, pb, bStep, c, ldcBytes, nr, add, tile);
  else if (mr == 1) tileRows1(kc, pa, pb, bStep, c, ldcBytes, nr, add, tile);
  else if (mr == 2) tileRows2(kc, pa, pb, bStep, c, ldcBytes, nr, add, tile);
  else if (mr == 3) tileRows3(kc, pa, pb, bStep, c, ldcBytes, nr, add, tile);
  else if (mr == 4) tileRows4(kc, pa, pb, bStep, c, ldcBytes, nr, add, tile);
  else tileRows5(kc, pa, pb, bStep, c, ldcBytes, nr, add, tile);
}

function tileRowsMR(kc: i32, pa: usize, pb: usize, bStep: usize, c: usize, ldcBytes: usize, nr: i32, add: bool, tile: usize): void {
  tileKernel(MR, kc, pa, pb, bStep, c, ldcBytes, nr, add, tile);
}
function tileRows1(kc: i32, pa: usize, pb: usize, bStep: usize, c: usize, ldcBytes: usize, nr: i32, add: bool, tile: usize): void {
  tileKernel(1, kc, pa, pb, bStep, c, ldcBytes, nr, add, tile);
}
function tileRows2(kc: i32, pa: usize, pb: usize, bStep: usize, c: usize, ldcBytes: usize, nr: i32, add: bool, tile: usize): void {
  tileKernel(2, kc, pa, pb, bStep, c, ldcBytes, nr, add, tile);
}
function tileRows3(kc: i32, pa: usize, pb: usize, bStep: usize, c: usize, ldcBytes: usize, nr: i32, add: bool, tile: usize): void {
  tileKernel(3, kc, pa, pb, bStep, c, ldcBytes, nr, add, tile);
}
function tileRows4(kc: i32, pa: usize, pb: usize, bStep: usize, c: usize, ldcBytes: usize, nr: i32, add: bool, tile: usize): void {
  tileKernel(4, kc, pa, pb, bStep, c, ldcBytes, nr, add, tile);
}
function tileRows5(kc: i32, pa: usize, pb: usize, bStep: usize, c: usize, ldcBytes: usize, nr: i32, add: bool, tile: usize): void {
  tileKernel(5, kc, pa, pb, bStep, c, ldcBytes, nr, add, tile);
}

/**
 * The micro-kernel body for a compile-time row count `rows` (≤ MR): the rows×8 tile lives in 2·rows f32x4
 * locals; per p one 8-wide B row is loaded and each A value splatted. Full-width tiles are stored directly,
 * narrower ones through the staging tile.
 */
// @ts-ignore: decorator
@inline function tileKernel(
  rows: i32, kc: i32, pa: usize, pb: usize, bStep: usize,
  c: usize, ldcBytes: usize, nr: i32, add: bool, tile: usize,
): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  let c50 = f32x4.splat(0), c51 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let av = v128.load32_splat(pa);
    c00 = madd(av, b0, c00); c01 = madd(av, b1, c01);
    if (rows > 1) {
      av = v128.load32_splat(pa, 4);
      c10 = madd(av, b0, c10); c11 = madd(av, b1, c11);
    }
    if (rows > 2) {
      av = v128.load32_splat(pa, 8);
      c20 = madd(av, b0, c20); c21 = madd(av, b1, c21);
    }
    if (rows > 3) {
      av = v128.load32_splat(pa, 12);
      c30 = madd(av, b0, c30); c31 = madd(av, b1, c31);
    }
    if (rows > 4) {
      av = v128.load32_splat(pa, 16);
      c40 = madd(av, b0, c40); c41 = madd(av, b1, c41);
    }
    if (rows > 5) {
      av = v128.load32_splat(pa, 20);
      c50 = madd(av, b0, c50); c51 = madd(av, b1, c51);
    }
    pa += MR << 2;
    pb += bStep;
  }
  if (nr == NR) {
    storeRow(c, c00, c01, add);
    if (rows > 1) storeRow(c + ldcBytes, c10, c11, add);
    if (rows > 2) storeRow(c + 2 * ldcBytes, c20, c21, add);
    if (rows > 3) storeRow(c + 3 * ldcBytes, c30, c31, add);
    if (rows > 4) storeRow(c + 4 * ldcBytes, c40, c41, add);
    if (rows > 5) storeRow(c + 5 * ldcBytes, c50, c51, add);
    return;
  }
  v128.store(tile, c00); v128.store(tile, c01, 16);
  if (rows > 1) { v128.store(tile, c10, 32); v128.store(tile, c11, 48); }
  if (rows > 2) { v128.store(tile, c20, 64); v128.store(tile, c21, 80); }
  if (rows > 3) { v128.store(tile, c30, 96); v128.store(tile, c31, 112); }
  if (rows > 4) { v128.store(tile, c40, 128); v128.store(tile, c41, 144); }
  if (rows > 5) { v128.store(tile, c50, 160); v128.store(tile, c51, 176); }
  for (let r = 0; r < rows; r++) {
    const row = c + <usize>r * ldcBytes;
    const staged = tile + ((<usize>r * NR) << 2);
    for (let j = 0; j < nr; j++) {
      const off = <usize>j << 2;
      const v = load<f32>(staged + off);
      store<f32>(row + off, add ? load<f32>(row + off) + v : v);
    }
  }
}

// @ts-ignore: decorator
@inline function storeRow(row: usize, v0: v128, v1: v128, add: bool): void {
  if (add) {
    v0 = f32x4.add(v128.load(row), v0);
    v1 = f32x4.add(v128.load(row, 16), v1);
  }
  v128.store(row, v0);
  v128.store(row, v1, 16);
}
