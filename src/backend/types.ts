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
  /**
   * a + p0·b (add_/sub_ with alpha): the product rounded and added to a, exactly as the affine unary op
   * (p0·b) followed by add would give, in one pass and without the temporary.
   */
  addScaled: 16,
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

// ---- recurrent (fused sequence kernels: Backend.rnnForward / rnnBackward, used by src/ops/rnn.ts) ----

/** The recurrent layer kinds with a fused kernel; gate rows in PyTorch's order (LSTM i, f, g, o; GRU r, z, n). */
export const Recurrent = {
  /** h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh) */
  rnnTanh: 0,
  /** h' = relu(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh) */
  rnnRelu: 1,
  lstm: 2,
  gru: 3,
} as const;
export type RecurrentMode = (typeof Recurrent)[keyof typeof Recurrent];

/** Gates per hidden unit: G = recurrentGates(mode)·H rows in W_ih and W_hh. */
export function recurrentGates(mode: RecurrentMode): number {
  return mode === Recurrent.lstm ? 4 : mode === Recurrent.gru ? 3 : 1;
}

/**
 * Elements of the `saved` buffer rnnForward fills for rnnBackward, all float32 in time order (index t, not
 * step order): LSTM the activated gates σ(i), σ(f), tanh(g), σ(o) [T, B, 4H] then c_t [T, B, H];
 * GRU r, z, n [T, B, 3H] then W_hn·h_{t−1} + b_hn [T, B, H]; RNN nothing (out holds all it needs).
 */
export function recurrentSavedLength(mode: RecurrentMode, T: number, B: number, H: number): number {
  if (mode === Recurrent.lstm) return T * B * 5 * H;
  if (mode === Recurrent.gru) return T * B * 4 * H;
  return 0;
}

// ---- optimizers (fused steps: Backend.adamStep / sgdStep / rmspropStep, used by src/optim/) ----
//
// One call updates every listed parameter and its state in one pass over their elements, with PyTorch 1.13's
// float32 operation order: each product, quotient, square root and sum rounds to float32, except where
// PyTorch fuses a multiply-add (`add(x, alpha=a)`, `addcmul`), written fma(a, b, c) = a·b + c rounded once
// (the kernels emulate it in float64; see assembly/optim.ts). The coefficients are computed by the optimizer
// in float64, as PyTorch's Python code computes them, and every kernel uses them rounded to float32.

/**
 * One parameter of a fused optimizer step: `n` float32 elements, contiguous from the offset, in the parameter,
 * its gradient and each state buffer. A target's buffers do not overlap; targets may share a gradient.
 */
export interface OptimTarget {
  readonly n: number;
  readonly param: Buf;
  readonly paramOff: number;
  readonly grad: Buf;
  readonly gradOff: number;
}

/** Hyper-parameters of one Adam / AdamW group (see Backend.adamStep). */
export interface AdamCoefficients {
  readonly beta1: number;
  readonly oneMinusBeta1: number;
  readonly beta2: number;
  readonly oneMinusBeta2: number;
  readonly eps: number;
  /** Adam's L2 term λ, applied to the gradient only when nonzero (0 for AdamW) */
  readonly weightDecay: number;
  /** AdamW's 1 − γλ, applied to the parameter first (1 for Adam) */
  readonly paramScale: number;
  readonly amsgrad: boolean;
  readonly maximize: boolean;
}

export interface AdamTarget extends OptimTarget {
  readonly expAvg: Buf;
  readonly expAvgOff: number;
  readonly expAvgSq: Buf;
  readonly expAvgSqOff: number;
  /** amsgrad only (null otherwise) */
  readonly maxExpAvgSq: Buf | null;
  readonly maxExpAvgSqOff: number;
  /** −γ / (1 − β₁ᵗ) at this parameter's step t */
  readonly negStepSize: number;
  /** √(1 − β₂ᵗ) */
  readonly biasCorrection2Sqrt: number;
}

