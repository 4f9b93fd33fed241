// Fused recurrent kernels: one layer-direction of an Elman RNN (tanh or ReLU), an LSTM or a GRU over a whole
// sequence, forward and backward. Mode codes are `Recurrent` in src/backend/types.ts; the contracts (layouts
// of xProj, saved, dXProj, dHProj) are written there, next to Backend.rnnForward / rnnBackward.
//
// Per time step: one GEMM (h_{t-1}·W_hhᵀ forward, dGates_t·W_hh backward) through gemm(), then one pass over
// the [B, H] rows doing every gate's elementwise maths in f32x4 lanes (the same vsigmoid / vtanh as the
// unary kernels, so the fused and the composed layers agree closely). Row tails (H not a multiple of 4) go
// through the same code one lane at a time. No allocation: all temporaries live in `scratch`
// (rnnScratchBytes()).
//
// Threads (the '-threads' builds): several threads may run one call together, each with its own range of
// hidden units [unitStart, unitEnd) — every gate column of those units, their GEMM columns and their
// elementwise maths — meeting at a barrier once per step (`sync`: the words of sync.ts).
// Each thread's GEMMs then cover only its columns, with its own `ownScratch`; as long as every part stays
// on the blocked GEMM path (gemmIsBlocked) each entry is computed exactly as by one thread. One thread passes
// thread 0, threads 1, unitStart 0, unitEnd H and runs the original single-GEMM steps.
//
// W_hh is the same right operand at every step: each thread packs its part of it (gemm.ts's packWholeB) once per
// call, and the steps' products skip packing — gemmPackedB gives the very bits gemm() would.
import { gemm, gemmPackedB, gemmScratchBytes, packedWholeBBytes, packWholeB } from './gemm';
import { barrier } from './sync';
import { vsigmoid, vtanh } from './vec';

const RNN_TANH: i32 = 0;
const RNN_RELU: i32 = 1;
const LSTM: i32 = 2;
const GRU: i32 = 3;

// @ts-ignore: decorator
@inline function gatesOf(mode: i32): i32 {
  return mode == LSTM ? 4 : mode == GRU ? 3 : 1;
}

/** Bytes rounded up to a multiple of 16 (every scratch area starts 16-byte aligned). */
// @ts-ignore: decorator
@inline function align16(bytes: usize): usize {
  return (bytes + 15) & ~(<usize>15);
}

// @ts-ignore: decorator
@inline function ONE(): v128 { return f32x4.splat(1.0); }

/** Four lanes per access: the body of a row. */
@final @unmanaged class Wide {
  @inline load(p: usize): v128 { return v128.load(p); }
  @inline store(p: usize, v: v128): void { v128.store(p, v); }
}

/** One lane per access (loads splat it, stores write lane 0): a row's last H mod 4 columns. */
@final @unmanaged class Narrow {
  @inline load(p: usize): v128 { return v128.load32_splat(p); }
  @inline store(p: usize, v: v128): void { v128.store32_lane(p, v, 0); }
}

/** dy·(1 − y)·y, the sigmoid gradient in PyTorch's evaluation order (as the SigmoidBackward kernel). */
// @ts-ignore: decorator
@inline function sigmoidGrad(dy: v128, y: v128): v128 {
  return f32x4.mul(f32x4.mul(dy, f32x4.sub(ONE(), y)), y);
}

/** dy·(1 − y²), the tanh gradient (as the TanhBackward kernel). */
// @ts-ignore: decorator
@inline function tanhGrad(dy: v128, y: v128): v128 {
  return f32x4.mul(dy, f32x4.sub(ONE(), f32x4.mul(y, y)));
}

/**
 * Scratch bytes rnnForward and rnnBackward need for batch B and hidden size H (16-byte aligned, as the
 * host's allocator hands out): a zero row, the per-step gate products, gemm()'s own scratch and, on one thread,
 * the packed W_hh.
 */
export function rnnScratchBytes(mode: i32, B: i32, H: i32): i32 {
  const G = gatesOf(mode) * H;
  const rowG = <usize>G << 2;
  const stepH = (<usize>B * <usize>H) << 2;
  const forward = align16(rowG) + align16(<usize>B * rowG) + align16(stepH) + align16(gemmScratchBytes(B, G, H)) +
    <usize>packedWholeBBytes(B, G, H);
  const backward = align16(rowG) + 3 * align16(stepH) + align16(gemmScratchBytes(B, H, G)) +
    <usize>packedWholeBBytes(B, H, G);
  return <i32>(forward > backward ? forward : backward);
}

