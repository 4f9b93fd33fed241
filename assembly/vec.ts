// A small f32x4 vector layer: fused multiply-add where the build has relaxed SIMD, and vectorised
// exp / tanh / sigmoid accurate to about 1 ulp (max relative error ≈ 1.4e-7 measured against float64).

/** a·b + c; one rounding with relaxed SIMD (where the hardware fuses), two otherwise. */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** Horizontal sum of the four lanes. */
// @ts-ignore: decorator
@inline export function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) +
    (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/** Horizontal max, NaN-propagating (f32.max propagates NaN). */
// @ts-ignore: decorator
@inline export function hmax(v: v128): f32 {
  return max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)),
    max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

/** Horizontal min, NaN-propagating. */
// @ts-ignore: decorator
@inline export function hmin(v: v128): f32 {
  return min(min(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)),
    min(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

// e^r on [-ln2/2, ln2/2] as 1 + r + r²·Q(r); Q fitted (iteratively reweighted least squares) for relative error.
const EXP_Q0: f32 = 0.4999999403953552;
const EXP_Q1: f32 = 0.1666652113199234;
const EXP_Q2: f32 = 0.04166838899254799;
const EXP_Q3: f32 = 0.008368710987269878;
const EXP_Q4: f32 = 0.0013814629055559635;
const LOG2E: f32 = 1.4426950408889634;
// ln 2 split so that n·LN2_HI is exact for |n| < 2^15 (Cody–Waite reduction).
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.1219444005469057e-4;

// 1.5·2^23: adding it rounds a float below 2^22 in magnitude to an integer (ties to even) held in the low
// mantissa bits, so n comes out both as a float and, by subtracting the bit patterns, as an int.
const ROUND_MAGIC: f32 = 12582912.0;

/**
 * e^x per lane. x is clamped to [-104, 89] (beyond which the float32 result is 0 or inf anyway), reduced to
 * x = n·ln2 + r, and scaled by 2^n in two halves so results down to the denormal range and up to overflow are
 * right. NaN stays NaN (pmin/pmax keep their first operand when a comparison fails).
 */
// @ts-ignore: decorator
@inline export function vexp(x: v128): v128 {
  const xc = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-104.0)), f32x4.splat(89.0));
  const magic = f32x4.splat(ROUND_MAGIC);
  const t = madd(xc, f32x4.splat(LOG2E), magic);
  const nf = f32x4.sub(t, magic);
  let r = madd(nf, f32x4.splat(-LN2_HI), xc);
  r = madd(nf, f32x4.splat(-LN2_LO), r);
  let q = madd(f32x4.splat(EXP_Q4), r, f32x4.splat(EXP_Q3));
  q = madd(q, r, f32x4.splat(EXP_Q2));
  q = madd(q, r, f32x4.splat(EXP_Q1));
  q = madd(q, r, f32x4.splat(EXP_Q0));
  const p = f32x4.add(madd(f32x4.mul(r, r), q, r), f32x4.splat(1.0));
  const ni = i32x4.sub(t, magic);
  const n1 = i32x4.shr_s(ni, 1);
  const n2 = i32x4.sub(ni, n1);
  const bias = i32x4.splat(127);
  const s1 = i32x4.shl(i32x4.add(n1, bias), 23);
  const s2 = i32x4.shl(i32x4.add(n2, bias), 23);
  return f32x4.mul(f32x4.mul(p, s1), s2);
}

// tanh(x) = x + x³·P(x²) for |x| < 0.625; fitted like the exp polynomial.
const TANH_P0: f32 = -0.3333328068256378;
const TANH_P1: f32 = 0.13331441581249237;
const TANH_P2: f32 = -0.05373970419168472;
const TANH_P3: f32 = 0.020639054477214813;
const TANH_P4: f32 = -0.005704953800886869;

/** tanh per lane: the odd polynomial below |x| = 0.625, 1 − 2/(e^{2|x|} + 1) above, sign restored. */
// @ts-ignore: decorator
@inline export function vtanh(x: v128): v128 {
  const a = f32x4.abs(x);
  const z = f32x4.mul(a, a);
  let p = madd(f32x4.splat(TANH_P4), z, f32x4.splat(TANH_P3));
  p = madd(p, z, f32x4.splat(TANH_P2));
  p = madd(p, z, f32x4.splat(TANH_P1));
  p = madd(p, z, f32x4.splat(TANH_P0));
  const small = madd(f32x4.mul(a, z), p, a);
  const e = vexp(f32x4.add(a, a));
  const big = f32x4.sub(f32x4.splat(1.0), f32x4.div(f32x4.splat(2.0), f32x4.add(e, f32x4.splat(1.0))));
  // a < 0.625 is false for NaN, and the big branch carries the NaN through.
  const t = v128.bitselect(small, big, f32x4.lt(a, f32x4.splat(0.625)));
  return v128.or(t, v128.and(x, f32x4.splat(-0.0)));
}

