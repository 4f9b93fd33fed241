/**
 * Comparisons eq ne gt lt ge le (tensor and scalar; float32 0/1 masks) and torch.where — PyTorch fixtures,
 * finite-difference gradients of where, shape errors.
 */
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index';
import { forEachBackend } from '../helpers/backends';
import { expectOpError } from '../helpers/errors';
import { gradcheck, randTensor as R } from '../helpers/gradcheck';
import { describeFixtureFamily } from '../helpers/op-cases';

describe('comparisons and where match PyTorch fixtures', () => describeFixtureFamily('compare'));

describe('where gradients match finite differences', () => {
  forEachBackend(() => {
    it('where with broadcast cond and branches', () => {
      const cond = torch.tensor([[1, 0, 1, 0]]);
      gradcheck('where', (a, b) => torch.where(cond, a, b), [R([3, 1]), R([3, 4])]);
    });
    it('where built from a comparison mask', () => {
      const x = R([2, 5], { awayFromZero: 0.1 });
      gradcheck('where(x > 0, x, x * 0.1)', (a) => torch.where(a.gt(0), a, a.mul(0.1)), [x]);
    });
  });
});

describe('comparison results', () => {
  forEachBackend(() => {
    it('masks are float32 and usable in arithmetic', () => {
      const mask = torch.tensor([1, 2, 3]).gt(1.5);
      expect(mask.dtype).toBe('float32');
      expect(mask.mul(torch.tensor([10, 20, 30])).tolist()).toEqual([0, 20, 30]);
    });
    it('eq of [2, 3] and [4] throws naming the shapes', () => {
      expectOpError(() => torch.ones(2, 3).eq(torch.ones(4)), 'eq', [[2, 3], [4]]);
    });
    it('where with shapes that do not broadcast throws', () => {
      expectOpError(() => torch.where(torch.ones(2), torch.ones(3), torch.ones(3)), 'where', [[2], [3]]);
    });
  });
});
