/**
 * Fused recurrent kernels over typed arrays: Backend.rnnForward / rnnBackward (contracts in ../types.ts).
 * Per time step one product through this backend's gemm (h·W_hhᵀ forward, dGates·W_hh backward), then plain
 * loops over the gate maths. Every value the composed layer would store as float32 (pre-activations, gates,
 * states, gradients) is rounded to float32 here too, so this twin and the composition agree closely.
 */
import { Recurrent, recurrentGates, type Buf, type RecurrentMode } from '../types.js';
import { JsBuf, f32 } from './buffer.js';
import { gemm } from './gemm.js';

const fround = Math.fround;

/** As the unary sigmoid kernel: exp(−x) rounded to float32 first. */
function sigmoid(x: number): number {
  return fround(1 / (1 + fround(Math.exp(-x))));
}

function tanh(x: number): number {
  return fround(Math.tanh(x));
}

/** dy·(1 − y)·y, rounded as the SigmoidBackward kernel. */
function sigmoidGrad(dy: number, y: number): number {
  return fround(fround(dy * fround(1 - y)) * y);
}

/** dy·(1 − y²), rounded as the TanhBackward kernel. */
function tanhGrad(dy: number, y: number): number {
  return fround(dy * fround(1 - fround(y * y)));
}

/** Column q of a gate row: (x·W_ihᵀ + (b_ih + b_hh)) + h·W_hhᵀ, rounded as the composed ops round it. */
function preActivation(
  X: Float32Array, xr: number, BI: Float32Array, bi: number, BH: Float32Array, bh: number,
  hp: Float32Array, hr: number, q: number,
): number {
  return fround(fround(X[xr + q] + fround(BI[bi + q] + BH[bh + q])) + hp[hr + q]);
}

function scratch(n: number): JsBuf {
  return new JsBuf(new Float32Array(n), 'float32');
}

