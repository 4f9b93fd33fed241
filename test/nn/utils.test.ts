/**
 * nn.utils.clipGradNorm_ against PyTorch 1.13 (every norm type, skipped parameters, inf and NaN gradients),
 * its argument forms and errorIfNonfinite, and clipGradValue_.
 */
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index';
import { forEachBackend } from '../helpers/backends';
import { expectOpError } from '../helpers/errors';
import { checkClip, clipCases } from './nn-fixtures';

const { nn } = torch;

describe('clipGradNorm_ matches PyTorch fixtures', () => {
  forEachBackend(() => {
    for (const c of clipCases()) it(c.name, () => checkClip(c));
  });
});

describe('clipGradNorm_ argument forms', () => {
  forEachBackend(() => {
    it('takes a model\'s parameters, a single tensor, and the norm type as a number or option', () => {
      const model = new nn.Linear(3, 2);
      model.forward(torch.ones(4, 3)).sum().backward();
      const total = nn.utils.clipGradNorm_(model.parameters(), 1e6);
      expect(total.shape).toEqual([]);
      const all = [...model.weight.grad!.toArray(), ...model.bias!.grad!.toArray()];
      expect(total.item()).toBeCloseTo(Math.hypot(...all), 4);
      const p = torch.zeros(2, { requiresGrad: true });
      p.grad = torch.tensor([3, -4]);
      expect(nn.utils.clipGradNorm_(p, 1, { normType: Infinity }).item()).toBe(4);
      expect(p.grad.toArray()[1]).toBeCloseTo(-1, 5);
      p.grad = torch.tensor([3, -4]);
      expect(nn.utils.clipGradNorm_([p], 100, 1).item()).toBe(7);
    });
    it('errorIfNonfinite throws on a NaN or infinite total and leaves the gradients alone', () => {
      const p = torch.zeros(2, { requiresGrad: true });
      p.grad = torch.tensor([1, Infinity]);
      expectOpError(() => nn.utils.clipGradNorm_([p], 1, 2, { errorIfNonfinite: true }), 'clipGradNorm_');
      expect(Array.from(p.grad.toArray())).toEqual([1, Infinity]);
    });
    it('rejects what is not a tensor', () => {
      expectOpError(() => nn.utils.clipGradNorm_([1 as never], 1), 'clipGradNorm_');
      expectOpError(() => nn.utils.clipGradNorm_(torch.zeros(1), Number.NaN), 'clipGradNorm_');
    });
    it('clipGradValue_ clamps each gradient element', () => {
      const p = torch.zeros(3, { requiresGrad: true });
      p.grad = torch.tensor([-3, 0.5, 2]);
      nn.utils.clipGradValue_([p], 1);
      expect(Array.from(p.grad.toArray())).toEqual([-1, 0.5, 1]);
    });
  });
});