/** 1 / (1 + e^{-x}) per lane; saturates to exactly 0 and 1, NaN stays NaN. */
// @ts-ignore: decorator
@inline export function vsigmoid(x: v128): v128 {
  return f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), vexp(f32x4.neg(x))));
}

// ln(1 + f) = f − f²/2 + f³·P(f) for f in [√½ − 1, √2 − 1]; fitted like the exp polynomial.
const LOG_P0: f32 = 0.3333333134651184;
const LOG_P1: f32 = -0.250008225440979;
const LOG_P2: f32 = 0.20001226663589478;
const LOG_P3: f32 = -0.16623355448246002;
const LOG_P4: f32 = 0.14201761782169342;
const LOG_P5: f32 = -0.13160203397274017;
const LOG_P6: f32 = 0.12761558592319489;
const LOG_P7: f32 = -0.07634416967630386;
// bit pattern of √½: shifting the exponent field by (1.0 − √½) puts the mantissa m in [√½, √2)
const SQRT_HALF_BITS: i32 = 0x3f3504f3;

/**
 * ln x per lane (max relative error ≈ 8e-8 measured): x = 2^e·m with m in [√½, √2) (denormals scaled up
 * first), ln x = e·ln2 + ln m. ln 0 = -inf, ln of a negative = NaN, ln inf = inf, NaN stays NaN.
 */
// @ts-ignore: decorator
@inline export function vlog(x: v128): v128 {
  const tiny = f32x4.lt(x, f32x4.splat(1.17549435e-38));
  const xs = v128.bitselect(f32x4.mul(x, f32x4.splat(8388608.0)), x, tiny);
  const ix = i32x4.add(xs, i32x4.splat(0x3f800000 - SQRT_HALF_BITS));
  const e = i32x4.sub(i32x4.sub(i32x4.shr_s(ix, 23), i32x4.splat(127)), v128.and(tiny, i32x4.splat(23)));
  const m = i32x4.add(v128.and(ix, i32x4.splat(0x7fffff)), i32x4.splat(SQRT_HALF_BITS));
  const f = f32x4.sub(m, f32x4.splat(1.0));
  let p = madd(f32x4.splat(LOG_P7), f, f32x4.splat(LOG_P6));
  p = madd(p, f, f32x4.splat(LOG_P5));
  p = madd(p, f, f32x4.splat(LOG_P4));
  p = madd(p, f, f32x4.splat(LOG_P3));
  p = madd(p, f, f32x4.splat(LOG_P2));
  p = madd(p, f, f32x4.splat(LOG_P1));
  p = madd(p, f, f32x4.splat(LOG_P0));
  const z = f32x4.mul(f, f);
  const ef = f32x4.convert_i32x4_s(e);
  let r = madd(f32x4.mul(f, z), p, f32x4.mul(f32x4.splat(-0.5), z));
  r = madd(ef, f32x4.splat(LN2_LO), r);
  r = f32x4.add(f, r);
  r = madd(ef, f32x4.splat(LN2_HI), r);
  // special inputs: 0 -> -inf, negative -> NaN, inf and NaN pass through
  r = v128.bitselect(f32x4.splat(-Infinity), r, f32x4.eq(x, f32x4.splat(0.0)));
  r = v128.bitselect(f32x4.splat(NaN), r, f32x4.lt(x, f32x4.splat(0.0)));
  return v128.bitselect(x, r, v128.or(f32x4.ne(x, x), f32x4.eq(x, f32x4.splat(Infinity))));
}

/** Scalar twins used for tails, so tails and bodies agree bit for bit. */
// @ts-ignore: decorator
@inline export function sexp(x: f32): f32 {
  return f32x4.extract_lane(vexp(f32x4.splat(x)), 0);
}

// @ts-ignore: decorator
@inline export function stanh(x: f32): f32 {
  return f32x4.extract_lane(vtanh(f32x4.splat(x)), 0);
}

// @ts-ignore: decorator
@inline export function ssigmoid(x: f32): f32 {
  return f32x4.extract_lane(vsigmoid(f32x4.splat(x)), 0);
}
