import { Unary, type Buf, type UnaryOp } from '../types.js';
import { f32 } from './buffer.js';
import { powScalarFn } from './scalar-math.js';

const fround = Math.fround;

/**
 * out[i] = f(x[i]) for i < n over contiguous float32; out may alias x. Scalar parameters are rounded to
 * float32 first, as PyTorch casts a Python scalar to the tensor's dtype (so `x == 0.1` holds for x = 0.1f).
 */
export function unary(op: UnaryOp, out: Buf, outOff: number, x: Buf, xOff: number, n: number, p0: number, p1: number): void {
  const o = f32(out).subarray(outOff, outOff + n);
  const v = f32(x).subarray(xOff, xOff + n);
  const s0 = fround(p0);
  const s1 = fround(p1);
  let j = 0;
  switch (op) {
    case Unary.neg: for (; j < n; j++) o[j] = -v[j]; return;
    case Unary.exp: for (; j < n; j++) o[j] = Math.exp(v[j]); return;
    case Unary.log: for (; j < n; j++) o[j] = Math.log(v[j]); return;
    case Unary.sqrt: for (; j < n; j++) o[j] = Math.sqrt(v[j]); return;
    case Unary.abs: for (; j < n; j++) o[j] = Math.abs(v[j]); return;
    case Unary.tanh: for (; j < n; j++) o[j] = Math.tanh(v[j]); return;
    // exp(-x) is rounded to float32 as in PyTorch's kernel, so it overflows to inf (and sigmoid to 0)
    // below x ≈ -88.7 instead of leaving a float64-computed denormal.
    case Unary.sigmoid: for (; j < n; j++) o[j] = 1 / (1 + fround(Math.exp(-v[j]))); return;
    // relu(NaN) = NaN and relu(-0) = -0, as torch.relu.
    case Unary.relu: for (; j < n; j++) { const a = v[j]; o[j] = a < 0 ? 0 : a; } return;
    // sign(NaN) = 0, as torch 1.13's (0 < x) - (x < 0).
    case Unary.sign: for (; j < n; j++) { const a = v[j]; o[j] = a > 0 ? 1 : a < 0 ? -1 : 0; } return;
    case Unary.affine:
      // Rounded like PyTorch's separate mul then add, and without `+ 0` turning -0 into +0.
      if (s1 === 0) for (; j < n; j++) o[j] = s0 * v[j];
      else if (s0 === 1) for (; j < n; j++) o[j] = v[j] + s1;
      else for (; j < n; j++) o[j] = fround(s0 * v[j]) + s1;
      return;
    case Unary.powScalar: {
      const pow = powScalarFn(p0);
      for (; j < n; j++) o[j] = pow(v[j]);
      return;
    }
    case Unary.rdiv: for (; j < n; j++) o[j] = s0 / v[j]; return;
    case Unary.clamp:
      // torch.clamp: NaN input stays NaN, a NaN bound is ignored, min > max gives max.
      for (; j < n; j++) {
        const a = v[j];
        const low = a < s0 ? s0 : a;
        o[j] = a !== a ? a : s1 < low ? s1 : low;
      }
      return;
    case Unary.eqScalar: for (; j < n; j++) o[j] = v[j] === s0 ? 1 : 0; return;
    case Unary.neScalar: for (; j < n; j++) o[j] = v[j] !== s0 ? 1 : 0; return;
    case Unary.gtScalar: for (; j < n; j++) o[j] = v[j] > s0 ? 1 : 0; return;
    case Unary.ltScalar: for (; j < n; j++) o[j] = v[j] < s0 ? 1 : 0; return;
    case Unary.geScalar: for (; j < n; j++) o[j] = v[j] >= s0 ? 1 : 0; return;
    case Unary.leScalar: for (; j < n; j++) o[j] = v[j] <= s0 ? 1 : 0; return;
    case Unary.square: for (; j < n; j++) { const a = v[j]; o[j] = a * a; } return;
    case Unary.inRange: for (; j < n; j++) { const a = v[j]; o[j] = s0 <= a && a <= s1 ? 1 : 0; } return;
    default:
      throw new Error(`unary: unknown op ${op as number} (expected a value of Unary)`);
  }
}