/** Hyper-parameters of one SGD group (see Backend.sgdStep). */
export interface SGDCoefficients {
  /** μ; 0 means no momentum buffer */
  readonly momentum: number;
  /** 1 − τ (dampening τ) */
  readonly oneMinusDampening: number;
  /** λ, applied only when nonzero */
  readonly weightDecay: number;
  /** −γ */
  readonly negLr: number;
  readonly nesterov: boolean;
  readonly maximize: boolean;
}

export interface SGDTarget extends OptimTarget {
  /** with momentum (null without) */
  readonly momentumBuffer: Buf | null;
  readonly momentumBufferOff: number;
  /** the buffer's first step: it is set to d rather than decayed (PyTorch clones d then) */
  readonly firstStep: boolean;
}

/** Hyper-parameters of one RMSprop group (see Backend.rmspropStep). */
export interface RMSpropCoefficients {
  readonly alpha: number;
  readonly oneMinusAlpha: number;
  readonly eps: number;
  /** λ, applied only when nonzero */
  readonly weightDecay: number;
  /** μ; buffers are used only when > 0 */
  readonly momentum: number;
  /** −γ */
  readonly negLr: number;
  readonly centered: boolean;
  readonly maximize: boolean;
}

export interface RMSpropTarget extends OptimTarget {
  readonly squareAvg: Buf;
  readonly squareAvgOff: number;
  /** momentum > 0 only (null otherwise) */
  readonly momentumBuffer: Buf | null;
  readonly momentumBufferOff: number;
  /** centered only (null otherwise) */
  readonly gradAvg: Buf | null;
  readonly gradAvgOff: number;
}

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
  /**
   * Threads ready to run parts of a kernel call now, the caller included (1 where the backend has none):
   * large products and recurrent layers split among up to min(this, torch.getNumThreads()) threads, with
   * results identical to one thread's.
   */
  readyThreads(): number;
  /** True where the backend's memory is a shared WebAssembly.Memory that worker threads can use. */
  readonly sharedMemory?: boolean;

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
   * p0: the scalar of addScaled (ignored by the other ops).
   */
  binary(
    op: BinaryOp, shape: readonly number[],
    out: Buf, outOff: number,
    a: Buf, aOff: number, aStrides: readonly number[],
    b: Buf, bOff: number, bStrides: readonly number[], p0?: number,
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

  // ---- recurrent: one layer-direction over a whole sequence (contracts above `Recurrent`) ----
  /**
   * Runs the recurrence of one layer-direction over T steps, t = 0 … T−1 (T−1 … 0 when `reverse`), G = gates·H:
   * - xProj [T, B, G]: x_t·W_ihᵀ for every step, WITHOUT biases (the kernel adds b_ih and b_hh per gate, so
   *   GRU's b_hn can sit inside r·(W_hn·h + b_hn)); wHh [G, H]; bIh, bHh [G] or null (no bias).
   * - h0 [B, H]; c0 [B, H] for LSTM (null otherwise).
   * - out [T, B, H] receives h_t at index t; hN [B, H] (or null: not written) the last step's h; cN [B, H] the
   *   last c (LSTM: required, null otherwise).
   * - saved: recurrentSavedLength(mode, T, B, H) elements for rnnBackward, or null when no backward follows.
   * Gate maths (PyTorch's formulas): RNN h' = act(x_t + h·W_hhᵀ + b); LSTM c' = σ(f)·c + σ(i)·tanh(g),
   * h' = σ(o)·tanh(c'); GRU n = tanh(x_n + b_in + r·(W_hn·h + b_hn)), h' = n + z·(h − n).
   * Outputs never alias inputs. T = 0 copies h0 (c0) to hN (cN).
   */
  rnnForward(
    mode: RecurrentMode, T: number, B: number, H: number, reverse: boolean,
    xProj: Buf, xProjOff: number,
    wHh: Buf, wHhOff: number,
    bIh: Buf | null, bIhOff: number,
    bHh: Buf | null, bHhOff: number,
    h0: Buf, h0Off: number,
    c0: Buf | null, c0Off: number,
    out: Buf, outOff: number,
    hN: Buf | null, hNOff: number,
    cN: Buf | null, cNOff: number,
    saved: Buf | null, savedOff: number,
  ): void;
  /**
   * The backward of rnnForward (same mode, sizes, reverse, wHh, h0, c0, and its out and saved), for upstream
   * gradients dOut [T, B, H], dhN [B, H], dcN [B, H] (LSTM), each null when none flowed (zeros). Writes:
   * - dXProj [T, B, G]: the gradient of every gate pre-activation, which is also the gradient of xProj,
   *   of b_ih (summed over T·B) and, for RNN and LSTM, of h·W_hhᵀ + b_hh;
   * - dHProj [T, B, G], GRU only (null otherwise): the gradient of h·W_hhᵀ + b_hh (it differs from dXProj in
   *   the n block: r·dn instead of dn);
   * - dh0 [B, H] and dc0 [B, H] (LSTM only), each null when not wanted (the first step's product with W_hh
   *   is then skipped).
   * Weight gradients are left to the caller (dW_hh = Σ_t dHProj_tᵀ·h_{t−1}, dW_ih = Σ_t dXProj_tᵀ·x_t).
   */
  rnnBackward(
    mode: RecurrentMode, T: number, B: number, H: number, reverse: boolean,
    wHh: Buf, wHhOff: number,
    h0: Buf, h0Off: number,
    c0: Buf | null, c0Off: number,
    out: Buf, outOff: number,
    saved: Buf | null, savedOff: number,
    dOut: Buf | null, dOutOff: number,
    dhN: Buf | null, dhNOff: number,
    dcN: Buf | null, dcNOff: number,
    dXProj: Buf, dXProjOff: number,
    dHProj: Buf | null, dHProjOff: number,
    dh0: Buf | null, dh0Off: number,
    dc0: Buf | null, dc0Off: number,
  ): void;

  // ---- optimizers: one call per step updates every target (contracts above `OptimTarget`) ----
  /**
   * Adam / AdamW (PyTorch 1.13 `_single_tensor_adam` / `_adamw`), per element, g the gradient, θ the
   * parameter, m, v, v̂ the state:
   *   g ← −g (maximize);  θ ← θ·paramScale;  g ← fma(θ, λ, g) (λ = weightDecay ≠ 0)
   *   m ← fma(g, 1 − β₁, m·β₁);  v ← fma((1 − β₂)·g, g, v·β₂);  v̂ ← max(v̂, v) (amsgrad, NaN-propagating)
   *   θ ← θ + (negStepSize·m) / (√w / biasCorrection2Sqrt + ε), w = v̂ with amsgrad, else v
   */
  adamStep(c: AdamCoefficients, targets: readonly AdamTarget[]): void;
  /**
   * SGD (PyTorch 1.13 `_single_tensor_sgd`), per element:
   *   d ← −g (maximize) else g;  d ← fma(θ, λ, d) (λ ≠ 0)
   *   with momentum μ ≠ 0: b ← d at the first step, else fma(d, 1 − τ, b·μ);  d ← fma(b, μ, d) if nesterov else b
   *   θ ← fma(d, −γ, θ)
   */
  sgdStep(c: SGDCoefficients, targets: readonly SGDTarget[]): void;
  /**
   * RMSprop (PyTorch 1.13 `_single_tensor_rmsprop`), per element, s square_avg, ḡ grad_avg, b momentum_buffer:
   *   g ← −g (maximize);  g ← fma(θ, λ, g) (λ ≠ 0);  s ← fma((1 − α)·g, g, s·α)
   *   centered: ḡ ← fma(g, 1 − α, ḡ·α);  a ← √fma(−ḡ, ḡ, s);  else a ← √s;  then a ← a + ε
   *   momentum μ > 0: b ← b·μ + g / a;  θ ← fma(b, −γ, θ);  else θ ← θ + (−γ·g) / a
   */
  rmspropStep(c: RMSpropCoefficients, targets: readonly RMSpropTarget[]): void;
}
