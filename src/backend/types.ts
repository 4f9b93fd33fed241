/**
 * The kernel interface: the only seam between the tensor layer and the kernels.
 *
 * Two implementations exist: `wasm` (AssemblyScript kernels in WebAssembly linear memory) and `js`
 * (plain typed arrays, the baseline and test oracle). They must agree within float32 rounding.
 *
 * Contract for every kernel:
 * - Buffers are flat arrays of elements; every buffer argument comes with an element offset, so a view
 *   into a storage (a tensor with a storage offset) needs no copy.
 * - Sizes, strides and offsets are in elements, never bytes. Strides may be 0 (broadcast).
 * - The tensor layer has already validated shapes, dims and index ranges; kernels do not re-check.
 *   Kernels never allocate tensors; `out` buffers are allocated by the caller.
 * - `out` never aliases an input unless the kernel says so.
 * - float32 buffers hold float32; int64 buffers hold int32 values (indices, token ids).
 */

export type DType = 'float32' | 'int64';
export type BackendName = 'wasm-simd' | 'wasm-relaxed-simd' | 'js';

/** A block of `length` elements owned by one backend; opaque outside that backend. */
export interface Buf {
  readonly length: number;
  readonly dtype: DType;
}

/** Elementwise one-input ops; p0/p1 are scalar parameters where the op names them. */
export const Unary = {
  neg: 0,
  exp: 1,
  log: 2,
  sqrt: 3,
  abs: 4,
  tanh: 5,
  sigmoid: 6,
  relu: 7,
  sign: 8,
  /** p0 * x + p1 (scalar add/sub/mul/div, rsub) */
  affine: 9,
  /** x ** p0 */
  powScalar: 10,
  /** p0 / x */
  rdiv: 11,
  /** min(max(x, p0), p1); pass -Infinity / Infinity for an open side */
  clamp: 12,
  /** 1 where x == p0 else 0 (and so on for the other comparisons with a scalar) */
  eqScalar: 13,
  neScalar: 14,
  gtScalar: 15,
  ltScalar: 16,
  geScalar: 17,
  leScalar: 18,
  square: 19,
  /** 1 where p0 <= x <= p1 else 0 (clamp's gradient mask) */
  inRange: 20,
} as const;
export type UnaryOp = (typeof Unary)[keyof typeof Unary];

/** Elementwise two-input ops with broadcasting through strides. */
export const Binary = {
  add: 0,
  sub: 1,
  mul: 2,
  div: 3,
  pow: 4,
  maximum: 5,
  minimum: 6,
  eq: 7,
  ne: 8,
  gt: 9,
  lt: 10,
  ge: 11,
  le: 12,
  /** a = y (tanh output), b = dy: dy * (1 - y*y) */
  tanhBackward: 13,
  /** a = y (sigmoid output), b = dy: dy * y * (1 - y) */
  sigmoidBackward: 14,
  /** a = x (relu input or output), b = dy: x <= 0 ? 0 : dy (a NaN x passes dy through, as PyTorch) */
  reluBackward: 15,
} as const;
export type BinaryOp = (typeof Binary)[keyof typeof Binary];

/** Reductions over the middle axis of a contiguous [outer, n, inner] block. */
export const Reduce = {
  sum: 0,
  max: 1,
  min: 2,
  /** writes int32 indices (first occurrence of the extreme, NaN counts as the extreme as in PyTorch) */
  argmax: 3,
  argmin: 4,
} as const;
export type ReduceOp = (typeof Reduce)[keyof typeof Reduce];

export interface MemoryStats {
  /** bytes held by live buffers (size-class rounded) */
  bytes: number;
  /** highest `bytes` seen */
  peakBytes: number;
  /** bytes of backing memory reserved from the host (wasm linear memory size; equals bytes for js) */
  reservedBytes: number;
}

export interface Backend {
  readonly name: BackendName;

  // ---- memory ----
  /** A buffer of `length` elements (contents unspecified). Throws an Error naming the bytes on failure. */
  alloc(length: number, dtype: DType): Buf;
  /** Return a buffer to the allocator; using it afterwards is a caller bug. */
  free(buf: Buf): void;
  memoryStats(): MemoryStats;

  // ---- host transfer ----
  /** A copy of elements [off, off + n). */
  read(buf: Buf, off: number, n: number): Float32Array | Int32Array;
  readScalar(buf: Buf, off: number): number;
  /** Copy `data` into elements [off, off + data.length). */
  write(buf: Buf, off: number, data: ArrayLike<number>): void;
  writeScalar(buf: Buf, off: number, value: number): void;

