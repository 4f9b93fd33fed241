// Fused optimizer steps: one call updates many parameters, each in one pass over its elements (param,
// gradient and state read once, written once). The per-element maths and its float32 rounding order are
// PyTorch 1.13's, written out at adamStep / sgdStep / rmspropStep in src/backend/types.ts.
//
// Rounding: every f32x4 mul / div / sqrt / add rounds as PyTorch's separate ops do. Where PyTorch fuses a
// multiply-add (`add(x, alpha=)`, `addcmul`) `fmaRound` rounds once, emulated in float64 in both builds
// (relaxed SIMD's madd may or may not fuse, so it is not used): the float64 product of two float32 is exact
// and the float64 sum is rounded to float32; this differs from a true fused multiply-add only when rounding
// that sum to float64 lands it exactly on a float32 rounding boundary. The js backend computes the same way,
// so the backends agree bit for bit. The float64 conversions dominate the cost of these kernels (they take
// 1.5-3x the time of the same maths with unfused float32 multiply-adds), so bodies convert as little as they can.
//
// Target table (byte address `table`, `count` entries of TARGET_BYTES, 4-byte aligned; the host writes it
// into the meta area):
//   +0  n            i32   elements of this parameter
//   +4  param        addr  float32[n], updated
//   +8  grad         addr  float32[n], read
//   +12 state0       addr  float32[n], updated (Adam exp_avg, SGD momentum_buffer, RMSprop square_avg)
//   +16 state1       addr  float32[n], updated (Adam exp_avg_sq, RMSprop momentum_buffer), or unused
//   +20 state2       addr  float32[n], updated (Adam max_exp_avg_sq, RMSprop grad_avg), or unused
//   +24 scalar0      f32   Adam: −lr / (1 − β₁ᵗ);  SGD: 1 at the buffer's first step, else 0 (as i32)
//   +28 scalar1      f32   Adam: √(1 − β₂ᵗ)
// Buffers of one target do not overlap; pointers are 4-byte aligned (v128 loads need no more).

export const TARGET_BYTES: i32 = 32;

// Flag bits of the `flags` arguments.
const MAXIMIZE: i32 = 1;
const ADAM_AMSGRAD: i32 = 2;
const ADAM_WEIGHT_DECAY: i32 = 4;
const SGD_MOMENTUM: i32 = 2;
const SGD_NESTEROV: i32 = 4;
const SGD_WEIGHT_DECAY: i32 = 8;
const RMSPROP_MOMENTUM: i32 = 2;
const RMSPROP_CENTERED: i32 = 4;
const RMSPROP_WEIGHT_DECAY: i32 = 8;

// Fused multiply-adds run on float64 halves: a float32 quadruple (four elements) is split into two halves of
// two elements each, held in the low lanes of a v128 (loaded with load64_zero, stored with store64_lane), and
// promoted to f64x2. A result is demoted to float32 once (its rounding) and promoted again where it feeds the
// next fused multiply-add, so no value is shuffled between halves unless float32 maths needs it whole
// (measured 10-20% faster on the SGD-momentum and centered-RMSprop bodies than splitting and joining the
// quadruple around every multiply-add; the same on Adam's).

/** float32 lanes 0-1 as f64x2 */
// @ts-ignore: decorator
@inline function wide(half: v128): v128 {
  return f64x2.promote_low_f32x4(half);
}

/** a·b + c on f64x2 lanes, rounded to float32 (lanes 0-1 of the result) */
// @ts-ignore: decorator
@inline function fmaRound(a: v128, b: v128, c: v128): v128 {
  return f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(a, b), c));
}

// @ts-ignore: decorator
@inline function field(table: usize, k: i32, byte: i32): usize {
  return table + <usize>(k * TARGET_BYTES + byte);
}

/**
 * Element access for the step bodies: Quad covers four elements per step (the bulk), Single one element per
 * step (the tail) through the same body, so tails and bulk round identically. Halves: `lo` holds elements
 * 0-1 and `hi` elements 2-3 in lanes 0-1; for Single both halves hold the one element, which storeLo writes
 * (storeHi does nothing). Bodies load everything they read before they store.
 */
