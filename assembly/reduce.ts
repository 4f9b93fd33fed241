// Reductions over the middle axis of a contiguous [outer, n, inner] block, and row softmax.
import { hmax, hmin, hsum, vexp } from './vec';

// @ts-ignore: decorator
@inline const SUM = 0;
// @ts-ignore: decorator
@inline const MAX = 1;
// @ts-ignore: decorator
@inline const MIN = 2;
// @ts-ignore: decorator
@inline const ARGMAX = 3;
// @ts-ignore: decorator
@inline const ARGMIN = 4;

// Row sums accumulate in float32 vectors over chunks of this many elements, chunk totals in float64.
// @ts-ignore: decorator
@inline const SUM_CHUNK = 2048;

/** Sum of n contiguous floats at p. */
function sumRow(p: usize, n: i32): f32 {
  let total: f64 = 0;
  const end = p + (<usize>n << 2);
  while (p + 64 <= end) {
    let a0 = f32x4.splat(0); let a1 = a0; let a2 = a0; let a3 = a0;
    const stop = min(end, p + (<usize>SUM_CHUNK << 2));
    for (; p + 64 <= stop; p += 64) {
      a0 = f32x4.add(a0, v128.load(p));
      a1 = f32x4.add(a1, v128.load(p, 16));
      a2 = f32x4.add(a2, v128.load(p, 32));
      a3 = f32x4.add(a3, v128.load(p, 48));
    }
    total += <f64>hsum(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)));
  }
  for (; p < end; p += 4) total += <f64>load<f32>(p);
  return <f32>total;
}

/** max/min as op classes, so each instantiation gets straight-line loops; both propagate NaN. */
@final @unmanaged class Max {
  @inline vec(a: v128, b: v128): v128 { return f32x4.max(a, b); }
  @inline scalar(a: f32, b: f32): f32 { return max(a, b); }
  @inline horizontal(v: v128): f32 { return hmax(v); }
  /** lanes where v strictly beats best */
  @inline beats(v: v128, best: v128): v128 { return f32x4.gt(v, best); }
  @inline beatsScalar(v: f32, best: f32): bool { return v > best; }
}
@final @unmanaged class Min {
  @inline vec(a: v128, b: v128): v128 { return f32x4.min(a, b); }
  @inline scalar(a: f32, b: f32): f32 { return min(a, b); }
  @inline horizontal(v: v128): f32 { return hmin(v); }
  @inline beats(v: v128, best: v128): v128 { return f32x4.lt(v, best); }
  @inline beatsScalar(v: f32, best: f32): bool { return v < best; }
}

/** Max (Min) of n > 0 contiguous floats at p; NaN if any element is NaN. */
function extremeRow<Op>(p: usize, n: i32): f32 {
  const f = changetype<Op>(0);
  const end = p + (<usize>n << 2);
  let m = load<f32>(p);
  if (n >= 8) {
    let a0 = v128.load(p);
    let a1 = v128.load(p, 16);
    p += 32;
    for (; p + 32 <= end; p += 32) {
      a0 = f.vec(a0, v128.load(p));
      a1 = f.vec(a1, v128.load(p, 16));
    }
    m = f.horizontal(f.vec(a0, a1));
  }
  for (; p < end; p += 4) m = f.scalar(m, load<f32>(p));
  return m;
}

/** Index of the first max (min) of n > 0 contiguous floats at p, the first NaN winning. */
function argRow<Op>(p: usize, n: i32): i32 {
  const f = changetype<Op>(0);
  let best = load<f32>(p);
  if (best != best) return 0;
  let idx = 0;
  for (let j = 1; j < n; j++) {
    const v = load<f32>(p + (<usize>j << 2));
    if (f.beatsScalar(v, best)) { best = v; idx = j; }
    else if (v != v) return j;
  }
  return idx;
}