/**
 * Bytes of `ownScratch` a thread running `units` hidden units of a multi-threaded call needs (16-byte
 * aligned): gemm()'s scratch for its products, then its part of W_hh packed (one block per gate forward).
 */
export function rnnThreadScratchBytes(mode: i32, B: i32, H: i32, units: i32, backward: i32): i32 {
  const gates = gatesOf(mode);
  if (backward) return <i32>(align16(gemmScratchBytes(B, units, gates * H)) + align16(packedWholeBBytes(B, units, gates * H)));
  return <i32>(align16(gemmScratchBytes(B, units, H)) + <usize>gates * align16(packedWholeBBytes(B, units, H)));
}

/**
 * One step's product C (+)= A·op(W) (A m×k, row stride lda): against `whole`, W packed once per call, or
 * through gemm() where W could not be packed whole (whole = 0).
 */
// @ts-ignore: decorator
@inline function stepProduct(
  m: i32, n: i32, k: i32, a: usize, lda: i32, w: usize, ldw: i32, transW: i32, whole: usize,
  c: usize, ldc: i32, accumulate: i32, scratch: usize,
): void {
  if (whole != 0) gemmPackedB(m, n, k, a, lda, 0, whole, c, ldc, accumulate, scratch);
  else gemm(1, m, n, k, a, 0, lda, 0, w, 0, ldw, transW, c, 0, ldc, accumulate, scratch);
}

/** Packs op(W) (k×n) whole at `at` and returns `at`, or returns 0 where products against it cannot use that. */
function packedW(at: usize, m: i32, n: i32, k: i32, w: usize, ldw: i32, transW: i32): usize {
  if (packedWholeBBytes(m, n, k) == 0) return 0;
  packWholeB(at, w, ldw, transW, k, n);
  return at;
}

// ---------------------------------------------------------------- forward, one column block of one row

/** h = act((xp + (b_ih + b_hh)) + hp), act = tanh or ReLU (NaN stays NaN, as torch.relu). */
// @ts-ignore: decorator
@inline function rnnForwardAt<A>(relu: bool, xp: usize, hp: usize, bi: usize, bh: usize, h: usize, o: usize): void {
  const a = changetype<A>(0);
  const pre = f32x4.add(f32x4.add(a.load(xp + o), f32x4.add(a.load(bi + o), a.load(bh + o))), a.load(hp + o));
  a.store(h + o, relu ? v128.andnot(pre, f32x4.lt(pre, f32x4.splat(0))) : vtanh(pre));
}

/**
 * Gates i, f, g, o = (xp + (b_ih + b_hh)) + hp; c' = σ(f)·c + σ(i)·tanh(g); h' = σ(o)·tanh(c').
 * Writes the activated gates (gates may equal hp: each column is read before it is written), c' and h'.
 */
// @ts-ignore: decorator
@inline function lstmForwardAt<A>(
  xp: usize, hp: usize, bi: usize, bh: usize, cPrev: usize,
  gates: usize, c: usize, h: usize, Hb: usize, o: usize,
): void {
  const a = changetype<A>(0);
  const o1 = o + Hb;
  const o2 = o1 + Hb;
  const o3 = o2 + Hb;
  const i = vsigmoid(f32x4.add(f32x4.add(a.load(xp + o), f32x4.add(a.load(bi + o), a.load(bh + o))), a.load(hp + o)));
  const f = vsigmoid(f32x4.add(f32x4.add(a.load(xp + o1), f32x4.add(a.load(bi + o1), a.load(bh + o1))), a.load(hp + o1)));
  const g = vtanh(f32x4.add(f32x4.add(a.load(xp + o2), f32x4.add(a.load(bi + o2), a.load(bh + o2))), a.load(hp + o2)));
  const og = vsigmoid(f32x4.add(f32x4.add(a.load(xp + o3), f32x4.add(a.load(bi + o3), a.load(bh + o3))), a.load(hp + o3)));
  const cNext = f32x4.add(f32x4.mul(f, a.load(cPrev + o)), f32x4.mul(i, g));
  a.store(gates + o, i);
  a.store(gates + o1, f);
  a.store(gates + o2, g);
  a.store(gates + o3, og);
  a.store(c + o, cNext);
  a.store(h + o, f32x4.mul(og, vtanh(cNext)));
}