export function rnnForward(
  mode: RecurrentMode, T: number, B: number, H: number, reverse: boolean,
  xProj: Buf, xProjOff: number,
  wHh: Buf, wHhOff: number,
  bIh: Buf | null, bIhOff: number,
  bHh: Buf | null, bHhOff: number,
  h0: Buf, h0Off: number,
  c0: Buf | null, c0Off: number,
  out: Buf, outOff: number,
  hN: Buf | null, hNOff: number,
  cN: Buf | null, cNOff: number,
  saved: Buf | null, savedOff: number,
): void {
  if (B === 0 || H === 0) return;
  const G = recurrentGates(mode) * H;
  const X = f32(xProj);
  const O = f32(out);
  const zeros = new Float32Array(G);
  const BI = bIh ? f32(bIh) : zeros;
  const BH = bHh ? f32(bHh) : zeros;
  const bi = bIh ? bIhOff : 0;
  const bh = bHh ? bHhOff : 0;
  const hpBuf = scratch(B * G);
  const hp = f32(hpBuf);
  // Without `saved`, gates go to a one-step area and LSTM's c runs in cN.
  const S = saved ? f32(saved) : new Float32Array(B * (G + H));
  const gatesAt = (t: number) => (saved ? savedOff + t * B * G : 0);
  const extraAt = (t: number) => (saved ? savedOff + T * B * G + t * B * H : B * G);
  let hPrev: Buf = h0;
  let hPrevOff = h0Off;
  let cPrev: Float32Array = c0 ? f32(c0) : zeros;
  let cPrevOff = c0Off;
  for (let k = 0; k < T; k++) {
    const t = reverse ? T - 1 - k : k;
    gemm(1, B, G, H, hPrev, hPrevOff, 0, H, false, wHh, wHhOff, 0, H, true, hpBuf, 0, 0, G, false);
    const HP = f32(hPrev);
    const gOff = gatesAt(t);
    const eOff = extraAt(t);
    for (let b = 0; b < B; b++) {
      const xr = xProjOff + (t * B + b) * G;
      const hr = b * G;
      const outRow = outOff + (t * B + b) * H;
      const gr = gOff + b * G;
      const er = eOff + b * H;
      const pr = hPrevOff + b * H;
      const cr = cPrevOff + b * H;
      for (let j = 0; j < H; j++) {
        if (mode === Recurrent.lstm) {
          const i = sigmoid(preActivation(X, xr, BI, bi, BH, bh, hp, hr, j));
          const f = sigmoid(preActivation(X, xr, BI, bi, BH, bh, hp, hr, H + j));
          const g = tanh(preActivation(X, xr, BI, bi, BH, bh, hp, hr, 2 * H + j));
          const o = sigmoid(preActivation(X, xr, BI, bi, BH, bh, hp, hr, 3 * H + j));
          const c = fround(fround(f * cPrev[cr + j]) + fround(i * g));
          S[gr + j] = i;
          S[gr + H + j] = f;
          S[gr + 2 * H + j] = g;
          S[gr + 3 * H + j] = o;
          if (saved) S[er + j] = c;
          else f32(cN!)[cNOff + b * H + j] = c;
          O[outRow + j] = o * tanh(c);
        } else if (mode === Recurrent.gru) {
          const r = sigmoid(fround(fround(X[xr + j] + BI[bi + j]) + fround(hp[hr + j] + BH[bh + j])));
          const z = sigmoid(fround(fround(X[xr + H + j] + BI[bi + H + j]) + fround(hp[hr + H + j] + BH[bh + H + j])));
          const hn = fround(hp[hr + 2 * H + j] + BH[bh + 2 * H + j]);
          const n = tanh(fround(fround(X[xr + 2 * H + j] + BI[bi + 2 * H + j]) + fround(r * hn)));
          S[gr + j] = r;
          S[gr + H + j] = z;
          S[gr + 2 * H + j] = n;
          S[er + j] = hn;
          O[outRow + j] = n + fround(z * fround(HP[pr + j] - n));
        } else {
          const pre = preActivation(X, xr, BI, bi, BH, bh, hp, hr, j);
          O[outRow + j] = mode === Recurrent.rnnRelu ? (pre < 0 ? 0 : pre) : Math.tanh(pre);
        }
      }
    }
    hPrev = out;
    hPrevOff = outOff + t * B * H;
    if (mode === Recurrent.lstm) {
      cPrev = saved ? S : f32(cN!);
      cPrevOff = saved ? eOff : cNOff;
    }
  }
  if (hN) f32(hN).set(f32(hPrev).subarray(hPrevOff, hPrevOff + B * H), hNOff);
  if (mode === Recurrent.lstm && cN && !(cPrev === f32(cN) && cPrevOff === cNOff)) {
    f32(cN).set(cPrev.subarray(cPrevOff, cPrevOff + B * H), cNOff);
  }
}

