// Elementwise two-input kernels with broadcasting through strides, and where(). Op codes are `Binary` in
// src/backend/types.ts. The output is contiguous; inputs are read through their strides (0 = broadcast).
import { collapse, contiguousStrides, nextRow, rowAddress, rowLength, rowStride } from './strided';

// Each op is a tiny class whose inlined `vec` computes four lanes; `run<Op>` is instantiated once per op so
// every op gets its own SIMD loops (a runtime switch inside the loops would not fold away).

// @ts-ignore: decorator
@inline function ONE(): v128 { return f32x4.splat(1.0); }
// @ts-ignore: decorator
@inline function ZERO(): v128 { return f32x4.splat(0.0); }

@final @unmanaged class Add { @inline vec(x: v128, y: v128): v128 { return f32x4.add(x, y); } }
@final @unmanaged class Sub { @inline vec(x: v128, y: v128): v128 { return f32x4.sub(x, y); } }
@final @unmanaged class Mul { @inline vec(x: v128, y: v128): v128 { return f32x4.mul(x, y); } }
@final @unmanaged class Div { @inline vec(x: v128, y: v128): v128 { return f32x4.div(x, y); } }
/** lane-wise Mathf.pow (no vector form) */
@final @unmanaged class Pow {
  @inline vec(x: v128, y: v128): v128 {
    let r = f32x4.splat(Mathf.pow(f32x4.extract_lane(x, 0), f32x4.extract_lane(y, 0)));
    r = f32x4.replace_lane(r, 1, Mathf.pow(f32x4.extract_lane(x, 1), f32x4.extract_lane(y, 1)));
    r = f32x4.replace_lane(r, 2, Mathf.pow(f32x4.extract_lane(x, 2), f32x4.extract_lane(y, 2)));
    return f32x4.replace_lane(r, 3, Mathf.pow(f32x4.extract_lane(x, 3), f32x4.extract_lane(y, 3)));
  }
}
/** NaN-propagating, as torch.maximum / torch.minimum */
@final @unmanaged class Maximum { @inline vec(x: v128, y: v128): v128 { return f32x4.max(x, y); } }
@final @unmanaged class Minimum { @inline vec(x: v128, y: v128): v128 { return f32x4.min(x, y); } }
@final @unmanaged class Eq { @inline vec(x: v128, y: v128): v128 { return v128.and(f32x4.eq(x, y), ONE()); } }
@final @unmanaged class Ne { @inline vec(x: v128, y: v128): v128 { return v128.and(f32x4.ne(x, y), ONE()); } }
@final @unmanaged class Gt { @inline vec(x: v128, y: v128): v128 { return v128.and(f32x4.gt(x, y), ONE()); } }
@final @unmanaged class Lt { @inline vec(x: v128, y: v128): v128 { return v128.and(f32x4.lt(x, y), ONE()); } }
@final @unmanaged class Ge { @inline vec(x: v128, y: v128): v128 { return v128.and(f32x4.ge(x, y), ONE()); } }
@final @unmanaged class Le { @inline vec(x: v128, y: v128): v128 { return v128.and(f32x4.le(x, y), ONE()); } }
/** x = y (tanh output), y = dy: dy·(1 − y²) */
@final @unmanaged class TanhBackward {
  @inline vec(x: v128, y: v128): v128 { return f32x4.mul(y, f32x4.sub(ONE(), f32x4.mul(x, x))); }
}
/** x = y (sigmoid output), y = dy: dy·(1 − y)·y in PyTorch's evaluation order */
@final @unmanaged class SigmoidBackward {
  @inline vec(x: v128, y: v128): v128 { return f32x4.mul(f32x4.mul(y, f32x4.sub(ONE(), x)), x); }
}
/**
 * x (relu input) <= 0 ? 0 : dy, as PyTorch's threshold_backward: a NaN x passes dy through, and a NaN dy
 * where x <= 0 still gives 0 (a select, not a product).
 */