/**
 * r, z = σ((xp + b_i) + (hp + b_h)); hn = hp_n + b_hn; n = tanh((xp_n + b_in) + r·hn); h' = n + z·(h − n).
 * Writes r, z, n (gates may equal hp), hn and h'.
 */
// @ts-ignore: decorator
@inline function gruForwardAt<A>(
  xp: usize, hp: usize, bi: usize, bh: usize, hPrev: usize,
  gates: usize, hn: usize, h: usize, Hb: usize, o: usize,
): void {
  const a = changetype<A>(0);
  const o1 = o + Hb;
  const o2 = o1 + Hb;
  const r = vsigmoid(f32x4.add(f32x4.add(a.load(xp + o), a.load(bi + o)), f32x4.add(a.load(hp + o), a.load(bh + o))));
  const z = vsigmoid(f32x4.add(f32x4.add(a.load(xp + o1), a.load(bi + o1)), f32x4.add(a.load(hp + o1), a.load(bh + o1))));
  const hnv = f32x4.add(a.load(hp + o2), a.load(bh + o2));
  const n = vtanh(f32x4.add(f32x4.add(a.load(xp + o2), a.load(bi + o2)), f32x4.mul(r, hnv)));
  const hp0 = a.load(hPrev + o);
  a.store(gates + o, r);
  a.store(gates + o1, z);
  a.store(gates + o2, n);
  a.store(hn + o, hnv);
  a.store(h + o, f32x4.add(n, f32x4.mul(z, f32x4.sub(hp0, n))));
}

/**
 * Forward of one layer-direction over T steps (see Backend.rnnForward): byte addresses; bIh, bHh, hN and
 * saved may be 0 (absent); c0 and cN are used (and required) by LSTM only. Steps run t = 0 … T−1, or
 * T−1 … 0 when reverse != 0; out[t] is h_t.
 */
export function rnnForward(
  mode: i32, T: i32, B: i32, H: i32, reverse: i32,
  xProj: usize, wHh: usize, bIh: usize, bHh: usize, h0: usize, c0: usize,
  out: usize, hN: usize, cN: usize, saved: usize, scratch: usize,
  thread: i32, threads: i32, sync: usize, unitStart: i32, unitEnd: i32, ownScratch: usize,
): void {
  if (B <= 0 || H <= 0) return;
  const gates = gatesOf(mode);
  const G = gates * H;
  const Hb = <usize>H << 2;
  const rowG = <usize>G << 2;
  const stepH = <usize>B * Hb;
  const stepG = <usize>B * rowG;
  const zeros = scratch;
  const hp = zeros + align16(rowG);
  const discard = hp + align16(stepG);
  const gemmScratch = discard + align16(stepH);
  const units = unitEnd - unitStart;
  const oStart = <usize>unitStart << 2;
  const oEnd = <usize>unitEnd << 2;
  if (thread == 0) memory.fill(zeros, 0, rowG);
  // W_hhᵀ packed once: whole on one thread; this thread's columns of every gate otherwise
  let whole: usize = 0;
  const ownWhole = ownScratch + align16(gemmScratchBytes(B, units, H));
  const gateWholeBytes = align16(packedWholeBBytes(B, units, H));
  if (T > 0) {
    if (threads == 1) whole = packedW(gemmScratch + align16(gemmScratchBytes(B, G, H)), B, G, H, wHh, H, 1);
    else {
      for (let g = 0; g < gates; g++) {
        const column = <usize>(g * H + unitStart);
        whole = packedW(ownWhole + <usize>g * gateWholeBytes, B, units, H, wHh + ((column * <usize>H) << 2), H, 1);
      }
    }
  }
  barrier(sync, threads, thread);
  const bi = bIh != 0 ? bIh : zeros;
  const bh = bHh != 0 ? bHh : zeros;
  // saved: LSTM gates [T, B, 4H] then c [T, B, H]; GRU gates [T, B, 3H] then hn [T, B, H]
  const savedExtra = saved + <usize>T * stepG;
  let hPrev = h0;
  let cPrev = c0;
  for (let k = 0; k < T; k++) {
    const t = reverse ? T - 1 - k : k;
    if (threads == 1) stepProduct(B, G, H, hPrev, H, wHh, H, 1, whole, hp, G, 0, gemmScratch);
    else {
      for (let g = 0; g < gates; g++) {
        const column = <usize>(g * H + unitStart);
        stepProduct(B, units, H, hPrev, H, wHh + ((column * <usize>H) << 2), H, 1,
          whole != 0 ? ownWhole + <usize>g * gateWholeBytes : 0, hp + (column << 2), G, 0, ownScratch);
      }
    }
    const hOut = out + <usize>t * stepH;
    const xpStep = xProj + <usize>t * stepG;
    // without `saved`, gates overwrite hp in place and LSTM's c runs in cN (GRU's hn goes to a discard row)
    const gatesStep = saved != 0 ? saved + <usize>t * stepG : hp;
    const extraStep = saved != 0 ? savedExtra + <usize>t * stepH : (mode == LSTM ? cN : discard);
    for (let b = 0; b < B; b++) {
      const xp = xpStep + <usize>b * rowG;
      const hpRow = hp + <usize>b * rowG;
      const hRow = hOut + <usize>b * Hb;
      const gRow = gatesStep + <usize>b * rowG;
      const eRow = extraStep + <usize>b * Hb;
      const prevRow = (mode == LSTM ? cPrev : hPrev) + <usize>b * Hb;
      let o = oStart;
      if (mode == LSTM) {
        for (; o + 16 <= oEnd; o += 16) lstmForwardAt<Wide>(xp, hpRow, bi, bh, prevRow, gRow, eRow, hRow, Hb, o);
        for (; o < oEnd; o += 4) lstmForwardAt<Narrow>(xp, hpRow, bi, bh, prevRow, gRow, eRow, hRow, Hb, o);
      } else if (mode == GRU) {
        for (; o + 16 <= oEnd; o += 16) gruForwardAt<Wide>(xp, hpRow, bi, bh, prevRow, gRow, eRow, hRow, Hb, o);
        for (; o < oEnd; o += 4) gruForwardAt<Narrow>(xp, hpRow, bi, bh, prevRow, gRow, eRow, hRow, Hb, o);
      } else {
        const relu = mode == RNN_RELU;
        for (; o + 16 <= oEnd; o += 16) rnnForwardAt<Wide>(relu, xp, hpRow, bi, bh, hRow, o);
        for (; o < oEnd; o += 4) rnnForwardAt<Narrow>(relu, xp, hpRow, bi, bh, hRow, o);
      }
    }
    hPrev = hOut;
    if (mode == LSTM) cPrev = extraStep;
    barrier(sync, threads, thread); // the next step's GEMM reads every unit of h_t
  }
  if (thread != 0) return;
  if (hN != 0) memory.copy(hN, hPrev, stepH);
  if (mode == LSTM && cN != 0 && cN != cPrev) memory.copy(cN, cPrev, stepH);
}

