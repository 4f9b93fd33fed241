/**
 * Seeded random numbers that reproduce PyTorch 1.13's CPU generator (x86-64, AVX2 kernels).
 *
 * The engine is PyTorch's mt19937 (standard MT19937, seeded from the low 32 bits of the seed the way
 * `torch.manual_seed` seeds it). Each sampler draws from it in the order and with the arithmetic of
 * the matching ATen CPU kernel, so the same seed gives the same values as:
 *
 * - `uniform(n, a, b)`   `torch.empty(n).uniform_(a, b)` / `torch.rand(n)`: one 32-bit draw per value,
 *                        24 random bits, `x * (b - a) + a` in float32 with one rounding (fused).
 * - `normal(n, m, s)`    `torch.empty(n).normal_(m, s)` / `torch.randn(n)`. Below 16 values: scalar
 *                        Box-Muller in float64 (two 53-bit uniforms per pair; the second value of a
 *                        pair is cached in the generator and used by the next call). From 16 values:
 *                        PyTorch fills the tensor with float32 uniforms, transforms each block of 16
 *                        (first 8 -> radius, last 8 -> angle) with its AVX2 float32 log/sincos, and, when
 *                        n is not a multiple of 16, draws 16 fresh uniforms for the last 16 values.
 * - `randint(lo, hi, n)` `torch.randint(lo, hi, (n,))`: `draw % (hi - lo) + lo`.
 * - `randperm(n)`        `torch.randperm(n)`: Fisher-Yates swapping i with `i + draw % (n - i)`.
 * - `bernoulli(n, p)`    `torch.empty(n).bernoulli_(p)` (and so dropout masks): 53-bit uniform `< p`.
 * - `random()`           `torch.rand(1, dtype=torch.float64)`: a 53-bit uniform in [0, 1).
 *
 * Checked against PyTorch 1.13 with its AVX2 and AVX512 CPU kernels (over a million values, no
 * difference). PyTorch's portable kernels (ATEN_CPU_CAPABILITY=default, CPUs without AVX2) differ in
 * the last bit for `uniform` with a non-zero low bound (unfused multiply-add) and for `normal` with
 * n >= 16 (libm float32 log/sin/cos); every other sampler is the same there.
 * The scalar normal path uses float64 `Math.log/sin/cos`, which could differ from glibc's in the
 * last float64 bit on rare inputs; that changes the float32 result more rarely still (never seen).
 */

const STATE_SIZE = 624;
const SHIFT_SIZE = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;
const TWO_POW_32 = 4294967296;
/** PyTorch's default CPU generator seed in a fresh process (`torch.initial_seed()`). */
const PYTORCH_DEFAULT_SEED = 67280421310721;
/** Largest range `randint` samples from one 32-bit draw (PyTorch switches to 64-bit draws above). */
const MAX_RANDINT_RANGE = TWO_POW_32 - 1;

export class Generator {
  private readonly state = new Uint32Array(STATE_SIZE);
  private next = 0;
  private seedValue = 0;
  /** Second value of the last scalar Box-Muller pair, waiting to be returned (PyTorch caches it too). */
  private cachedNormal: number | null = null;

  constructor(seed: number = PYTORCH_DEFAULT_SEED) {
    this.manualSeed(seed);
  }

  /**
   * Reseeds as `torch.manual_seed(seed)` does: the engine state comes from the seed's low 32 bits
   * (two's complement for negative seeds) and any cached normal sample is dropped.
   */
  manualSeed(seed: number): void {
    if (!Number.isSafeInteger(seed)) {
      throw new Error(`manualSeed: seed must be a safe integer, got ${seed}`);
    }
    this.seedValue = seed;
    this.cachedNormal = null;
    const state = this.state;
    state[0] = Number(BigInt.asUintN(32, BigInt(seed)));
    for (let i = 1; i < STATE_SIZE; i++) {
      const prev = state[i - 1] ^ (state[i - 1] >>> 30);
      state[i] = Math.imul(1812433253, prev) + i;
    }
    this.next = STATE_SIZE;
  }

  /** The seed last given to `manualSeed` (`torch.initial_seed()`). */
  seed(): number {
    return this.seedValue;
  }

