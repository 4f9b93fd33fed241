/**
 * The fused recurrent kernels (assembly/rnn.ts) on one thread keep every temporary — the per-step products,
 * gemm()'s scratch and the W_hh they pack once per call — within rnnScratchBytes(): bytes past it are never
 * written, and the weights are left untouched, for every mode, with the packed W_hh and without it (B = 2 runs
 * matrix-vector products, which pack nothing).
 */
import { describe, expect, it } from 'vitest';
import { instantiateKernels } from '../../src/backend/wasm/module';
import { Recurrent, recurrentGates, recurrentSavedLength, type RecurrentMode } from '../../src/backend/types';

const CANARY = -7777.25;
const MODES: [string, RecurrentMode][] = [
  ['RNN tanh', Recurrent.rnnTanh], ['RNN relu', Recurrent.rnnRelu], ['LSTM', Recurrent.lstm], ['GRU', Recurrent.gru],
];

describe('assembly/rnn.ts scratch', () => {
  const k = instantiateKernels('simd');

  /** Lays out buffers from a high address (clear of the kernels' own data), 16-byte aligned, zero-filled. */
  function arena(lengths: number[]): { at: number[]; f32: Float32Array; end: number } {
    const at: number[] = [];
    let next = 1 << 20;
    for (const n of lengths) {
      at.push(next);
      next += Math.ceil((n * 4) / 16) * 16 + 16;
    }
    const need = next + 4096;
    if (k.memory.buffer.byteLength < need) k.memory.grow(Math.ceil((need - k.memory.buffer.byteLength) / 65536));
    const f32 = new Float32Array(k.memory.buffer);
    f32.fill(0, (1 << 20) / 4, need / 4);
    return { at, f32, end: next };
  }

  for (const [name, mode] of MODES) {
    for (const [T, B, H] of [[5, 8, 24], [3, 2, 16], [4, 7, 13], [3, 200, 8]] as [number, number, number][]) {
      it(`${name}, T=${T}, B=${B}, H=${H}: forward and backward write nothing past rnnScratchBytes`, () => {
        const G = recurrentGates(mode) * H;
        const lstm = mode === Recurrent.lstm;
        const scratchBytes = k.rnnScratchBytes(mode, B, H);
        const guard = 256;
        const lengths = [T * B * G, G * H, G, G, B * H, B * H, T * B * H, B * H, B * H, recurrentSavedLength(mode, T, B, H),
          T * B * H, T * B * G, T * B * G, B * H, B * H, scratchBytes / 4 + guard];
        const { at, f32 } = arena(lengths);
        const [xProj, wHh, bIh, bHh, h0, c0, out, hN, cN, saved, dOut, dX, dH, dh0, dc0, scratch] = at as
          [number, number, number, number, number, number, number, number, number, number, number, number, number, number, number, number];
        const fill = (addr: number, n: number, scale: number) => {
          for (let i = 0; i < n; i++) f32[addr / 4 + i] = scale * Math.sin(i * 0.37 + addr);
        };
        fill(xProj, T * B * G, 0.5);
        fill(wHh, G * H, 0.2);
        fill(bIh, G, 0.1);
        fill(bHh, G, 0.1);
        fill(h0, B * H, 0.3);
        if (lstm) fill(c0, B * H, 0.3);
        fill(dOut, T * B * H, 1);
        const weights = f32.slice(wHh / 4, wHh / 4 + G * H);
        const canaryFrom = scratch / 4 + scratchBytes / 4;
        f32.fill(CANARY, canaryFrom, canaryFrom + guard);

        k.rnnForward(mode, T, B, H, 0, xProj, wHh, bIh, bHh, h0, lstm ? c0 : 0, out, hN, lstm ? cN : 0, saved, scratch,
          0, 1, 0, 0, H, 0);
        k.rnnBackward(mode, T, B, H, 0, wHh, h0, lstm ? c0 : 0, out, saved, dOut, 0, 0, dX,
          mode === Recurrent.gru ? dH : 0, dh0, lstm ? dc0 : 0, scratch, 0, 1, 0, 0, H, 0);

        expect(Array.from(f32.subarray(canaryFrom, canaryFrom + guard)).every((v) => v === CANARY)).toBe(true);
        expect(Array.from(f32.subarray(wHh / 4, wHh / 4 + G * H))).toEqual(Array.from(weights));
        expect(Array.from(f32.subarray(dh0 / 4, dh0 / 4 + B * H)).every(Number.isFinite)).toBe(true);
      });
    }
  }
});