// ---------------------------------------------------------------- backward, one column block of one row

/** dpre = tanh: dh·(1 − h²); ReLU: h <= 0 ? 0 : dh (threshold_backward on the output). dhNext = dOutPrev. */
// @ts-ignore: decorator
@inline function rnnBackwardAt<A>(relu: bool, h: usize, dh: usize, dOutPrev: usize, dx: usize, dhNext: usize, o: usize): void {
  const a = changetype<A>(0);
  const hv = a.load(h + o);
  const dhv = a.load(dh + o);
  a.store(dx + o, relu ? v128.andnot(dhv, f32x4.le(hv, f32x4.splat(0))) : tanhGrad(dhv, hv));
  a.store(dhNext + o, a.load(dOutPrev + o));
}

/**
 * With tc = tanh(c): dc = dcIn + (dh·o)·(1 − tc²); do = (dh·tc)·σ'; di = (dc·g)·σ'; dg = (dc·i)·(1 − g²);
 * df = (dc·c_{t−1})·σ'; dc_{t−1} = dc·f (written over dc). dhNext = dOutPrev (the GEMM adds the rest).
 */
// @ts-ignore: decorator
@inline function lstmBackwardAt<A>(
  gates: usize, c: usize, cPrev: usize, dh: usize, dc: usize, dOutPrev: usize,
  dx: usize, dhNext: usize, Hb: usize, o: usize,
): void {
  const a = changetype<A>(0);
  const o1 = o + Hb;
  const o2 = o1 + Hb;
  const o3 = o2 + Hb;
  const i = a.load(gates + o);
  const f = a.load(gates + o1);
  const g = a.load(gates + o2);
  const og = a.load(gates + o3);
  const dhv = a.load(dh + o);
  const tc = vtanh(a.load(c + o));
  const dcv = f32x4.add(a.load(dc + o), tanhGrad(f32x4.mul(dhv, og), tc));
  a.store(dx + o, sigmoidGrad(f32x4.mul(dcv, g), i));
  a.store(dx + o1, sigmoidGrad(f32x4.mul(dcv, a.load(cPrev + o)), f));
  a.store(dx + o2, tanhGrad(f32x4.mul(dcv, i), g));
  a.store(dx + o3, sigmoidGrad(f32x4.mul(dhv, tc), og));
  a.store(dc + o, f32x4.mul(dcv, f));
  a.store(dhNext + o, a.load(dOutPrev + o));
}