@final @unmanaged class Quad {
  @inline get bytes(): usize { return 16; }
  @inline load(a: usize): v128 { return v128.load(a); }
  @inline store(a: usize, v: v128): void { v128.store(a, v); }
  @inline loadLo(a: usize): v128 { return v128.load64_zero(a); }
  @inline loadHi(a: usize): v128 { return v128.load64_zero(a + 8); }
  @inline storeLo(a: usize, v: v128): void { v128.store64_lane(a, v, 0); }
  @inline storeHi(a: usize, v: v128): void { v128.store64_lane(a + 8, v, 0); }
  /** the whole quadruple from its halves */
  @inline join(lo: v128, hi: v128): v128 { return f32x4.shuffle(lo, hi, 0, 1, 4, 5); }
  /** the hi half of a whole quadruple (its lo half is the quadruple itself) */
  @inline high(v: v128): v128 { return f32x4.shuffle(v, v, 2, 3, 2, 3); }
}
@final @unmanaged class Single {
  @inline get bytes(): usize { return 4; }
  @inline load(a: usize): v128 { return v128.load32_splat(a); }
  @inline store(a: usize, v: v128): void { store<f32>(a, f32x4.extract_lane(v, 0)); }
  @inline loadLo(a: usize): v128 { return v128.load32_splat(a); }
  @inline loadHi(a: usize): v128 { return v128.load32_splat(a); }
  @inline storeLo(a: usize, v: v128): void { store<f32>(a, f32x4.extract_lane(v, 0)); }
  @inline storeHi(a: usize, v: v128): void {}
  @inline join(lo: v128, hi: v128): v128 { return lo; }
  @inline high(v: v128): v128 { return v; }
}

/** Byte count of the part of n elements the Quad pass covers. */
// @ts-ignore: decorator
@inline function bulkBytes(n: i32): usize {
  return (<usize>n << 2) & ~(<usize>15);
}

/**
 * Adam / AdamW over the targets. `weightDecay` is Adam's L2 term (used when flags has ADAM_WEIGHT_DECAY);
 * `paramScale` is AdamW's 1 − lr·λ (1 for Adam: an exact no-op).
 */
export function adamStep(
  table: usize, count: i32,
  beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, eps: f32,
  weightDecay: f32, paramScale: f32, flags: i32,
): void {
  for (let k = 0; k < count; k++) {
    const n = load<i32>(field(table, k, 0));
    const p = load<usize>(field(table, k, 4));
    const g = load<usize>(field(table, k, 8));
    const m = load<usize>(field(table, k, 12));
    const v = load<usize>(field(table, k, 16));
    const vmax = load<usize>(field(table, k, 20));
    const negStepSize = load<f32>(field(table, k, 24));
    const bc2Sqrt = load<f32>(field(table, k, 28));
    const bulk = bulkBytes(n);
    adamRun<Quad>(0, bulk, p, g, m, v, vmax, negStepSize, bc2Sqrt,
      beta1, oneMinusBeta1, beta2, oneMinusBeta2, eps, weightDecay, paramScale, flags);
    adamRun<Single>(bulk, <usize>n << 2, p, g, m, v, vmax, negStepSize, bc2Sqrt,
      beta1, oneMinusBeta1, beta2, oneMinusBeta2, eps, weightDecay, paramScale, flags);
  }
}

function adamRun<L>(
  from: usize, to: usize, p: usize, g: usize, m: usize, v: usize, vmax: usize, negStepSize: f32, bc2Sqrt: f32,
  beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, eps: f32,
  weightDecay: f32, paramScale: f32, flags: i32,
): void {
  const l = changetype<L>(0);
  const maximize = (flags & MAXIMIZE) != 0;
  const amsgrad = (flags & ADAM_AMSGRAD) != 0;
  const decay = (flags & ADAM_WEIGHT_DECAY) != 0;
  const b1 = f32x4.splat(beta1);
  const c1 = f64x2.splat(<f64>oneMinusBeta1);
  const b2 = f32x4.splat(beta2);
  const c2 = f32x4.splat(oneMinusBeta2);
  const ep = f32x4.splat(eps);
  const wd = f64x2.splat(<f64>weightDecay);
  const scale = f32x4.splat(paramScale);
  const step = f32x4.splat(negStepSize);
  const bc2 = f32x4.splat(bc2Sqrt);
  for (let i = from; i < to; i += l.bytes) {
    let gl = l.loadLo(g + i);
    let gh = l.loadHi(g + i);
    if (maximize) {
      gl = f32x4.neg(gl);
      gh = f32x4.neg(gh);
    }
    const pv = f32x4.mul(l.load(p + i), scale);
    let gL = wide(gl);
    let gH = wide(gh);
    if (decay) {
      gl = fmaRound(wide(pv), wd, gL);
      gh = fmaRound(wide(l.high(pv)), wd, gH);
      gL = wide(gl);
      gH = wide(gh);
    }
    // m ← fma(g, 1 − β₁, m·β₁)
    const ml = fmaRound(gL, c1, wide(f32x4.mul(l.loadLo(m + i), b1)));
    const mh = fmaRound(gH, c1, wide(f32x4.mul(l.loadHi(m + i), b1)));
    l.storeLo(m + i, ml);
    l.storeHi(m + i, mh);
    // v ← fma((1 − β₂)·g, g, v·β₂)
    const vl = fmaRound(wide(f32x4.mul(c2, gl)), gL, wide(f32x4.mul(l.loadLo(v + i), b2)));
    const vh = fmaRound(wide(f32x4.mul(c2, gh)), gH, wide(f32x4.mul(l.loadHi(v + i), b2)));
    l.storeLo(v + i, vl);
    l.storeHi(v + i, vh);
    let vv = l.join(vl, vh);
    if (amsgrad) {
      vv = f32x4.max(l.load(vmax + i), vv);
      l.store(vmax + i, vv);
    }
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(vv), bc2), ep);
    l.store(p + i, f32x4.add(pv, f32x4.div(f32x4.mul(step, l.join(ml, mh)), denom)));
  }
}

