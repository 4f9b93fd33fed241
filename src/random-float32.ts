/**
 * PyTorch 1.13's AVX2 Box-Muller block (`normal_fill_16_AVX2`), in float32 arithmetic, for `Generator.normal`.
 *
 * The kernels are Cephes-style float32 polynomials (ATen's avx_mathfun.h); GCC contracts each
 * multiply whose only use is an add into one fused multiply-add, which `fmaFloat32` reproduces.
 */
const LANES = 8;
/** Per-lane scratch for one block (float32 values held as float64). */
const radii = new Float64Array(LANES);
const sines = new Float64Array(LANES);
const cosines = new Float64Array(LANES);
const laneM = new Float64Array(LANES);
const laneZ = new Float64Array(LANES);
const laneY = new Float64Array(LANES);
const laneE = new Float64Array(LANES);
const laneOctant = new Int32Array(LANES);

/**
 * Transforms 16 uniforms at data[start..start+16) into 16 normals in place: the first 8 give the
 * radii, the last 8 the angles. Each polynomial step runs across the 8 lanes before the next step,
 * as the AVX2 code does: the lanes are independent chains the CPU overlaps, where one lane's
 * chain of roundings at a time would wait on each step's latency.
 */
export function boxMuller16(data: Float32Array, start: number, mean: number, std: number): void {
  radiusLanes(data, start);
  sinCosLanes(data, start + LANES);
  for (let j = 0; j < LANES; j++) {
    const radius = radii[j];
    data[start + j] = fmaFloat32(Math.fround(radius * cosines[j]), std, mean);
    data[start + j + LANES] = fmaFloat32(Math.fround(radius * sines[j]), std, mean);
  }
}

const LOG_COEFFS = [
  7.0376836292e-2, -1.151461031e-1, 1.167699874e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1,
  2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
].map(Math.fround);
const LOG_Q1 = Math.fround(-2.1219444e-4);
const LOG_Q2 = Math.fround(0.693359375);
const SQRT_HALF = Math.fround(0.707106781186547524);

const bits = new Uint32Array(1);
const floats = new Float32Array(bits.buffer);

/**
 * radii[j] = sqrt(-2 log(1 - u)) for the 8 uniforms u at data[start..start+8), with Cephes' float32
 * log for positive normal x (here x = 1 - u in (0, 1]).
 */
function radiusLanes(data: Float32Array, start: number): void {
  for (let j = 0; j < LANES; j++) {
    floats[0] = Math.fround(1 - data[start + j]);
    let exponent = Math.fround((bits[0] >>> 23) - 127 + 1);
    bits[0] = (bits[0] & ~0x7f800000) | 0x3f000000; // mantissa scaled into [0.5, 1)
    let m = floats[0];
    if (m < SQRT_HALF) {
      exponent = Math.fround(exponent - 1);
      m = Math.fround(Math.fround(m - 1) + m);
    } else {
      m = Math.fround(m - 1);
    }
    laneE[j] = exponent;
    laneM[j] = m;
    laneY[j] = LOG_COEFFS[0];
  }
  for (let k = 1; k < LOG_COEFFS.length; k++) {
    const coeff = LOG_COEFFS[k];
    for (let j = 0; j < LANES; j++) laneY[j] = fmaFloat32(laneY[j], laneM[j], coeff);
  }
  for (let j = 0; j < LANES; j++) {
    const m = laneM[j];
    const exponent = laneE[j];
    const z = Math.fround(m * m);
    let y = Math.fround(laneY[j] * m);
    y = fmaFloat32(y, z, Math.fround(exponent * LOG_Q1));
    y = fmaFloat32(-z, 0.5, y);
    const log = fmaFloat32(exponent, LOG_Q2, Math.fround(m + y));
    radii[j] = Math.fround(Math.sqrt(Math.fround(-2 * log)));
  }
}

const TWO_PI = Math.fround(2 * Math.PI);
const FOUR_OVER_PI = Math.fround(1.27323954473516);
const DP1 = Math.fround(-0.78515625);
const DP2 = Math.fround(-2.4187564849853515625e-4);
const DP3 = Math.fround(-3.77489497744594108e-8);
const SIN_COEFFS = [-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1].map(Math.fround);
const COS_COEFFS = [2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2].map(Math.fround);

/**
 * sines[j] and cosines[j] of x = 2 pi u for the 8 uniforms u at data[start..start+8), with Cephes'
 * float32 sincos for x >= 0 of moderate size (here x in [0, 2 pi)).
 */
