import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';

/**
 * A training-style loop written the PyTorch way, with no manual freeing: fresh inputs every step, a forward
 * pass through parameters, backward, and a hand-written SGD update through `.data`.
 */
function trainSteps(steps: number, w: torch.Tensor, b: torch.Tensor): number[] {
  const samples: number[] = [];
  for (let step = 0; step < steps; step++) {
    const x = torch.randn(8, 16);
    const target = torch.randn(8, 4);
    const hidden = x.matmul(w).add(b).tanh();
    const loss = hidden.sub(target).pow(2).mean();
    loss.backward();
    for (const p of [w, b]) {
      p.data.add_(p.grad!, { alpha: -0.01 });
      p.grad!.zero_();
    }
    if (step % 1000 === 999) samples.push(torch.memory().bytes);
  }
  return samples;
}

describe('memory stays bounded in long training loops', () => {
  for (const backend of ['wasm', 'js'] as const) {
    it(`${backend}: 20,000 steps keep torch.memory().bytes flat`, () => {
      torch.setBackend(backend);
      const w = torch.randn(16, 4, { requiresGrad: true });
      const b = torch.zeros(4, { requiresGrad: true });
      trainSteps(200, w, b);
      const samples = trainSteps(20_000, w, b);
      const first = samples[0];
      expect(Math.max(...samples)).toBe(first);
      expect(torch.memory().tensors).toBeLessThan(2000);
    });
  }

  it('a tensor held across steps keeps working when it is used every step', () => {
    torch.setBackend('wasm');
    const w = torch.randn(3, 3, { requiresGrad: true });
    const input = torch.randn(2, 3);
    for (let i = 0; i < 10; i++) {
      const loss = input.matmul(w).sum();
      loss.backward();
      expect(input.sum().item()).toBeCloseTo(input.sum().item());
    }
  });

  it('reading a tensor that went unused for several steps throws a clear error unless kept', () => {
    torch.setBackend('wasm');
    const w = torch.randn(3, 3, { requiresGrad: true });
    w.sum().backward(); // the step clock starts after the first backward
    const stale = torch.ones(2);
    const kept = torch.ones(2).keep();
    for (let i = 0; i < 5; i++) w.sum().backward();
    expect(() => stale.tolist()).toThrow(/freed automatically.*keep\(\)/);
    expect(kept.tolist()).toEqual([1, 1]);
  });

  it('dispose() frees at once and later use throws', () => {
    torch.setBackend('wasm');
    const before = torch.memory().tensors;
    const t = torch.zeros(100);
    expect(torch.memory().tensors).toBe(before + 1);
    t.dispose();
    expect(torch.memory().tensors).toBe(before);
    expect(() => t.sum()).toThrow(/disposed/);
  });
});