@final @unmanaged class ReluBackward {
  @inline vec(x: v128, y: v128): v128 { return v128.andnot(y, f32x4.le(x, ZERO())); }
}

/** addScaled's scalar (splatted), set by binary() before the loops: the op classes carry no state. */
let addScale = f32x4.splat(1);
/** a + (p0·b + 0): the affine unary op's rounding (the + 0 included) followed by add, in one pass. */
@final @unmanaged class AddScaled {
  @inline vec(x: v128, y: v128): v128 { return f32x4.add(x, f32x4.add(f32x4.mul(addScale, y), ZERO())); }
}

/** Four elements from p with element stride s (0: one element splatted). */
// @ts-ignore: decorator
@inline function load4(p: usize, s: i32): v128 {
  if (s == 1) return v128.load(p);
  if (s == 0) return v128.load32_splat(p);
  const sb = <usize>(s << 2);
  let v = v128.load32_splat(p);
  v = v128.load32_lane(p + sb, v, 1);
  v = v128.load32_lane(p + 2 * sb, v, 2);
  return v128.load32_lane(p + 3 * sb, v, 3);
}

/** One row: out[i] = Op(a[i·sa], b[i·sb]) for i < n; out contiguous. */
// @ts-ignore: decorator
@inline function row<Op>(f: Op, out: usize, a: usize, sa: i32, b: usize, sb: i32, n: i32): void {
  const nb = <usize>n << 2;
  let i: usize = 0;
  if (sa == 1 && sb == 1) {
    // four vectors per iteration: the loads of the next ones issue while the current ones compute
    for (; i + 64 <= nb; i += 64) {
      const x0 = v128.load(a + i), x1 = v128.load(a + i, 16), x2 = v128.load(a + i, 32), x3 = v128.load(a + i, 48);
      const y0 = v128.load(b + i), y1 = v128.load(b + i, 16), y2 = v128.load(b + i, 32), y3 = v128.load(b + i, 48);
      v128.store(out + i, f.vec(x0, y0));
      v128.store(out + i, f.vec(x1, y1), 16);
      v128.store(out + i, f.vec(x2, y2), 32);
      v128.store(out + i, f.vec(x3, y3), 48);
    }
    for (; i + 16 <= nb; i += 16) v128.store(out + i, f.vec(v128.load(a + i), v128.load(b + i)));
    for (; i < nb; i += 4) {
      store<f32>(out + i, f32x4.extract_lane(f.vec(v128.load32_splat(a + i), v128.load32_splat(b + i)), 0));
    }
  } else if (sa == 1 && sb == 0) {
    const vb = v128.load32_splat(b);
    for (; i + 16 <= nb; i += 16) v128.store(out + i, f.vec(v128.load(a + i), vb));
    for (; i < nb; i += 4) store<f32>(out + i, f32x4.extract_lane(f.vec(v128.load32_splat(a + i), vb), 0));
  } else if (sa == 0 && sb == 1) {
    const va = v128.load32_splat(a);
    for (; i + 16 <= nb; i += 16) v128.store(out + i, f.vec(va, v128.load(b + i)));
    for (; i < nb; i += 4) store<f32>(out + i, f32x4.extract_lane(f.vec(va, v128.load32_splat(b + i)), 0));
  } else {
    const ab = <usize>(sa << 2);
    const bb = <usize>(sb << 2);
    for (; i + 16 <= nb; i += 16) {
      v128.store(out + i, f.vec(load4(a, sa), load4(b, sb)));
      a += ab << 2;
      b += bb << 2;
    }
    for (; i < nb; i += 4) {
      store<f32>(out + i, f32x4.extract_lane(f.vec(v128.load32_splat(a), v128.load32_splat(b)), 0));
      a += ab;
      b += bb;
    }
  }
}

function run<Op>(meta: usize, r: i32, out: usize, a: usize, b: usize): void {
  const f = changetype<Op>(0);
  const n = rowLength(meta, r);
  const sa = rowStride(meta, r, 1);
  const sb = rowStride(meta, r, 2);
  do {
    row<Op>(f, rowAddress(meta, 0, out), rowAddress(meta, 1, a), sa, rowAddress(meta, 2, b), sb, n);
  } while (nextRow(meta, r, 3));
}