export function rnnBackward(
  mode: RecurrentMode, T: number, B: number, H: number, reverse: boolean,
  wHh: Buf, wHhOff: number,
  h0: Buf, h0Off: number,
  c0: Buf | null, c0Off: number,
  out: Buf, outOff: number,
  saved: Buf | null, savedOff: number,
  dOut: Buf | null, dOutOff: number,
  dhN: Buf | null, dhNOff: number,
  dcN: Buf | null, dcNOff: number,
  dXProj: Buf, dXProjOff: number,
  dHProj: Buf | null, dHProjOff: number,
  dh0: Buf | null, dh0Off: number,
  dc0: Buf | null, dc0Off: number,
): void {
  if (B === 0 || H === 0) return;
  const G = recurrentGates(mode) * H;
  const BH = B * H;
  const O = f32(out);
  const S = saved ? f32(saved) : new Float32Array(0);
  const DO = dOut ? f32(dOut) : null;
  const DX = f32(dXProj);
  const dhpBuf = mode === Recurrent.gru ? dHProj! : dXProj;
  const dhpOff = mode === Recurrent.gru ? dHProjOff : dXProjOff;
  const DHP = f32(dhpBuf);
  const H0 = f32(h0);
  const C0 = c0 ? f32(c0) : null;
  // LSTM's dc runs in dc0, or in scratch when dc0 is not wanted
  const DC = dc0 ? f32(dc0) : new Float32Array(BH);
  if (!dc0) dc0Off = 0;
  let dhBuf = scratch(BH);
  let dhNextBuf = scratch(BH);
  let dh = f32(dhBuf);
  const tLast = reverse ? 0 : T - 1;
  for (let q = 0; q < BH; q++) {
    const fromN = dhN ? f32(dhN)[dhNOff + q] : 0;
    dh[q] = T > 0 && DO ? fromN + DO[dOutOff + tLast * BH + q] : fromN;
  }
  if (mode === Recurrent.lstm) {
    for (let q = 0; q < BH; q++) DC[dc0Off + q] = dcN ? f32(dcN)[dcNOff + q] : 0;
  }
  for (let k = T - 1; k >= 0; k--) {
    const t = reverse ? T - 1 - k : k;
    const tPrev = reverse ? t + 1 : t - 1;
    const dhNext = f32(dhNextBuf);
    for (let b = 0; b < B; b++) {
      const hRow = b * H;
      const gr = savedOff + (t * B + b) * G;
      const er = savedOff + T * B * G + (t * B + b) * H;
      const xr = dXProjOff + (t * B + b) * G;
      const pr = dhpOff + (t * B + b) * G;
      for (let j = 0; j < H; j++) {
        const q = hRow + j;
        const dhv = dh[q];
        const dOutPrev = k > 0 && DO ? DO[dOutOff + tPrev * BH + q] : 0;
        if (mode === Recurrent.lstm) {
          const i = S[gr + j];
          const f = S[gr + H + j];
          const g = S[gr + 2 * H + j];
          const o = S[gr + 3 * H + j];
          const tc = tanh(S[er + j]);
          const cPrev = k > 0 ? S[savedOff + T * B * G + (tPrev * B + b) * H + j] : C0![c0Off + q];
          const dc = fround(DC[dc0Off + q] + tanhGrad(fround(dhv * o), tc));
          DX[xr + j] = sigmoidGrad(fround(dc * g), i);
          DX[xr + H + j] = sigmoidGrad(fround(dc * cPrev), f);
          DX[xr + 2 * H + j] = tanhGrad(fround(dc * i), g);
          DX[xr + 3 * H + j] = sigmoidGrad(fround(dhv * tc), o);
          DC[dc0Off + q] = dc * f;
          dhNext[q] = dOutPrev;
        } else if (mode === Recurrent.gru) {
          const r = S[gr + j];
          const z = S[gr + H + j];
          const n = S[gr + 2 * H + j];
          const hPrev = k > 0 ? O[outOff + tPrev * BH + q] : H0[h0Off + q];
          const dzh = fround(dhv * z);
          const dn = fround(dhv - dzh);
          const dz = sigmoidGrad(fround(dhv * fround(hPrev - n)), z);
          const dnPre = tanhGrad(dn, n);
          const dr = sigmoidGrad(fround(dnPre * S[er + j]), r);
          DX[xr + j] = dr;
          DX[xr + H + j] = dz;
          DX[xr + 2 * H + j] = dnPre;
          DHP[pr + j] = dr;
          DHP[pr + H + j] = dz;
          DHP[pr + 2 * H + j] = dnPre * r;
          dhNext[q] = dOutPrev + dzh;
        } else {
          const h = O[outOff + t * BH + q];
          DX[xr + j] = mode === Recurrent.rnnRelu ? (h <= 0 ? 0 : dhv) : tanhGrad(dhv, h);
          dhNext[q] = dOutPrev;
        }
      }
    }
    if (k > 0 || dh0) gemm(1, B, H, G, dhpBuf, dhpOff + t * B * G, 0, G, false, wHh, wHhOff, 0, H, false, dhNextBuf, 0, 0, H, true);
    const swap = dhBuf;
    dhBuf = dhNextBuf;
    dhNextBuf = swap;
    dh = f32(dhBuf);
  }
  if (dh0) f32(dh0).set(dh, dh0Off);
}