function sinCosLanes(data: Float32Array, start: number): void {
  for (let j = 0; j < LANES; j++) {
    const x = Math.fround(TWO_PI * data[start + j]);
    const octant = (Math.trunc(Math.fround(x * FOUR_OVER_PI)) + 1) & ~1;
    const y = Math.fround(octant);
    let r = fmaFloat32(y, DP1, x);
    r = fmaFloat32(y, DP2, r);
    r = fmaFloat32(y, DP3, r);
    laneOctant[j] = octant;
    laneM[j] = r;
    laneZ[j] = Math.fround(r * r);
  }
  for (let j = 0; j < LANES; j++) {
    const z = laneZ[j];
    let cosPoly = COS_COEFFS[0];
    cosPoly = fmaFloat32(cosPoly, z, COS_COEFFS[1]);
    cosPoly = fmaFloat32(cosPoly, z, COS_COEFFS[2]);
    cosPoly = Math.fround(cosPoly * z);
    cosPoly = fmaFloat32(cosPoly, z, -Math.fround(z * 0.5));
    laneY[j] = Math.fround(cosPoly + 1);
  }
  for (let j = 0; j < LANES; j++) {
    const z = laneZ[j];
    const r = laneM[j];
    let sinPoly = SIN_COEFFS[0];
    sinPoly = fmaFloat32(sinPoly, z, SIN_COEFFS[1]);
    sinPoly = fmaFloat32(sinPoly, z, SIN_COEFFS[2]);
    sinPoly = Math.fround(sinPoly * z);
    sinPoly = fmaFloat32(sinPoly, r, r);
    const cosPoly = laneY[j];
    const octant = laneOctant[j];
    const useSinPoly = (octant & 2) === 0;
    // `+ 0` turns -0 into +0 as the masked adds in the vector code do.
    const sin = (useSinPoly ? sinPoly : cosPoly) + 0;
    const cos = (useSinPoly ? cosPoly : sinPoly) + 0;
    const sinNegative = (octant & 4) !== 0;
    const cosNegative = ((octant - 2) & 4) === 0;
    sines[j] = sinNegative ? -sin : sin;
    cosines[j] = cosNegative ? -cos : cos;
  }
}

const SMALLEST_FLOAT32 = 2 ** -149;
const neighbour = new Float32Array(1);
const neighbourBits = new Uint32Array(neighbour.buffer);

/**
 * float32 fused multiply-add: a * b + c rounded once (a, b, c float32). The product is exact in
 * float64, so rounding the float64 sum to float32 is a double rounding, which differs from one
 * rounding only when the float64 sum is inexact and lies exactly halfway between two float32 values.
 * Such a midpoint has at most 25 significant bits; every other sum returns at once (the hot path).
 */
export function fmaFloat32(a: number, b: number, c: number): number {
  const product = a * b;
  const sum = product + c;
  const rounded = Math.fround(sum);
  const split = sum * 268435457; // 2^28 + 1: Veltkamp's splitter, keeps the top 25 significant bits
  // One rarely-taken branch (`&`, not `&&`): whether `sum` is inexact in float32 yet fits 25 bits.
  if (+(rounded !== sum) & +(split - (split - sum) === sum)) {
    // The float64 rounding error of the sum (two-sum); where it is 0 the sum is exact, one rounding.
    const virtualC = sum - product;
    const err = product - (sum - virtualC) + (c - virtualC);
    if (err !== 0) return roundHalfwayFloat32(sum, rounded, err);
  }
  return rounded;
}

/**
 * The rare tail of `fmaFloat32`: `sum` (float64) rounds to float32 `rounded` but may sit on the
 * midpoint between it and its neighbour; the sign of the error `err` lost in `sum` then says which
 * way the exact value lies, and so which neighbour it rounds to.
 */
function roundHalfwayFloat32(sum: number, rounded: number, err: number): number {
  if (!Number.isFinite(rounded)) return rounded;
  // Find the float32 on the other side of `sum`.
  let other: number;
  if (rounded === 0) {
    other = Math.sign(sum) * SMALLEST_FLOAT32;
  } else {
    neighbour[0] = rounded;
    neighbourBits[0] += sum > rounded === rounded > 0 ? 1 : -1;
    other = neighbour[0];
  }
  if (Math.abs(sum - rounded) !== Math.abs(other - sum)) return rounded;
  const up = Math.max(rounded, other);
  const down = Math.min(rounded, other);
  return err > 0 ? up : down;
}
