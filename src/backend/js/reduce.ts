import { Reduce, type Buf, type ReduceOp } from '../types.js';
import { f32, i32 } from './buffer.js';

const fround = Math.fround;

/**
 * Reduces the middle axis of a contiguous [outer, n, inner] block into a contiguous [outer, inner] out.
 * Sums accumulate in float64 and round once. max/min propagate NaN; argmax/argmin return the first
 * index of the extreme, a NaN counting as the extreme (PyTorch's rule). With n = 0: sum 0, max -inf,
 * min +inf, arg* 0 (the tensor layer rejects empty max/min before calling).
 */
export function reduce(op: ReduceOp, out: Buf, outOff: number, x: Buf, xOff: number, outer: number, n: number, inner: number): void {
  const v = f32(x);
  switch (op) {
    case Reduce.sum: return sum(f32(out), outOff, v, xOff, outer, n, inner);
    case Reduce.max: return extreme(f32(out), outOff, v, xOff, outer, n, inner, true);
    case Reduce.min: return extreme(f32(out), outOff, v, xOff, outer, n, inner, false);
    case Reduce.argmax: return argExtreme(i32(out), outOff, v, xOff, outer, n, inner, true);
    case Reduce.argmin: return argExtreme(i32(out), outOff, v, xOff, outer, n, inner, false);
    default:
      throw new Error(`reduce: unknown op ${op as number} (expected a value of Reduce)`);
  }
}

/** Walks the block as rows of `inner` contiguous elements so every pass reads memory in order. */
function sum(o: Float32Array, oo: number, v: Float32Array, vo: number, outer: number, n: number, inner: number): void {
  if (inner === 1) {
    for (let r = 0; r < outer; r++) {
      const base = vo + r * n;
      let acc = 0;
      for (let j = 0; j < n; j++) acc += v[base + j];
      o[oo + r] = acc;
    }
    return;
  }
  const acc = new Float64Array(inner);
  for (let r = 0; r < outer; r++) {
    acc.fill(0);
    for (let j = 0; j < n; j++) {
      const base = vo + (r * n + j) * inner;
      for (let i = 0; i < inner; i++) acc[i] += v[base + i];
    }
    o.set(acc, oo + r * inner);
  }
}

/** max (isMax) or min; a NaN replaces the running value and then sticks, since no comparison beats it. */
function extreme(
  o: Float32Array, oo: number, v: Float32Array, vo: number,
  outer: number, n: number, inner: number, isMax: boolean,
): void {
  const start = isMax ? -Infinity : Infinity;
  if (inner === 1) {
    for (let r = 0; r < outer; r++) {
      const base = vo + r * n;
      let best = start;
      for (let j = 0; j < n; j++) {
        const a = v[base + j];
        if (a !== a) { best = a; break; }
        if (isMax ? a > best : a < best) best = a;
      }
      o[oo + r] = best;
    }
    return;
  }
  for (let r = 0; r < outer; r++) {
    const best = o.subarray(oo + r * inner, oo + (r + 1) * inner);
    best.fill(start);
    for (let j = 0; j < n; j++) {
      const base = vo + (r * n + j) * inner;
      for (let i = 0; i < inner; i++) {
        const a = v[base + i];
        const b = best[i];
        if ((isMax ? a > b : a < b) || a !== a) best[i] = a;
      }
    }
  }
}

/** argmax (isMax) or argmin: strict comparison keeps the first extreme; the first NaN wins and sticks. */
function argExtreme(
  o: Int32Array, oo: number, v: Float32Array, vo: number,
  outer: number, n: number, inner: number, isMax: boolean,
): void {
  if (inner === 1) {
    for (let r = 0; r < outer; r++) {
      const base = vo + r * n;
      let best = n > 0 ? v[base] : 0;
      let index = 0;
      for (let j = 1; j < n && best === best; j++) {
        const a = v[base + j];
        if ((isMax ? a > best : a < best) || a !== a) {
          best = a;
          index = j;
        }
      }
      o[oo + r] = index;
    }
    return;
  }
  const best = new Float32Array(inner);
  for (let r = 0; r < outer; r++) {
    const index = o.subarray(oo + r * inner, oo + (r + 1) * inner);
    index.fill(0);
    if (n === 0) continue;
    best.set(v.subarray(vo + r * n * inner, vo + (r * n + 1) * inner));
    for (let j = 1; j < n; j++) {
      const base = vo + (r * n + j) * inner;
      for (let i = 0; i < inner; i++) {
        const a = v[base + i];
        const b = best[i];
        if (b !== b) continue;
        if ((isMax ? a > b : a < b) || a !== a) {
          best[i] = a;
          index[i] = j;
        }
      }
    }
  }
}

/**
 * Row-wise softmax / log-softmax of a contiguous [rows, cols] block, max-subtracted:
 * softmax = exp(x - max) / Σ exp(x - max); log-softmax = (x - max) - log Σ exp(x - max).
 * Differences and exponentials are rounded to float32 as PyTorch's kernel; the sum runs in float64.
 * A NaN or +inf in a row, or a row of only -inf, makes the whole row NaN, as in PyTorch.
 * Safe when out aliases x with the same offset.
 */
export function softmax(out: Buf, outOff: number, x: Buf, xOff: number, rows: number, cols: number, log: boolean): void {
  const o = f32(out);
  const v = f32(x);
  for (let r = 0; r < rows; r++) {
    const xs = xOff + r * cols;
    const os = outOff + r * cols;
    let max = -Infinity;
    for (let j = 0; j < cols; j++) {
      const a = v[xs + j];
      if (a > max || a !== a) max = a;
      if (a !== a) break;
    }
    let total = 0;
    if (log) {
      for (let j = 0; j < cols; j++) total += fround(Math.exp(fround(v[xs + j] - max)));
      const logTotal = fround(Math.log(total));
      for (let j = 0; j < cols; j++) o[os + j] = fround(v[xs + j] - max) - logTotal;
    } else {
      for (let j = 0; j < cols; j++) {
        const e = fround(Math.exp(fround(v[xs + j] - max)));
        o[os + j] = e;
        total += e;
      }
      for (let j = 0; j < cols; j++) o[os + j] /= total;
    }
  }
}