  // ---- layout ----
  fill(out: Buf, off: number, n: number, value: number): void;
  /**
   * Strided copy: for every index i in `shape`, dst[dstOff + i·dstStrides] = src[srcOff + i·srcStrides].
   * Same dtype on both sides. Used for contiguous(), cat/stack, copy_, expand materialisation.
   */
  copy(
    shape: readonly number[],
    dst: Buf, dstOff: number, dstStrides: readonly number[],
    src: Buf, srcOff: number, srcStrides: readonly number[],
  ): void;
  /** Contiguous dtype conversion of n elements (float32 <-> int64, float -> int truncates toward zero). */
  cast(dst: Buf, dstOff: number, src: Buf, srcOff: number, n: number): void;

  // ---- elementwise ----
  /** out[i] = f(x[i]) for i < n, both contiguous float32. out may alias x (in-place ops). */
  unary(op: UnaryOp, out: Buf, outOff: number, x: Buf, xOff: number, n: number, p0: number, p1: number): void;
  /**
   * out (contiguous, `shape`) = f(a, b) with a, b read through their strides (0 = broadcast).
   * float32 inputs and output. out may alias a or b when that input is contiguous with `shape` (in-place ops).
   */
  binary(
    op: BinaryOp, shape: readonly number[],
    out: Buf, outOff: number,
    a: Buf, aOff: number, aStrides: readonly number[],
    b: Buf, bOff: number, bStrides: readonly number[],
  ): void;
  /** out (contiguous) = cond != 0 ? a : b, all three read through strides; float32. */
  where(
    shape: readonly number[],
    out: Buf, outOff: number,
    cond: Buf, condOff: number, condStrides: readonly number[],
    a: Buf, aOff: number, aStrides: readonly number[],
    b: Buf, bOff: number, bStrides: readonly number[],
  ): void;

  // ---- reductions ----
  /** x contiguous [outer, n, inner] -> out contiguous [outer, inner]; argmax/argmin write int32 to an int64 out. */
  reduce(op: ReduceOp, out: Buf, outOff: number, x: Buf, xOff: number, outer: number, n: number, inner: number): void;
  /** Row-wise softmax (or log-softmax) of a contiguous [rows, cols] block, max-subtracted for stability. */
  softmax(out: Buf, outOff: number, x: Buf, xOff: number, rows: number, cols: number, log: boolean): void;

  // ---- matrix product ----
  /**
   * For each b < batch: C_b (m×n, row stride ldc) = op(A_b)·op(B_b) (+ C_b when accumulate).
   * A_b starts at aOff + b·aBatchStride; op(A) = A (m×k, row stride lda) or, when transA, Aᵀ of a stored
   * k×m matrix with row stride lda. Same for B (k×n, or n×k stored when transB). Batch strides may be 0.
   * C never aliases A or B.
   */
  gemm(
    batch: number, m: number, n: number, k: number,
    a: Buf, aOff: number, aBatchStride: number, lda: number, transA: boolean,
    b: Buf, bOff: number, bBatchStride: number, ldb: number, transB: boolean,
    c: Buf, cOff: number, cBatchStride: number, ldc: number, accumulate: boolean,
  ): void;

  // ---- indexing (index buffers are int64 dtype; ranges already validated) ----
  /**
   * x contiguous [outer, n, inner], index contiguous [outer, k, inner] (values in [0, n)):
   * out[o, j, i] = x[o, index[o, j, i], i]; out contiguous [outer, k, inner].
   */
  gather(out: Buf, outOff: number, x: Buf, xOff: number, index: Buf, indexOff: number,
    outer: number, n: number, k: number, inner: number): void;
  /** The adjoint of gather: out[o, index[o, j, i], i] += src[o, j, i]; out contiguous [outer, n, inner]. */
  scatterAdd(out: Buf, outOff: number, src: Buf, srcOff: number, index: Buf, indexOff: number,
    outer: number, n: number, k: number, inner: number): void;
  /** Row gather: out[r, :] = x[index[r], :] for r < count; rows of `rowLen` elements (float32 or int64). */
  indexSelect(out: Buf, outOff: number, x: Buf, xOff: number, index: Buf, indexOff: number,
    count: number, rowLen: number): void;
  /** Row scatter-add: out[index[r], :] += src[r, :] for r < count (float32). */
  indexAdd(out: Buf, outOff: number, src: Buf, srcOff: number, index: Buf, indexOff: number,
    count: number, rowLen: number): void;
  /**
   * k largest (or smallest) of each row of a contiguous [rows, n] block: values (float32) and indices (int64),
   * both contiguous [rows, k]; sorted descending for largest / ascending for smallest when `sorted`
   * (ties keep the lower index first).
   */
  topk(values: Buf, valuesOff: number, indices: Buf, indicesOff: number, x: Buf, xOff: number,
    rows: number, n: number, k: number, largest: boolean): void;
}