/**
 * h' = n + z·(h − n): dn = dh − dh·z, dz = dh·(h − n), dh_prev gets dh·z; n = tanh(x_n + r·hn):
 * dn_pre = dn·(1 − n²), dr = dn_pre·hn, dhn = dn_pre·r. dXProj = [dr·σ', dz·σ', dn_pre],
 * dHProj = [dr·σ', dz·σ', dhn]; dhNext = dOutPrev + dh·z.
 */
// @ts-ignore: decorator
@inline function gruBackwardAt<A>(
  gates: usize, hn: usize, hPrev: usize, dh: usize, dOutPrev: usize,
  dx: usize, dhp: usize, dhNext: usize, Hb: usize, o: usize,
): void {
  const a = changetype<A>(0);
  const o1 = o + Hb;
  const o2 = o1 + Hb;
  const r = a.load(gates + o);
  const z = a.load(gates + o1);
  const n = a.load(gates + o2);
  const dhv = a.load(dh + o);
  const dzh = f32x4.mul(dhv, z);
  const dn = f32x4.sub(dhv, dzh);
  const dz = sigmoidGrad(f32x4.mul(dhv, f32x4.sub(a.load(hPrev + o), n)), z);
  const dnPre = tanhGrad(dn, n);
  const dr = sigmoidGrad(f32x4.mul(dnPre, a.load(hn + o)), r);
  a.store(dx + o, dr);
  a.store(dx + o1, dz);
  a.store(dx + o2, dnPre);
  a.store(dhp + o, dr);
  a.store(dhp + o1, dz);
  a.store(dhp + o2, f32x4.mul(dnPre, r));
  a.store(dhNext + o, f32x4.add(a.load(dOutPrev + o), dzh));
}

/** dst[i] += src[i] over `bytes` bytes of float32. */
function addInto(dst: usize, src: usize, bytes: usize): void {
  let p: usize = 0;
  for (; p + 16 <= bytes; p += 16) v128.store(dst + p, f32x4.add(v128.load(dst + p), v128.load(src + p)));
  for (; p < bytes; p += 4) store<f32>(dst + p, load<f32>(dst + p) + load<f32>(src + p));
}

/**
 * Backward of one layer-direction (see Backend.rnnBackward): byte addresses; dOut, dhN, dcN may be 0 (absent
 * gradients count as zeros); dh0 and dc0 may be 0 (not wanted: the first step's product with W_hh is then
 * skipped); c0 and dc0 are used by LSTM only, dHProj by GRU only. Steps run in the opposite order to the
 * forward.
 */
