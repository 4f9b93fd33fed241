/**
 * nn.Linear on 2-D input holds its weight gradient back until the end of the backward pass, sums the parts of all
 * the layer's uses in that pass as one product, and adds it straight into an existing `weight.grad` (one GEMM
 * that accumulates onto it). These tests pin that the gradients are those of the plain composition x·Wᵀ + b —
 * to the bit on the wasm kernels for a single use of at most 256 rows (the same one GEMM; the JS twin's GEMM sums
 * in another order), else within float32 rounding — however the layer is reused and whatever `.grad` holds.
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

/** Exact where the kernels promise it, else within float32 rounding of sums of this many terms. */
function expectSame(a: number[][], b: number[][], exact: boolean): void {
  if (exact) {
    expect(a).toEqual(b);
    return;
  }
  a.forEach((values, k) => {
    expect(values.length).toBe(b[k]!.length);
    const scale = Math.max(...b[k]!.map(Math.abs), 1);
    values.forEach((v, i) => expect(Math.abs(v - b[k]![i]!)).toBeLessThanOrEqual(1e-5 * scale));
  });
}

forEachBackend((backend) => {
  const wasm = backend !== 'js';
  describe('nn.Linear weight gradient accumulation', () => {
    it('matches x·Wᵀ + b to the bit for one use of 1, 5 and 256 rows, backward twice', () => {
      expectSame(gradsOf(viaLinear, 1, 1, 1), gradsOf(viaMatmul, 1, 1, 1), wasm);
      expectSame(gradsOf(viaLinear, 5, 1, 2), gradsOf(viaMatmul, 5, 1, 2), wasm);
      expectSame(gradsOf(viaLinear, 256, 1, 3), gradsOf(viaMatmul, 256, 1, 3), wasm);
    });

    it('matches within float32 rounding for one row used seven times (a sequence), and for 300 rows', () => {
      expectSame(gradsOf(viaLinear, 1, 7, 1), gradsOf(viaMatmul, 1, 7, 1), false);
      expectSame(gradsOf(viaLinear, 5, 3, 2), gradsOf(viaMatmul, 5, 3, 2), false);
      expectSame(gradsOf(viaLinear, 300, 2, 4), gradsOf(viaMatmul, 300, 2, 4), false);
    });

    it('sums the uses of several layers in one pass separately per weight', () => {
      torch.manualSeed(7);
      const a = new torch.nn.Linear(6, 4), b = new torch.nn.Linear(4, 3);
      const xs = [torch.randn(2, 6), torch.randn(1, 6), torch.randn(3, 6)];
      const loss = () => xs.map((x) => b.forward(a.forward(x).tanh()).pow(2).sum()).reduce((s, l) => s.add(l));
      loss().backward();
      const viaLayers = [a.weight.grad!.tolist(), b.weight.grad!.tolist()].flat(2);
      const [wa, wb] = [a.weight.detach().requiresGrad_(), b.weight.detach().requiresGrad_()];
      xs.map((x) => x.matmul(wa.t()).add(a.bias).tanh().matmul(wb.t()).add(b.bias).pow(2).sum())
        .reduce((s, l) => s.add(l)).backward();
      expectSame([viaLayers], [[wa.grad!.tolist(), wb.grad!.tolist()].flat(2)], false);
    });

    it('adds what a pass reached before failing part-way, as the plain composition does', () => {
      const run = (forward: (x: T, w: T, b: T) => T) => {
        torch.manualSeed(8);
        const w = torch.randn(3, 5, { requiresGrad: true }), b = torch.randn(3, { requiresGrad: true });
        const base = torch.randn(2, 5, { requiresGrad: true });
        const x = base.mul(2);
        x.sum().backward(); // frees MulBackward0's saved tensors
        const y = forward(x, w, b).add(forward(x.detach(), w, b)).sum();
        expect(() => y.backward()).toThrow(/second time \(through MulBackward0\)/);
        return [Array.from(w.grad!.toArray()), Array.from(b.grad!.toArray())];
      };
      const viaLayer = run(viaLinear);
      expect(viaLayer[0]!.some((v) => v !== 0)).toBe(true);
      expectSame(viaLayer, run(viaMatmul), false);
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
