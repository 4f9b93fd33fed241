import type { Buf } from '../types.js';
import { f32 } from './buffer.js';

/**
 * Batched C_b = op(A_b)·op(B_b) (+ C_b when accumulate); see Backend.gemm for the layout contract.
 *
 * Every dot product accumulates in float64 and is rounded to float32 once (products of float32 values are
 * exact in float64), so results are at least as accurate as a float32 BLAS. Zeros in A are not skipped:
 * 0·NaN and 0·inf must still give NaN. Two loop orders keep the innermost loop on contiguous memory:
 * - B not transposed: i-k-j, adding A(i,p)·(row p of B) into a float64 row of C;
 * - B transposed (stored n×k): C(i,j) = (row i of op(A)) · (stored row j of B), with a transposed A's
 *   column i first copied into a contiguous row.
 */
export function gemm(
  batch: number, m: number, n: number, k: number,
  a: Buf, aOff: number, aBatchStride: number, lda: number, transA: boolean,
  b: Buf, bOff: number, bBatchStride: number, ldb: number, transB: boolean,
  c: Buf, cOff: number, cBatchStride: number, ldc: number, accumulate: boolean,
): void {
  const A = f32(a);
  const B = f32(b);
  const C = f32(c);
  for (let t = 0; t < batch; t++) {
    const aBase = aOff + t * aBatchStride;
    const bBase = bOff + t * bBatchStride;
    const cBase = cOff + t * cBatchStride;
    if (transB) gemmBt(m, n, k, A, aBase, lda, transA, B, bBase, ldb, C, cBase, ldc, accumulate);
    else gemmB(m, n, k, A, aBase, lda, transA, B, bBase, ldb, C, cBase, ldc, accumulate);
  }
}

/** One matrix with B stored k×n: i-k-j over contiguous rows of B and C. */
function gemmB(
  m: number, n: number, k: number,
  A: Float32Array, aBase: number, lda: number, transA: boolean,
  B: Float32Array, bBase: number, ldb: number,
  C: Float32Array, cBase: number, ldc: number, accumulate: boolean,
): void {
  const row = new Float64Array(n);
  // A(i, p) sits at aBase + i·aRowStep + p·aColStep.
  const aRowStep = transA ? 1 : lda;
  const aColStep = transA ? lda : 1;
  for (let i = 0; i < m; i++) {
    row.fill(0);
    for (let p = 0; p < k; p++) {
      const aip = A[aBase + i * aRowStep + p * aColStep];
      const bRow = bBase + p * ldb;
      for (let j = 0; j < n; j++) row[j] += aip * B[bRow + j];
    }
    const cRow = cBase + i * ldc;
    if (accumulate) for (let j = 0; j < n; j++) C[cRow + j] += row[j];
    else for (let j = 0; j < n; j++) C[cRow + j] = row[j];
  }
}

/** One matrix with B stored n×k (transB): dot products of contiguous rows. */
function gemmBt(
  m: number, n: number, k: number,
  A: Float32Array, aBase: number, lda: number, transA: boolean,
  B: Float32Array, bBase: number, ldb: number,
  C: Float32Array, cBase: number, ldc: number, accumulate: boolean,
): void {
  const packed = transA ? new Float32Array(k) : null;
  for (let i = 0; i < m; i++) {
    let aRow: Float32Array;
    let aStart: number;
    if (packed !== null) {
      for (let p = 0; p < k; p++) packed[p] = A[aBase + p * lda + i];
      aRow = packed;
      aStart = 0;
    } else {
      aRow = A;
      aStart = aBase + i * lda;
    }
    const cRow = cBase + i * ldc;
    for (let j = 0; j < n; j++) {
      const bRow = bBase + j * ldb;
      let dot = 0;
      for (let p = 0; p < k; p++) dot += aRow[aStart + p] * B[bRow + p];
      C[cRow + j] = accumulate ? C[cRow + j] + dot : dot;
    }
  }
}