export function rnnBackward(
  mode: i32, T: i32, B: i32, H: i32, reverse: i32,
  wHh: usize, h0: usize, c0: usize, out: usize, saved: usize,
  dOut: usize, dhN: usize, dcN: usize,
  dXProj: usize, dHProj: usize, dh0: usize, dc0: usize, scratch: usize,
  thread: i32, threads: i32, sync: usize, unitStart: i32, unitEnd: i32, ownScratch: usize,
): void {
  if (B <= 0 || H <= 0) return;
  const G = gatesOf(mode) * H;
  const Hb = <usize>H << 2;
  const rowG = <usize>G << 2;
  const stepH = <usize>B * Hb;
  const stepG = <usize>B * rowG;
  const zeros = scratch;
  const dhA = zeros + align16(rowG);
  const dhB = dhA + align16(stepH);
  const dcScratch = dhB + align16(stepH);
  const gemmScratch = dcScratch + align16(stepH);
  const units = unitEnd - unitStart;
  const oStart = <usize>unitStart << 2;
  const oEnd = <usize>unitEnd << 2;
  const savedExtra = saved + <usize>T * stepG;
  // W_hh packed once (this thread's columns of it), where some step runs the product
  let whole: usize = 0;
  if (T > 1 || (T == 1 && dh0 != 0)) {
    whole = threads == 1
      ? packedW(gemmScratch + align16(gemmScratchBytes(B, H, G)), B, H, G, wHh, H, 0)
      : packedW(ownScratch + align16(gemmScratchBytes(B, units, G)), B, units, G, wHh + oStart, H, 0);
  }
  const dHP = mode == GRU ? dHProj : dXProj;

  // dh = dhN + dOut[last step]; LSTM's dc runs in dc0 (or scratch), starting from dcN
  let dh = dhA;
  let dhNext = dhB;
  const tLast = reverse ? 0 : T - 1;
  const dc = dc0 != 0 ? dc0 : dcScratch;
  if (thread == 0) {
    memory.fill(zeros, 0, rowG);
    if (dhN != 0) memory.copy(dh, dhN, stepH);
    else memory.fill(dh, 0, stepH);
    if (T > 0 && dOut != 0) addInto(dh, dOut + <usize>tLast * stepH, stepH);
    if (mode == LSTM) {
      if (dcN != 0) memory.copy(dc, dcN, stepH);
      else memory.fill(dc, 0, stepH);
    }
  }
  barrier(sync, threads, thread);
  for (let k = T - 1; k >= 0; k--) {
    const t = reverse ? T - 1 - k : k;
    const tPrev = reverse ? t + 1 : t - 1;
    const hPrevStep = k > 0 ? out + <usize>tPrev * stepH : h0;
    const cPrevStep = k > 0 ? savedExtra + <usize>tPrev * stepH : c0;
    const dOutPrevStep = k > 0 && dOut != 0 ? dOut + <usize>tPrev * stepH : 0;
    const hStep = out + <usize>t * stepH;
    const gatesStep = saved + <usize>t * stepG;
    const extraStep = savedExtra + <usize>t * stepH;
    const dxStep = dXProj + <usize>t * stepG;
    const dhpStep = dHP + <usize>t * stepG;
    for (let b = 0; b < B; b++) {
      const bH = <usize>b * Hb;
      const bG = <usize>b * rowG;
      const dOutPrev = dOutPrevStep != 0 ? dOutPrevStep + bH : zeros;
      const dhRow = dh + bH;
      const dhNextRow = dhNext + bH;
      const dxRow = dxStep + bG;
      let o = oStart;
      if (mode == LSTM) {
        const gRow = gatesStep + bG;
        const cRow = extraStep + bH;
        const cPrevRow = cPrevStep + bH;
        const dcRow = dc + bH;
        for (; o + 16 <= oEnd; o += 16) lstmBackwardAt<Wide>(gRow, cRow, cPrevRow, dhRow, dcRow, dOutPrev, dxRow, dhNextRow, Hb, o);
        for (; o < oEnd; o += 4) lstmBackwardAt<Narrow>(gRow, cRow, cPrevRow, dhRow, dcRow, dOutPrev, dxRow, dhNextRow, Hb, o);
      } else if (mode == GRU) {
        const gRow = gatesStep + bG;
        const hnRow = extraStep + bH;
        const hPrevRow = hPrevStep + bH;
        const dhpRow = dhpStep + bG;
        for (; o + 16 <= oEnd; o += 16) gruBackwardAt<Wide>(gRow, hnRow, hPrevRow, dhRow, dOutPrev, dxRow, dhpRow, dhNextRow, Hb, o);
        for (; o < oEnd; o += 4) gruBackwardAt<Narrow>(gRow, hnRow, hPrevRow, dhRow, dOutPrev, dxRow, dhpRow, dhNextRow, Hb, o);
      } else {
        const relu = mode == RNN_RELU;
        const hRow = hStep + bH;
        for (; o + 16 <= oEnd; o += 16) rnnBackwardAt<Wide>(relu, hRow, dhRow, dOutPrev, dxRow, dhNextRow, o);
        for (; o < oEnd; o += 4) rnnBackwardAt<Narrow>(relu, hRow, dhRow, dOutPrev, dxRow, dhNextRow, o);
      }
    }
    if (k > 0 || dh0 != 0) {
      if (threads == 1) stepProduct(B, H, G, dhpStep, G, wHh, H, 0, whole, dhNext, H, 1, gemmScratch);
      else {
        barrier(sync, threads, thread); // the GEMM reads every gate column of this step's gradients
        stepProduct(B, units, G, dhpStep, G, wHh + oStart, H, 0, whole, dhNext + oStart, H, 1, ownScratch);
      }
    }
    const swap = dh;
    dh = dhNext;
    dhNext = swap;
  }
  barrier(sync, threads, thread);
  if (thread == 0 && dh0 != 0) memory.copy(dh0, dh, stepH);
}
