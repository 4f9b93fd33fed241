/**
 * nn.Linear on 2-D input accumulates its weight gradient straight into an existing `weight.grad` (one GEMM that
 * adds onto it). These tests pin that the gradients are those of the plain composition x·Wᵀ + b — to the bit on
 * the wasm kernels where the batch has at most 256 rows (the JS twin's GEMM sums in another order, so there
 * and beyond 256 rows within float32 rounding) — however the layer is reused and whatever `.grad` holds.
 */
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index';
import { forEachBackend } from '../helpers/backends';

type T = torch.Tensor;

/** Gradients of weight and bias after `uses` passes of the same layer in one graph, backward twice. */
function gradsOf(forward: (x: T, w: T, b: T) => T, rows: number, uses: number, seed: number): number[][] {
  torch.manualSeed(seed);
  const w = torch.randn(12, 9, { requiresGrad: true });
  const b = torch.randn(12, { requiresGrad: true });
  const xs = Array.from({ length: uses }, () => torch.randn(rows, 9));
  for (let pass = 0; pass < 2; pass++) {
    let loss = torch.zeros([]);
    for (const x of xs) loss = loss.add(forward(x, w, b).tanh().sum());
    loss.backward();
  }
  return [Array.from(w.grad!.toArray()), Array.from(b.grad!.toArray())];
}

const viaLinear = (x: T, w: T, b: T) => torch.nn.functional.linear(x, w, b);
const viaMatmul = (x: T, w: T, b: T) => x.matmul(w.t()).add(b);

/** Exact where the kernels promise it, else within float32 rounding of the gradients' size. */
function expectSame(a: number[][], b: number[][], exact: boolean): void {
  if (exact) {
    expect(a).toEqual(b);
    return;
  }
  a.forEach((values, k) => values.forEach((v, i) => expect(v).toBeCloseTo(b[k]![i]!, 2)));
}

forEachBackend((backend) => {
  const wasm = backend !== 'js';
  describe('nn.Linear weight gradient accumulation', () => {
    it('matches x·Wᵀ + b for one row used seven times, backward twice', () => {
      expectSame(gradsOf(viaLinear, 1, 7, 1), gradsOf(viaMatmul, 1, 7, 1), wasm);
    });

    it('matches for 5 and 256 rows', () => {
      expectSame(gradsOf(viaLinear, 5, 3, 2), gradsOf(viaMatmul, 5, 3, 2), wasm);
      expectSame(gradsOf(viaLinear, 256, 2, 3), gradsOf(viaMatmul, 256, 2, 3), wasm);
    });

    it('matches within float32 rounding for 300 rows', () => {
      expectSame(gradsOf(viaLinear, 300, 2, 4), gradsOf(viaMatmul, 300, 2, 4), false);
    });

    it('adds onto whatever .grad holds: a zeroed gradient, and a strided one the program assigned', () => {
      torch.manualSeed(5);
      const layer = new torch.nn.Linear(9, 12);
      const x = torch.randn(3, 9);
      layer.forward(x).sum().backward();
      const once = layer.weight.grad!.tolist();
      layer.zeroGrad();
      layer.forward(x).sum().backward();
      expect(layer.weight.grad!.tolist()).toEqual(once);
      // a transposed (non-contiguous) .grad: the engine's own accumulation runs instead
      layer.weight.grad = torch.zeros(9, 12).t();
      layer.forward(x).sum().backward();
      expect(layer.weight.grad!.tolist()).toEqual(once);
    });

    it('leaves a non-leaf weight to the engine (its gradient flows on to the leaf)', () => {
      torch.manualSeed(6);
      const base = torch.randn(12, 9, { requiresGrad: true });
      const b = torch.zeros(12);
      const x = torch.randn(2, 9);
      const w = base.mul(2);
      torch.nn.functional.linear(x, w, b).sum().backward();
      const expected = torch.ones(2, 12).t().matmul(x).mul(2);
      expect(Array.from(base.grad!.toArray())).toEqual(Array.from(expected.toArray()));
    });
  });
});