/** out[i] = Σ_j x[j, i] over [n, inner] at x; float64 accumulation keeps long column sums accurate. */
function sumColumns(out: usize, x: usize, n: i32, inner: i32): void {
  const rowBytes = <usize>inner << 2;
  const end = x + <usize>n * rowBytes;
  let i = 0;
  // strips of 16 columns (one cache line) first, so each line loaded is used whole
  for (; i + 16 <= inner; i += 16) {
    const col = x + (<usize>i << 2);
    let a0 = f64x2.splat(0); let a1 = a0; let a2 = a0; let a3 = a0;
    let a4 = a0; let a5 = a0; let a6 = a0; let a7 = a0;
    for (let p = col; p < end; p += rowBytes) {
      const v0 = v128.load(p);
      const v1 = v128.load(p, 16);
      const v2 = v128.load(p, 32);
      const v3 = v128.load(p, 48);
      a0 = f64x2.add(a0, f64x2.promote_low_f32x4(v0));
      a1 = f64x2.add(a1, f64x2.promote_low_f32x4(i32x4.shuffle(v0, v0, 2, 3, 0, 1)));
      a2 = f64x2.add(a2, f64x2.promote_low_f32x4(v1));
      a3 = f64x2.add(a3, f64x2.promote_low_f32x4(i32x4.shuffle(v1, v1, 2, 3, 0, 1)));
      a4 = f64x2.add(a4, f64x2.promote_low_f32x4(v2));
      a5 = f64x2.add(a5, f64x2.promote_low_f32x4(i32x4.shuffle(v2, v2, 2, 3, 0, 1)));
      a6 = f64x2.add(a6, f64x2.promote_low_f32x4(v3));
      a7 = f64x2.add(a7, f64x2.promote_low_f32x4(i32x4.shuffle(v3, v3, 2, 3, 0, 1)));
    }
    const o = out + (<usize>i << 2);
    v128.store(o, i32x4.shuffle(f32x4.demote_f64x2_zero(a0), f32x4.demote_f64x2_zero(a1), 0, 1, 4, 5));
    v128.store(o, i32x4.shuffle(f32x4.demote_f64x2_zero(a2), f32x4.demote_f64x2_zero(a3), 0, 1, 4, 5), 16);
    v128.store(o, i32x4.shuffle(f32x4.demote_f64x2_zero(a4), f32x4.demote_f64x2_zero(a5), 0, 1, 4, 5), 32);
    v128.store(o, i32x4.shuffle(f32x4.demote_f64x2_zero(a6), f32x4.demote_f64x2_zero(a7), 0, 1, 4, 5), 48);
  }
  for (; i + 4 <= inner; i += 4) {
    const col = x + (<usize>i << 2);
    let lo = f64x2.splat(0);
    let hi = lo;
    for (let p = col; p < end; p += rowBytes) {
      const v = v128.load(p);
      lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
      hi = f64x2.add(hi, f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)));
    }
    v128.store(out + (<usize>i << 2),
      i32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5));
  }
  for (; i < inner; i++) {
    let s: f64 = 0;
    for (let p = x + (<usize>i << 2); p < end; p += rowBytes) s += <f64>load<f32>(p);
    store<f32>(out + (<usize>i << 2), <f32>s);
  }
}

/** out[i] = max (min)_j x[j, i] over [n > 0, inner] at x. */
function extremeColumns<Op>(out: usize, x: usize, n: i32, inner: i32): void {
  const f = changetype<Op>(0);
  const rowBytes = <usize>inner << 2;
  const end = x + <usize>n * rowBytes;
  let i = 0;
  for (; i + 4 <= inner; i += 4) {
    const col = x + (<usize>i << 2);
    let m = v128.load(col);
    for (let p = col + rowBytes; p < end; p += rowBytes) m = f.vec(m, v128.load(p));
    v128.store(out + (<usize>i << 2), m);
  }
  for (; i < inner; i++) {
    const col = x + (<usize>i << 2);
    let m = load<f32>(col);
    for (let p = col + rowBytes; p < end; p += rowBytes) m = f.scalar(m, load<f32>(p));
    store<f32>(out + (<usize>i << 2), m);
  }
}

/** out[i] = arg max (min)_j x[j, i] over [n > 0, inner] at x, int32; first extreme, first NaN wins. */
function argColumns<Op>(out: usize, x: usize, n: i32, inner: i32): void {
  const f = changetype<Op>(0);
  const rowBytes = <usize>inner << 2;
  const end = x + <usize>n * rowBytes;
  let i = 0;
  for (; i + 4 <= inner; i += 4) {
    const col = x + (<usize>i << 2);
    let best = v128.load(col);
    let idx = i32x4.splat(0);
    let j = i32x4.splat(1);
    for (let p = col + rowBytes; p < end; p += rowBytes) {
      const v = v128.load(p);
      // a NaN takes over unless the lane already holds one (a NaN best never loses: first NaN wins)
      const take = v128.or(f.beats(v, best), v128.and(f32x4.ne(v, v), f32x4.eq(best, best)));
      best = v128.bitselect(v, best, take);
      idx = v128.bitselect(j, idx, take);
      j = i32x4.add(j, i32x4.splat(1));
    }
    v128.store(out + (<usize>i << 2), idx);
  }
  for (; i < inner; i++) {
    const col = x + (<usize>i << 2);
    let best = load<f32>(col);
    let idx = 0;
    if (best == best) {
      let j = 1;
      for (let p = col + rowBytes; p < end; p += rowBytes, j++) {
        const v = load<f32>(p);
        if (f.beatsScalar(v, best)) { best = v; idx = j; }
        else if (v != v) { idx = j; break; }
      }
    }
    store<i32>(out + (<usize>i << 2), idx);
  }
}

