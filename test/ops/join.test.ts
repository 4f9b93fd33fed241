/**
 * Indexing and joining: torch.cat, torch.stack, gather, indexSelect — PyTorch fixtures, finite-difference
 * gradients, shape and index errors.
 */
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index';
import { forEachBackend } from '../helpers/backends';
import { expectOpError } from '../helpers/errors';
import type { Tensor } from '../helpers/fixtures';
import { gradcheck, randTensor as R } from '../helpers/gradcheck';
import { describeFixtureFamily } from '../helpers/op-cases';

describe('cat, stack, gather, indexSelect match PyTorch fixtures', () => describeFixtureFamily('join'));

type Check = [name: string, inputs: () => Tensor[], fn: (...xs: Tensor[]) => Tensor];
const weigh = (t: Tensor) => t.mul(t);

const CHECKS: Check[] = [
  ['cat dim 0', () => [R([2, 3]), R([1, 3])], (a, b) => weigh(torch.cat([a, b], 0))],
  ['cat dim -1 with transposed piece', () => [R([3, 2]), R([2, 2])], (a, b) => weigh(torch.cat([a.T, b], -1))],
  ['stack dim 1', () => [R([2, 3]), R([2, 3])], (a, b) => weigh(torch.stack([a, b], 1))],
  ['gather dim 1', () => [R([3, 4])],
    (a) => weigh(a.gather(1, torch.tensor([[0, 3], [1, 1], [2, 0]], { dtype: 'int64' })))],
  ['indexSelect dim 0 with repeats', () => [R([4, 2])],
    (a) => weigh(a.indexSelect(0, torch.tensor([3, 0, 3], { dtype: 'int64' })))],
];

describe('join and indexing gradients match finite differences', () => {
  forEachBackend(() => {
    for (const [name, inputs, fn] of CHECKS) {
      it(name, () => gradcheck(name, fn, inputs()));
    }
  });
});

describe('join and indexing errors', () => {
  forEachBackend(() => {
    it('cat of [2, 3] and [2, 4] along dim 0 throws naming both shapes', () => {
      expectOpError(() => torch.cat([torch.ones(2, 3), torch.ones(2, 4)], 0), 'cat', [[2, 3], [2, 4]]);
    });
    it('cat of tensors with different ranks throws', () => {
      expectOpError(() => torch.cat([torch.ones(2, 3), torch.ones(3)], 0), 'cat', [[2, 3], [3]]);
    });
    it('cat of an empty list throws', () => {
      expectOpError(() => torch.cat([], 0), 'cat');
    });
    it('stack of [2, 3] and [3, 2] throws', () => {
      expectOpError(() => torch.stack([torch.ones(2, 3), torch.ones(3, 2)], 0), 'stack', [[2, 3], [3, 2]]);
    });
    it('gather with an out-of-range index throws', () => {
      const index = torch.tensor([[0, 4]], { dtype: 'int64' });
      expect(() => torch.ones(2, 4).gather(1, index)).toThrow(/gather/i);
    });
    it('indexSelect with an out-of-range index throws', () => {
      const index = torch.tensor([0, 5], { dtype: 'int64' });
      expect(() => torch.ones(5, 2).indexSelect(0, index)).toThrow(/index/i);
    });
    it('indexSelect with a negative index throws', () => {
      const index = torch.tensor([-1], { dtype: 'int64' });
      expect(() => torch.ones(5, 2).indexSelect(0, index)).toThrow(/index/i);
    });
  });
});

describe('torch.zip pairs rows', () => {
  forEachBackend(() => {
    it('zip(a, b) yields [a[i], b[i]]', () => {
      const a = torch.tensor([[1, 2], [3, 4]]);
      const b = torch.tensor([5, 6]);
      const pairs = [...torch.zip(a, b)].map(([x, y]) => [x.tolist(), y.item()]);
      expect(pairs).toEqual([[[1, 2], 5], [[3, 4], 6]]);
    });
  });
});