  /** The next raw 32-bit output of MT19937, as an unsigned integer. */
  nextUint32(): number {
    if (this.next >= STATE_SIZE) this.twist();
    let y = this.state[this.next++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** One float64 in [0, 1) from two draws: the low 21 bits of the first and all of the second. */
  random(): number {
    const high = this.nextUint32() & 0x1fffff;
    const low = this.nextUint32();
    return (high * TWO_POW_32 + low) / 9007199254740992;
  }

  /** n float32 values uniform in [low, high). */
  uniform(n: number, low = 0, high = 1): Float32Array {
    checkCount('uniform', n);
    const from = Math.fround(low);
    const to = Math.fround(high);
    if (!(from <= to)) throw new Error(`uniform: expected low <= high, got low=${low}, high=${high}`);
    const range = Math.fround(to - from);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = fmaFloat32(this.unitFloat32(), range, from);
    return out;
  }

  /** n float32 values from N(mean, std^2). */
  normal(n: number, mean = 0, std = 1): Float32Array {
    checkCount('normal', n);
    if (!(std >= 0)) throw new Error(`normal: expected std >= 0, got ${std}`);
    return n >= 16 ? this.normalBlocks(n, Math.fround(mean), Math.fround(std)) : this.normalScalar(n, mean, std);
  }

  /** n integers uniform in [low, high). */
  randint(low: number, high: number, n: number): Int32Array {
    checkCount('randint', n);
    const range = high - low;
    if (!Number.isInteger(low) || !Number.isInteger(high) || !(range >= 1)) {
      throw new Error(`randint: expected integers low < high, got low=${low}, high=${high}`);
    }
    if (range > MAX_RANDINT_RANGE || low < -2147483648 || high > 2147483648) {
      throw new Error(`randint: range [${low}, ${high}) does not fit 32-bit integers`);
    }
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = (this.nextUint32() % range) + low;
    return out;
  }

  /** n values, each 1 with probability p and 0 otherwise. */
  bernoulli(n: number, p: number): Float32Array {
    checkCount('bernoulli', n);
    if (!(p >= 0 && p <= 1)) throw new Error(`bernoulli: expected 0 <= p <= 1, got ${p}`);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.random() < p ? 1 : 0;
    return out;
  }

  /** A random permutation of 0 .. n-1. */
  randperm(n: number): Int32Array {
    checkCount('randperm', n);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    for (let i = 0; i < n - 1; i++) {
      const j = i + (this.nextUint32() % (n - i));
      const kept = out[i];
      out[i] = out[j];
      out[j] = kept;
    }
    return out;
  }

  /** A float32 in [0, 1) with 24 random bits from one draw. */
  private unitFloat32(): number {
    return (this.nextUint32() & 0xffffff) / 16777216;
  }

  private normalScalar(n: number, mean: number, std: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      if (this.cachedNormal !== null) {
        out[i] = this.cachedNormal * std + mean;
        this.cachedNormal = null;
        continue;
      }
      const u1 = this.random();
      const u2 = this.random();
      const radius = Math.sqrt(-2 * Math.log(1 - u2));
      const theta = 2 * Math.PI * u1;
      this.cachedNormal = radius * Math.sin(theta);
      out[i] = radius * Math.cos(theta) * std + mean;
    }
    return out;
  }

  private normalBlocks(n: number, mean: number, std: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.unitFloat32();
    for (let start = 0; start + 16 <= n; start += 16) boxMuller16(out, start, mean, std);
    if (n % 16 !== 0) {
      for (let i = n - 16; i < n; i++) out[i] = this.unitFloat32();
      boxMuller16(out, n - 16, mean, std);
    }
    return out;
  }

  private twist(): void {
    const s = this.state;
    for (let i = 0; i < STATE_SIZE; i++) {
      const following = i + 1 < STATE_SIZE ? i + 1 : 0;
      const shifted = i + SHIFT_SIZE < STATE_SIZE ? i + SHIFT_SIZE : i + SHIFT_SIZE - STATE_SIZE;
      const y = (s[i] & UPPER_MASK) | (s[following] & LOWER_MASK);
      s[i] = s[shifted] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    this.next = 0;
  }
}

/** The generator that `torch.manualSeed` seeds and every random initialisation draws from. */
export const defaultGenerator = new Generator();

function checkCount(op: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${op}: expected a non-negative integer count, got ${n}`);
}

// ---- PyTorch's AVX2 Box-Muller block, in float32 arithmetic ----
//
// The kernels are Cephes-style float32 polynomials (ATen's avx_mathfun.h); GCC contracts each
// multiply whose only use is an add into one fused multiply-add, which `fma` reproduces.

const f = Math.fround;
const TWO_PI = f(2 * Math.PI);

/** Transforms 16 uniforms at data[start..start+16) into 16 normals in place. */
function boxMuller16(data: Float32Array, start: number, mean: number, std: number): void {
  for (let j = 0; j < 8; j++) {
    const u1 = f(1 - data[start + j]);
    const u2 = data[start + j + 8];
    const radius = f(Math.sqrt(f(-2 * logFloat32(u1))));
    sinCosFloat32(f(TWO_PI * u2));
    data[start + j] = fmaFloat32(f(radius * sinCos[1]), std, mean);
    data[start + j + 8] = fmaFloat32(f(radius * sinCos[0]), std, mean);
  }
}

const LOG_COEFFS = [
  7.0376836292e-2, -1.151461031e-1, 1.167699874e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1,
  2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
].map(f);
const LOG_Q1 = f(-2.1219444e-4);
const LOG_Q2 = f(0.693359375);
const SQRT_HALF = f(0.707106781186547524);

const bits = new Uint32Array(1);
const floats = new Float32Array(bits.buffer);

/** Natural log for positive normal float32 x (the inputs here lie in (0, 1]). */
function logFloat32(x: number): number {
  floats[0] = x;
  let exponent = f((bits[0] >>> 23) - 127 + 1);
  bits[0] = (bits[0] & ~0x7f800000) | 0x3f000000; // mantissa scaled into [0.5, 1)
  let m = floats[0];
  if (m < SQRT_HALF) {
    exponent = f(exponent - 1);
    m = f(f(m - 1) + m);
  } else {
    m = f(m - 1);
  }
  const z = f(m * m);
  let y = LOG_COEFFS[0];
  for (let k = 1; k < LOG_COEFFS.length; k++) y = fmaFloat32(y, m, LOG_COEFFS[k]);
  y = f(y * m);
  y = fmaFloat32(y, z, f(exponent * LOG_Q1));
  y = fmaFloat32(-z, 0.5, y);
  return fmaFloat32(exponent, LOG_Q2, f(m + y));
}

const FOUR_OVER_PI = f(1.27323954473516);
const DP1 = f(-0.78515625);
const DP2 = f(-2.4187564849853515625e-4);
const DP3 = f(-3.77489497744594108e-8);
const SIN_COEFFS = [-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1].map(f);
const COS_COEFFS = [2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2].map(f);

/** Output of sinCosFloat32: [sin, cos]. */
const sinCos = new Float64Array(2);

/** Writes [sin(x), cos(x)] into `sinCos` for float32 x >= 0 of moderate size (here x in [0, 2 pi)). */
function sinCosFloat32(x: number): void {
  const octant = (Math.trunc(f(x * FOUR_OVER_PI)) + 1) & ~1;
  const y = f(octant);
  let r = fmaFloat32(y, DP1, x);
  r = fmaFloat32(y, DP2, r);
  r = fmaFloat32(y, DP3, r);
  const z = f(r * r);

  let cosPoly = COS_COEFFS[0];
  cosPoly = fmaFloat32(cosPoly, z, COS_COEFFS[1]);
  cosPoly = fmaFloat32(cosPoly, z, COS_COEFFS[2]);
  cosPoly = f(cosPoly * z);
  cosPoly = fmaFloat32(cosPoly, z, -f(z * 0.5));
  cosPoly = f(cosPoly + 1);

  let sinPoly = SIN_COEFFS[0];
  sinPoly = fmaFloat32(sinPoly, z, SIN_COEFFS[1]);
  sinPoly = fmaFloat32(sinPoly, z, SIN_COEFFS[2]);
  sinPoly = f(sinPoly * z);
  sinPoly = fmaFloat32(sinPoly, r, r);

  const useSinPoly = (octant & 2) === 0;
  // `+ 0` turns -0 into +0 as the masked adds in the vector code do.
  const sin = (useSinPoly ? sinPoly : cosPoly) + 0;
  const cos = (useSinPoly ? cosPoly : sinPoly) + 0;
  const sinNegative = (octant & 4) !== 0;
  const cosNegative = ((octant - 2) & 4) === 0;
  sinCos[0] = sinNegative ? -sin : sin;
  sinCos[1] = cosNegative ? -cos : cos;
}

const SMALLEST_FLOAT32 = 2 ** -149;
const neighbour = new Float32Array(1);
const neighbourBits = new Uint32Array(neighbour.buffer);

/**
 * float32 fused multiply-add: a * b + c rounded once (a, b, c float32). The product is exact in
 * float64; the float64 sum is exact or carries an error `err` that only matters when the sum sits
 * exactly halfway between two float32 values.
 */
export function fmaFloat32(a: number, b: number, c: number): number {
  const product = a * b;
  const sum = product + c;
  const virtualC = sum - product;
  const err = product - (sum - virtualC) + (c - virtualC);
  const rounded = f(sum);
  if (err === 0 || rounded === sum || !Number.isFinite(rounded)) return rounded;
  // Find the float32 on the other side of `sum`; a tie is broken by the sign of the lost error.
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
