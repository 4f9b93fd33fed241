// Elementwise one-input kernels. Op codes are `Unary` in src/backend/types.ts.
//
// Each op is a tiny class whose inlined `vec` computes four lanes; `loop<Op>` is instantiated once per op,
// so every op gets its own straight-line SIMD loop (a runtime switch inside the loop would not fold away).
import { vexp, vlog, vsigmoid, vtanh } from './vec';

// @ts-ignore: decorator
@inline function ONE(): v128 { return f32x4.splat(1.0); }
// @ts-ignore: decorator
@inline function ZERO(): v128 { return f32x4.splat(0.0); }

@final @unmanaged class Neg { @inline vec(v: v128, a: v128, b: v128): v128 { return f32x4.neg(v); } }
@final @unmanaged class Exp { @inline vec(v: v128, a: v128, b: v128): v128 { return vexp(v); } }
@final @unmanaged class Log { @inline vec(v: v128, a: v128, b: v128): v128 { return vlog(v); } }
@final @unmanaged class Sqrt { @inline vec(v: v128, a: v128, b: v128): v128 { return f32x4.sqrt(v); } }
@final @unmanaged class Abs { @inline vec(v: v128, a: v128, b: v128): v128 { return f32x4.abs(v); } }
@final @unmanaged class Tanh { @inline vec(v: v128, a: v128, b: v128): v128 { return vtanh(v); } }
@final @unmanaged class Sigmoid { @inline vec(v: v128, a: v128, b: v128): v128 { return vsigmoid(v); } }
/** x < 0 ? 0 : x, as torch.relu: NaN stays NaN, -0 stays -0 */
@final @unmanaged class Relu {
  @inline vec(v: v128, a: v128, b: v128): v128 { return v128.andnot(v, f32x4.lt(v, ZERO())); }
}
/** (x > 0) − (x < 0): NaN gives 0, as PyTorch 1.13 */
@final @unmanaged class Sign {
  @inline vec(v: v128, a: v128, b: v128): v128 {
    return f32x4.sub(v128.and(f32x4.gt(v, ZERO()), ONE()), v128.and(f32x4.lt(v, ZERO()), ONE()));
  }
}
/** a·x + b, two roundings (never fused: scalar add/mul must round as PyTorch's) */
@final @unmanaged class Affine { @inline vec(v: v128, a: v128, b: v128): v128 { return f32x4.add(f32x4.mul(a, v), b); } }
@final @unmanaged class Rdiv { @inline vec(v: v128, a: v128, b: v128): v128 { return f32x4.div(a, v); } }
/** min(max(x, a), b); NaN stays NaN */
@final @unmanaged class Clamp { @inline vec(v: v128, a: v128, b: v128): v128 { return f32x4.min(f32x4.max(v, a), b); } }
@final @unmanaged class Eq { @inline vec(v: v128, a: v128, b: v128): v128 { return v128.and(f32x4.eq(v, a), ONE()); } }
@final @unmanaged class Ne { @inline vec(v: v128, a: v128, b: v128): v128 { return v128.and(f32x4.ne(v, a), ONE()); } }
@final @unmanaged class Gt { @inline vec(v: v128, a: v128, b: v128): v128 { return v128.and(f32x4.gt(v, a), ONE()); } }
@final @unmanaged class Lt { @inline vec(v: v128, a: v128, b: v128): v128 { return v128.and(f32x4.lt(v, a), ONE()); } }
@final @unmanaged class Ge { @inline vec(v: v128, a: v128, b: v128): v128 { return v128.and(f32x4.ge(v, a), ONE()); } }
@final @unmanaged class Le { @inline vec(v: v128, a: v128, b: v128): v128 { return v128.and(f32x4.le(v, a), ONE()); } }
@final @unmanaged class Square { @inline vec(v: v128, a: v128, b: v128): v128 { return f32x4.mul(v, v); } }
/** x·x·x, as PyTorch's pow(x, 3) */
@final @unmanaged class Cube { @inline vec(v: v128, a: v128, b: v128): v128 { return f32x4.mul(f32x4.mul(v, v), v); } }
/** 1 / sqrt(x), as PyTorch's pow(x, -0.5) */
@final @unmanaged class Rsqrt { @inline vec(v: v128, a: v128, b: v128): v128 { return f32x4.div(ONE(), f32x4.sqrt(v)); } }
/** 1 / (x·x), as PyTorch's pow(x, -2) */
@final @unmanaged class InvSquare { @inline vec(v: v128, a: v128, b: v128): v128 { return f32x4.div(ONE(), f32x4.mul(v, v)); } }
@final @unmanaged class InRange {
  @inline vec(v: v128, a: v128, b: v128): v128 { return v128.and(v128.and(f32x4.ge(v, a), f32x4.le(v, b)), ONE()); }
}