/**
 * out (contiguous, shape) = f(a, b). meta (see strided.ts): slot 0 shape, slot 2 a's strides, slot 3 b's
 * strides (slot 1 is filled here). out, a, b are byte addresses of element 0; out may equal a or b when that
 * input is contiguous with the shape. p0: addScaled's scalar. Collapsed rows run as SIMD for strides (1,1), (1,0), (0,1), else gathered.
 */
export function binary(op: i32, meta: usize, rank: i32, out: usize, a: usize, b: usize, p0: f32): void {
  contiguousStrides(meta, rank, 0);
  const r = collapse(meta, rank, 3);
  if (r < 0) return;
  switch (op) {
    case 0: run<Add>(meta, r, out, a, b); break;
    case 1: run<Sub>(meta, r, out, a, b); break;
    case 2: run<Mul>(meta, r, out, a, b); break;
    case 3: run<Div>(meta, r, out, a, b); break;
    case 4: run<Pow>(meta, r, out, a, b); break;
    case 5: run<Maximum>(meta, r, out, a, b); break;
    case 6: run<Minimum>(meta, r, out, a, b); break;
    case 7: run<Eq>(meta, r, out, a, b); break;
    case 8: run<Ne>(meta, r, out, a, b); break;
    case 9: run<Gt>(meta, r, out, a, b); break;
    case 10: run<Lt>(meta, r, out, a, b); break;
    case 11: run<Ge>(meta, r, out, a, b); break;
    case 12: run<Le>(meta, r, out, a, b); break;
    case 13: run<TanhBackward>(meta, r, out, a, b); break;
    case 14: run<SigmoidBackward>(meta, r, out, a, b); break;
    case 15: run<ReluBackward>(meta, r, out, a, b); break;
    case 16: addScale = f32x4.splat(p0); run<AddScaled>(meta, r, out, a, b); break;
    default: unreachable();
  }
}

/**
 * out (contiguous, shape) = cond != 0 ? a : b (NaN cond counts as true). meta: slot 0 shape, slot 2 cond's
 * strides, slot 3 a's, slot 4 b's (slot 1 filled here). All float32, byte addresses of element 0.
 */
export function where(meta: usize, rank: i32, out: usize, cond: usize, a: usize, b: usize): void {
  contiguousStrides(meta, rank, 0);
  const r = collapse(meta, rank, 4);
  if (r < 0) return;
  const n = rowLength(meta, r);
  const sc = rowStride(meta, r, 1);
  const sa = rowStride(meta, r, 2);
  const sb = rowStride(meta, r, 3);
  const nb = <usize>n << 2;
  do {
    const o = rowAddress(meta, 0, out);
    let c = rowAddress(meta, 1, cond);
    let x = rowAddress(meta, 2, a);
    let y = rowAddress(meta, 3, b);
    let i: usize = 0;
    if (sc == 1 && sa == 1 && sb == 1) {
      for (; i + 16 <= nb; i += 16) {
        v128.store(o + i, v128.bitselect(v128.load(x + i), v128.load(y + i), f32x4.ne(v128.load(c + i), ZERO())));
      }
      c += i; x += i; y += i;
    } else {
      for (; i + 16 <= nb; i += 16) {
        v128.store(o + i, v128.bitselect(load4(x, sa), load4(y, sb), f32x4.ne(load4(c, sc), ZERO())));
        c += <usize>(sc << 4); x += <usize>(sa << 4); y += <usize>(sb << 4);
      }
    }
    for (; i < nb; i += 4) {
      store<f32>(o + i, load<f32>(c) != 0 ? load<f32>(x) : load<f32>(y));
      c += <usize>(sc << 2); x += <usize>(sa << 2); y += <usize>(sb << 2);
    }
  } while (nextRow(meta, r, 4));
}
