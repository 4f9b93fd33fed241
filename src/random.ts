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
 * `getState()` / `setState()` use the byte layout of `torch.get_rng_state()` / `torch.set_rng_state()`
 * (see `random-state.ts`), so a state taken from PyTorch continues PyTorch's sequence here and back.
 *
 * Checked against PyTorch 1.13 with its AVX2 and AVX512 CPU kernels (over a million values, no
 * difference). PyTorch's portable kernels (ATEN_CPU_CAPABILITY=default, CPUs without AVX2) differ in
 * the last bit for `uniform` with a non-zero low bound (unfused multiply-add) and for `normal` with
 * n >= 16 (libm float32 log/sin/cos); every other sampler is the same there.
 * The scalar normal path uses float64 `Math.log/sin/cos`, which could differ from glibc's in the
 * last float64 bit on rare inputs; that changes the float32 result more rarely still (never seen).
 */

import { boxMuller16, fmaFloat32 } from './random-float32.js';
import { MT_STATE_WORDS, decodeRngState, encodeRngState } from './random-state.js';

export { fmaFloat32 } from './random-float32.js';
export { RNG_STATE_BYTES } from './random-state.js';

const STATE_SIZE = MT_STATE_WORDS;
const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;
/** PyTorch's default CPU generator seed in a fresh process (`torch.initial_seed()`). */
const PYTORCH_DEFAULT_SEED = 67280421310721;
/** Largest range `randint` samples from one 32-bit draw (PyTorch switches to 64-bit draws above). */
const MAX_RANDINT_RANGE = TWO_POW_32 - 1;

/**
 * An mt19937 engine with PyTorch's samplers. The state is regenerated 624 words at a time (the twist,
 * one tight loop) and each sampler tempers the words it consumes in its own loop, without a call per
 * draw. Words are kept as int32 (`>>> 0` gives the unsigned draw) so that V8 keeps them as small
 * integers. The hot loops spell out 624 and powers of two as literals:
 * bundlers turn module `const`s into `var`s, which V8 then reloads on every iteration.
 */