/**
 * SGD over the targets. With SGD_MOMENTUM, state0 is the momentum buffer and scalar0 (as i32) says whether
 * this is its first step (b ← d instead of b ← μ·b + (1 − τ)·d).
 */
export function sgdStep(
  table: usize, count: i32,
  momentum: f32, oneMinusDampening: f32, weightDecay: f32, negLr: f32, flags: i32,
): void {
  for (let k = 0; k < count; k++) {
    const n = load<i32>(field(table, k, 0));
    const p = load<usize>(field(table, k, 4));
    const g = load<usize>(field(table, k, 8));
    const buf = load<usize>(field(table, k, 12));
    const first = load<i32>(field(table, k, 24)) != 0;
    const bulk = bulkBytes(n);
    sgdRun<Quad>(0, bulk, p, g, buf, first, momentum, oneMinusDampening, weightDecay, negLr, flags);
    sgdRun<Single>(bulk, <usize>n << 2, p, g, buf, first, momentum, oneMinusDampening, weightDecay, negLr, flags);
  }
}

function sgdRun<L>(
  from: usize, to: usize, p: usize, g: usize, buf: usize, first: bool,
  momentum: f32, oneMinusDampening: f32, weightDecay: f32, negLr: f32, flags: i32,
): void {
  const l = changetype<L>(0);
  const maximize = (flags & MAXIMIZE) != 0;
  const useMomentum = (flags & SGD_MOMENTUM) != 0;
  const nesterov = (flags & SGD_NESTEROV) != 0;
  const decay = (flags & SGD_WEIGHT_DECAY) != 0;
  const mom = f32x4.splat(momentum);
  const momD = f64x2.splat(<f64>momentum);
  const damp = f64x2.splat(<f64>oneMinusDampening);
  const undamped = oneMinusDampening == 1;
  const wd = f64x2.splat(<f64>weightDecay);
  const lr = f64x2.splat(<f64>negLr);
  for (let i = from; i < to; i += l.bytes) {
    // d as float32 halves (dl, dh) and as f64x2 (dL, dH)
    let dl = l.loadLo(g + i);
    let dh = l.loadHi(g + i);
    if (maximize) {
      dl = f32x4.neg(dl);
      dh = f32x4.neg(dh);
    }
    const pL = wide(l.loadLo(p + i));
    const pH = wide(l.loadHi(p + i));
    let dL = wide(dl);
    let dH = wide(dh);
    if (decay) {
      dl = fmaRound(pL, wd, dL);
      dh = fmaRound(pH, wd, dH);
      dL = wide(dl);
      dH = wide(dh);
    }
    if (useMomentum) {
      let bl = dl;
      let bh = dh;
      if (!first) {
        const rl = f32x4.mul(l.loadLo(buf + i), mom);
        const rh = f32x4.mul(l.loadHi(buf + i), mom);
        if (undamped) {
          // fma(d, 1, r) is the float32 sum
          bl = f32x4.add(dl, rl);
          bh = f32x4.add(dh, rh);
        } else {
          bl = fmaRound(dL, damp, wide(rl));
          bh = fmaRound(dH, damp, wide(rh));
        }
      }
      l.storeLo(buf + i, bl);
      l.storeHi(buf + i, bh);
      const bL = wide(bl);
      const bH = wide(bh);
      if (nesterov) {
        dL = wide(fmaRound(bL, momD, dL));
        dH = wide(fmaRound(bH, momD, dH));
      } else {
        dL = bL;
        dH = bH;
      }
    }
    l.storeLo(p + i, fmaRound(dL, lr, pL));
    l.storeHi(p + i, fmaRound(dH, lr, pH));
  }
}