/** out[i] = Op(x[i]) for i < n: four-lane body, tail lane-wise through the same code on a splat. */
function loop<Op>(out: usize, x: usize, n: i32, p0: f32, p1: f32): void {
  const f = changetype<Op>(0);
  const a = f32x4.splat(p0);
  const b = f32x4.splat(p1);
  const nb = <usize>n << 2;
  let i: usize = 0;
  // four vectors per iteration, loaded before any is stored (out may equal x: the same positions only)
  for (; i + 64 <= nb; i += 64) {
    const v0 = v128.load(x + i), v1 = v128.load(x + i, 16), v2 = v128.load(x + i, 32), v3 = v128.load(x + i, 48);
    v128.store(out + i, f.vec(v0, a, b));
    v128.store(out + i, f.vec(v1, a, b), 16);
    v128.store(out + i, f.vec(v2, a, b), 32);
    v128.store(out + i, f.vec(v3, a, b), 48);
  }
  for (; i + 16 <= nb; i += 16) v128.store(out + i, f.vec(v128.load(x + i), a, b));
  for (; i < nb; i += 4) store<f32>(out + i, f32x4.extract_lane(f.vec(v128.load32_splat(x + i), a, b), 0));
}

/**
 * out[i] = x[i] ** p. The exponents PyTorch 1.13 special-cases (0.5, 2, 3, -0.5, -1, -2) run as the same
 * sqrt / product / reciprocal it uses (so pow(-inf, 0.5) = NaN, as torch); others go through Mathf.pow.
 */
function powScalar(out: usize, x: usize, n: i32, p: f32): void {
  if (p == 2) loop<Square>(out, x, n, 0, 0);
  else if (p == 0.5) loop<Sqrt>(out, x, n, 0, 0);
  else if (p == 3) loop<Cube>(out, x, n, 0, 0);
  else if (p == -0.5) loop<Rsqrt>(out, x, n, 0, 0);
  else if (p == -1) loop<Rdiv>(out, x, n, 1, 0);
  else if (p == -2) loop<InvSquare>(out, x, n, 0, 0);
  else {
    const nb = <usize>n << 2;
    for (let i: usize = 0; i < nb; i += 4) store<f32>(out + i, Mathf.pow(load<f32>(x + i), p));
  }
}

/**
 * out[i] = f(x[i]) for i < n; out and x are byte addresses of float32 (4-byte aligned; out may equal x).
 * p0/p1 are the op's scalar parameters (see `Unary` in src/backend/types.ts).
 */
export function unary(op: i32, out: usize, x: usize, n: i32, p0: f32, p1: f32): void {
  switch (op) {
    case 0: loop<Neg>(out, x, n, p0, p1); break;
    case 1: loop<Exp>(out, x, n, p0, p1); break;
    case 2: loop<Log>(out, x, n, p0, p1); break;
    case 3: loop<Sqrt>(out, x, n, p0, p1); break;
    case 4: loop<Abs>(out, x, n, p0, p1); break;
    case 5: loop<Tanh>(out, x, n, p0, p1); break;
    case 6: loop<Sigmoid>(out, x, n, p0, p1); break;
    case 7: loop<Relu>(out, x, n, p0, p1); break;
    case 8: loop<Sign>(out, x, n, p0, p1); break;
    case 9: loop<Affine>(out, x, n, p0, p1); break;
    case 10: powScalar(out, x, n, p0); break;
    case 11: loop<Rdiv>(out, x, n, p0, p1); break;
    case 12: loop<Clamp>(out, x, n, p0, p1); break;
    case 13: loop<Eq>(out, x, n, p0, p1); break;
    case 14: loop<Ne>(out, x, n, p0, p1); break;
    case 15: loop<Gt>(out, x, n, p0, p1); break;
    case 16: loop<Lt>(out, x, n, p0, p1); break;
    case 17: loop<Ge>(out, x, n, p0, p1); break;
    case 18: loop<Le>(out, x, n, p0, p1); break;
    case 19: loop<Square>(out, x, n, p0, p1); break;
    case 20: loop<InRange>(out, x, n, p0, p1); break;
    default: unreachable();
  }
}
