import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';

/**
 * The backward engine's bookkeeping (src/autograd/backward.ts): gradients parked on nodes during a pass,
 * the per-pass visit marks, and single- and multi-output nodes. Values are exact (powers of two and small
 * integers), so any change in what reaches a leaf shows.
 */
describe('backward engine bookkeeping', () => {
  for (const backend of ['wasm', 'js'] as const) {
    it(`${backend}: a pass that fails part-way leaves nothing behind for later passes`, () => {
      torch.setBackend(backend);
      const x = torch.tensor([1, 2, 3], { requiresGrad: true });
      const y = x.mul(2);
      y.sum().backward(); // releases y's node
      const w = x.mul(5);
      const z = y.mul(4).add(w).sum();
      expect(() => z.backward()).toThrow(/second time/);
      x.grad!.zero_();
      // the nodes the failed pass ran are released, as after any pass; fresh graphs work and see only their own
      // gradients, nothing parked by the failed pass
      x.mul(7).sum().backward();
      expect(x.grad!.tolist()).toEqual([7, 7, 7]);
      const v = x.mul(2);
      v.add(v).sum().backward();
      expect(x.grad!.tolist()).toEqual([11, 11, 11]);
    });

    it(`${backend}: shared subgraphs (diamonds, a tensor used twice, split outputs) accumulate every path`, () => {
      torch.setBackend(backend);
      const x = torch.tensor([[1, 2], [3, 4]], { requiresGrad: true });
      const a = x.mul(2);
      const [top, bottom] = a.split(1, 0);
      const loss = top.mul(top).sum().add(bottom.mul(3).sum()).add(a.sum());
      loss.backward(null, { retainGraph: true });
      // d/dx: top rows 2·(2x)·2 + 2, bottom rows 3·2 + 2
      expect(x.grad!.tolist()).toEqual([[10, 18], [8, 8]]);
      loss.backward(null, { retainGraph: true });
      expect(x.grad!.tolist()).toEqual([[20, 36], [16, 16]]);
      loss.backward();
      expect(x.grad!.tolist()).toEqual([[30, 54], [24, 24]]);
      expect(() => loss.backward()).toThrow(/second time/);
    });

    it(`${backend}: the same graph shape run many times gives the same gradients each time`, () => {
      torch.setBackend(backend);
      const w = torch.tensor([0.5, -1.5, 2], { requiresGrad: true });
      const seen: number[][] = [];
      for (let i = 0; i < 5; i++) {
        w.grad = null;
        const h = w.mul(w).add(w);
        h.mul(h).sum().backward();
        seen.push(w.grad!.tolist() as number[]);
      }
      for (const g of seen) expect(g).toEqual(seen[0]);
      // d/dw (w² + w)² = 2(w² + w)(2w + 1)
      expect(seen[0]).toEqual([2 * 0.75 * 2, 2 * 0.75 * -2, 2 * 6 * 5]);
    });
  }
});