/** RMSprop over the targets: state0 square_avg, state1 momentum_buffer (RMSPROP_MOMENTUM), state2 grad_avg (RMSPROP_CENTERED). */
export function rmspropStep(
  table: usize, count: i32,
  alpha: f32, oneMinusAlpha: f32, eps: f32, weightDecay: f32, momentum: f32, negLr: f32, flags: i32,
): void {
  for (let k = 0; k < count; k++) {
    const n = load<i32>(field(table, k, 0));
    const p = load<usize>(field(table, k, 4));
    const g = load<usize>(field(table, k, 8));
    const sq = load<usize>(field(table, k, 12));
    const buf = load<usize>(field(table, k, 16));
    const ga = load<usize>(field(table, k, 20));
    const bulk = bulkBytes(n);
    rmspropRun<Quad>(0, bulk, p, g, sq, buf, ga, alpha, oneMinusAlpha, eps, weightDecay, momentum, negLr, flags);
    rmspropRun<Single>(bulk, <usize>n << 2, p, g, sq, buf, ga,
      alpha, oneMinusAlpha, eps, weightDecay, momentum, negLr, flags);
  }
}

function rmspropRun<L>(
  from: usize, to: usize, p: usize, g: usize, sq: usize, buf: usize, ga: usize,
  alpha: f32, oneMinusAlpha: f32, eps: f32, weightDecay: f32, momentum: f32, negLr: f32, flags: i32,
): void {
  const l = changetype<L>(0);
  const maximize = (flags & MAXIMIZE) != 0;
  const useMomentum = (flags & RMSPROP_MOMENTUM) != 0;
  const centered = (flags & RMSPROP_CENTERED) != 0;
  const decay = (flags & RMSPROP_WEIGHT_DECAY) != 0;
  const a = f32x4.splat(alpha);
  const ca = f32x4.splat(oneMinusAlpha);
  const caD = f64x2.splat(<f64>oneMinusAlpha);
  const ep = f32x4.splat(eps);
  const wd = f64x2.splat(<f64>weightDecay);
  const mom = f32x4.splat(momentum);
  const lr = f32x4.splat(negLr);
  const lrD = f64x2.splat(<f64>negLr);
  for (let i = from; i < to; i += l.bytes) {
    let gl = l.loadLo(g + i);
    let gh = l.loadHi(g + i);
    if (maximize) {
      gl = f32x4.neg(gl);
      gh = f32x4.neg(gh);
    }
    let gL = wide(gl);
    let gH = wide(gh);
    if (decay) {
      gl = fmaRound(wide(l.loadLo(p + i)), wd, gL);
      gh = fmaRound(wide(l.loadHi(p + i)), wd, gH);
      gL = wide(gl);
      gH = wide(gh);
    }
    // s ← fma((1 − α)·g, g, s·α)
    const sl = fmaRound(wide(f32x4.mul(ca, gl)), gL, wide(f32x4.mul(l.loadLo(sq + i), a)));
    const sh = fmaRound(wide(f32x4.mul(ca, gh)), gH, wide(f32x4.mul(l.loadHi(sq + i), a)));
    l.storeLo(sq + i, sl);
    l.storeHi(sq + i, sh);
    let avg: v128;
    if (centered) {
      // ḡ ← fma(g, 1 − α, ḡ·α);  avg ← √fma(−ḡ, ḡ, s)
      const al = fmaRound(gL, caD, wide(f32x4.mul(l.loadLo(ga + i), a)));
      const ah = fmaRound(gH, caD, wide(f32x4.mul(l.loadHi(ga + i), a)));
      l.storeLo(ga + i, al);
      l.storeHi(ga + i, ah);
      const aL = wide(al);
      const aH = wide(ah);
      avg = f32x4.sqrt(l.join(fmaRound(f64x2.neg(aL), aL, wide(sl)), fmaRound(f64x2.neg(aH), aH, wide(sh))));
    } else {
      avg = f32x4.sqrt(l.join(sl, sh));
    }
    avg = f32x4.add(avg, ep);
    const gv = l.join(gl, gh);
    if (useMomentum) {
      // b ← b·μ + g / avg;  θ ← fma(b, −γ, θ)
      const bv = f32x4.add(f32x4.mul(l.load(buf + i), mom), f32x4.div(gv, avg));
      l.store(buf + i, bv);
      const pl = fmaRound(wide(bv), lrD, wide(l.loadLo(p + i)));
      const ph = fmaRound(wide(l.high(bv)), lrD, wide(l.loadHi(p + i)));
      l.storeLo(p + i, pl);
      l.storeHi(p + i, ph);
    } else {
      l.store(p + i, f32x4.add(l.load(p + i), f32x4.div(f32x4.mul(lr, gv), avg)));
    }
  }
}