/**
 * out[o, i] = reduce_j x[o, j, i]; x contiguous [outer, n, inner], out contiguous [outer, inner], byte
 * addresses. sum/max/min write float32, argmax/argmin write int32 (first extreme; the first NaN wins, as
 * PyTorch). max/min propagate NaN. n = 0 gives 0 for sum, -inf/inf for max/min, 0 for arg ops.
 */
export function reduce(op: i32, out: usize, x: usize, outer: i32, n: i32, inner: i32): void {
  const count = <usize>outer * <usize>inner;
  if (n == 0) {
    for (let i: usize = 0; i < count; i++) {
      if (op == MAX) store<f32>(out + (i << 2), -Infinity);
      else if (op == MIN) store<f32>(out + (i << 2), Infinity);
      else store<i32>(out + (i << 2), 0);
    }
    return;
  }
  const blockBytes = <usize>n * <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const xo = x + <usize>o * blockBytes;
    const oo = out + (<usize>o * <usize>inner << 2);
    if (inner == 1) {
      switch (op) {
        case SUM: store<f32>(oo, sumRow(xo, n)); break;
        case MAX: store<f32>(oo, extremeRow<Max>(xo, n)); break;
        case MIN: store<f32>(oo, extremeRow<Min>(xo, n)); break;
        case ARGMAX: store<i32>(oo, argRow<Max>(xo, n)); break;
        case ARGMIN: store<i32>(oo, argRow<Min>(xo, n)); break;
        default: unreachable();
      }
    } else {
      switch (op) {
        case SUM: sumColumns(oo, xo, n, inner); break;
        case MAX: extremeColumns<Max>(oo, xo, n, inner); break;
        case MIN: extremeColumns<Min>(oo, xo, n, inner); break;
        case ARGMAX: argColumns<Max>(oo, xo, n, inner); break;
        case ARGMIN: argColumns<Min>(oo, xo, n, inner); break;
        default: unreachable();
      }
    }
  }
}

/**
 * Row-wise softmax (log = 0) or log-softmax (log = 1) of a contiguous [rows, cols] block: out = e^(x−m)/s or
 * x − m − ln s with m the row max and s = Σ e^(x−m). out and x are byte addresses and must not overlap
 * partially (out == x is fine). A row holding NaN or +inf, or only -inf, gives NaN, as PyTorch.
 */
export function softmax(out: usize, x: usize, rows: i32, cols: i32, log: i32): void {
  if (cols == 0) return;
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * rowBytes;
    const or = out + <usize>r * rowBytes;
    const m = extremeRow<Max>(xr, cols);
    const vm = f32x4.splat(m);
    let acc = f32x4.splat(0);
    let i: usize = 0;
    let tail: f32 = 0;
    if (log) {
      for (; i + 16 <= rowBytes; i += 16) acc = f32x4.add(acc, vexp(f32x4.sub(v128.load(xr + i), vm)));
      for (; i < rowBytes; i += 4) {
        tail += f32x4.extract_lane(vexp(f32x4.splat(load<f32>(xr + i) - m)), 0);
      }
      // (x − m) − ln s, not x − (m + ln s): the latter loses ln s's bits when |m| is large
      const ls = Mathf.log(hsum(acc) + tail);
      const vls = f32x4.splat(ls);
      i = 0;
      for (; i + 16 <= rowBytes; i += 16) v128.store(or + i, f32x4.sub(f32x4.sub(v128.load(xr + i), vm), vls));
      for (; i < rowBytes; i += 4) store<f32>(or + i, (load<f32>(xr + i) - m) - ls);
    } else {
      for (; i + 16 <= rowBytes; i += 16) {
        const e = vexp(f32x4.sub(v128.load(xr + i), vm));
        v128.store(or + i, e);
        acc = f32x4.add(acc, e);
      }
      for (; i < rowBytes; i += 4) {
        const e = f32x4.extract_lane(vexp(f32x4.splat(load<f32>(xr + i) - m)), 0);
        store<f32>(or + i, e);
        tail += e;
      }
      const inv: f32 = 1 / (hsum(acc) + tail);
      const vinv = f32x4.splat(inv);
      i = 0;
      for (; i + 16 <= rowBytes; i += 16) v128.store(or + i, f32x4.mul(v128.load(or + i), vinv));
      for (; i < rowBytes; i += 4) store<f32>(or + i, load<f32>(or + i) * inv);
    }
  }
}