export class Generator {
  /** raw mt19937 state, as PyTorch stores it */
  private readonly words = new Int32Array(STATE_SIZE);
  /** index of the word the next draw tempers; STATE_SIZE means a twist comes first */
  private next = STATE_SIZE;
  /** `words` is the seeded state, not yet twisted (only `getState` tells this apart) */
  private freshlySeeded = true;
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
    const words = this.words;
    words[0] = Number(BigInt.asIntN(32, BigInt(seed)));
    for (let i = 1; i < STATE_SIZE; i++) {
      const prev = words[i - 1] ^ (words[i - 1] >>> 30);
      words[i] = Math.imul(1812433253, prev) + i;
    }
    this.next = STATE_SIZE;
    this.freshlySeeded = true;
  }

  /** The seed last given to `manualSeed` (`torch.initial_seed()`). */
  seed(): number {
    return this.seedValue;
  }

  /**
   * A snapshot of the whole random state (engine position and cached normal value) as the 5056 bytes
   * `torch.get_rng_state()` returns; `setState` with it replays the same draws from here on.
   */
  getState(): Uint8Array {
    return encodeRngState({
      seed: this.seedValue,
      words: this.words,
      position: this.next,
      freshlySeeded: this.freshlySeeded,
      cachedNormal: this.cachedNormal,
    });
  }

  /** Restores a snapshot from `getState()` (of any generator) or from `torch.get_rng_state()`. */
  setState(state: Uint8Array): void {
    const engine = decodeRngState(state, 'setState');
    this.words.set(engine.words);
    this.next = engine.position;
    this.freshlySeeded = engine.freshlySeeded;
    this.seedValue = engine.seed;
    this.cachedNormal = engine.cachedNormal;
  }

  /** The next raw 32-bit output of MT19937, as an unsigned integer. */
  nextUint32(): number {
    if (this.next >= STATE_SIZE) this.refill();
    return temper(this.words[this.next++]) >>> 0;
  }

  /** One float64 in [0, 1) from two draws: the low 21 bits of the first and all of the second. */
  random(): number {
    const high = this.nextUint32() & 0x1fffff;
    const low = this.nextUint32();
    return (high * TWO_POW_32 + low) / TWO_POW_53;
  }

  /** n float32 values uniform in [low, high). */
  uniform(n: number, low = 0, high = 1): Float32Array {
    checkCount('uniform', n);
    const from = Math.fround(low);
    const to = Math.fround(high);
    if (!(from <= to)) throw new Error(`uniform: expected low <= high, got low=${low}, high=${high}`);
    const range = Math.fround(to - from);
    const out = new Float32Array(n);
    this.fillUnitFloat32(out, 0, n);
    // u * 1 + 0 is u itself, so `rand` skips the transform.
    if (range !== 1 || from !== 0) {
      for (let i = 0; i < n; i++) out[i] = fmaFloat32(out[i], range, from);
    }
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
    const words = this.words;
    let next = this.next;
    for (let i = 0; i < n; i++) {
      if (next === 624) next = this.refill();
      out[i] = remainder(temper(words[next++]) >>> 0, range) + low;
    }
    this.next = next;
    return out;
  }

  /**
   * n values, each `value` with probability p and 0 otherwise (`value` 1: a bernoulli sample; dropout
   * passes its 1 / (1 - p) scale to get the scaled mask in one pass).
   */
  bernoulli(n: number, p: number, value = 1): Float32Array {
    checkCount('bernoulli', n);
    if (!(p >= 0 && p <= 1)) throw new Error(`bernoulli: expected 0 <= p <= 1, got ${p}`);
    if (!Number.isFinite(value)) throw new Error(`bernoulli: expected a finite value for kept entries, got ${value}`);
    const out = new Float32Array(n);
    // The 53-bit uniform (high * 2^32 + low) / 2^53 is below p exactly when the integer high * 2^32 + low
    // is below p * 2^53 (both scalings exact); split that threshold at 2^32 to compare int32 parts.
    const threshold = p * TWO_POW_53;
    const thresholdHigh = Math.floor(threshold / TWO_POW_32) | 0; // at most 2^21
    const thresholdLow = threshold - thresholdHigh * TWO_POW_32;
    const kept = Math.fround(value);
    const outBits = new Int32Array(out.buffer);
    const keptBits = new Int32Array(Float32Array.of(kept).buffer)[0];
    const words = this.words;
    let next = this.next;
    let i = 0;
    while (i < n) {
      if (next === 624) next = this.refill();
      if (next === 623) {
        // This value's two draws straddle a twist.
        const high = temper(words[623]) & 0x1fffff;
        next = this.refill();
        const low = temper(words[next++]) >>> 0;
        if (high < thresholdHigh || (high === thresholdHigh && low < thresholdLow)) out[i] = kept;
        i++;
        continue;
      }
      const stop = Math.min(n, i + ((624 - next) >> 1));
      for (; i < stop; i++, next += 2) {
        const high = temper(words[next]) & 0x1fffff;
        if (high === thresholdHigh) {
          if ((temper(words[next + 1]) >>> 0) < thresholdLow) out[i] = kept;
        } else {
          outBits[i] = keptBits & ((high - thresholdHigh) >> 31); // kept where high < thresholdHigh, branch-free
        }
      }
    }
    this.next = next;
    return out;
  }

  /** A random permutation of 0 .. n-1. */
  randperm(n: number): Int32Array {
    checkCount('randperm', n);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    const words = this.words;
    let next = this.next;
    for (let i = 0; i < n - 1; i++) {
      if (next === 624) next = this.refill();
      const j = i + remainder(temper(words[next++]) >>> 0, n - i);
      const swapped = out[i];
      out[i] = out[j];
      out[j] = swapped;
    }
    this.next = next;
    return out;
  }

  /** Writes float32 values in [0, 1), 24 random bits from one draw each, to out[start..end). */
  private fillUnitFloat32(out: Float32Array, start: number, end: number): void {
    const words = this.words;
    let next = this.next;
    let i = start;
    while (i < end) {
      if (next === 624) next = this.refill();
      const stop = Math.min(end, i + 624 - next);
      for (; i < stop; i++) out[i] = (temper(words[next++]) & 0xffffff) / 16777216;
    }
    this.next = next;
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
    this.fillUnitFloat32(out, 0, n);
    for (let start = 0; start + 16 <= n; start += 16) boxMuller16(out, start, mean, std);
    if (n % 16 !== 0) {
      this.fillUnitFloat32(out, n - 16, n);
      boxMuller16(out, n - 16, mean, std);
    }
    return out;
  }

  /** Twists the state into the next 624 words to temper; returns the new draw index, 0. */
  private refill(): number {
    const s = this.words;
    // Word i mixes with word i + 397 (mod 624): still an old word below 227, an already twisted one after.
    let i = 0;
    for (; i < 227; i++) {
      const y = (s[i] & 0x80000000) | (s[i + 1] & 0x7fffffff);
      s[i] = s[i + 397] ^ (y >>> 1) ^ (-(y & 1) & 0x9908b0df);
    }
    for (; i < 623; i++) {
      const y = (s[i] & 0x80000000) | (s[i + 1] & 0x7fffffff);
      s[i] = s[i - 227] ^ (y >>> 1) ^ (-(y & 1) & 0x9908b0df);
    }
    const y = (s[623] & 0x80000000) | (s[0] & 0x7fffffff);
    s[623] = s[396] ^ (y >>> 1) ^ (-(y & 1) & 0x9908b0df);
    this.freshlySeeded = false;
    this.next = 0;
    return 0;
  }
}

/** MT19937's output tempering of one state word (int32 in, int32 out). */
function temper(word: number): number {
  let y = word;
  y ^= y >>> 11;
  y ^= (y << 7) & 0x9d2c5680;
  y ^= (y << 15) & 0xefc60000;
  return y ^ (y >>> 18);
}

/**
 * x % d for integers 0 <= x, d < 2^32, without `%` on values above int32 (V8 calls fmod for those).
 * The float64 quotient may round up to the next integer, which leaves a negative remainder to fix.
 */
function remainder(x: number, d: number): number {
  const r = x - Math.floor(x / d) * d;
  return r < 0 ? r + d : r;
}

/** The generator that `torch.manualSeed` seeds and every random initialisation draws from. */
export const defaultGenerator = new Generator();

/** `torch.get_rng_state()`: a snapshot of the default generator (5056 bytes, PyTorch's layout). */
export function getRngState(): Uint8Array {
  return defaultGenerator.getState();
}

/** `torch.set_rng_state(state)`: restores the default generator from `getRngState()` or PyTorch. */
export function setRngState(state: Uint8Array): void {
  defaultGenerator.setState(state);
}

function checkCount(op: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${op}: expected a non-negative integer count, got ${n}`);
}
