/**
 * Reductions: sum mean max min (whole, dim, keepdim), argmax, topk — PyTorch fixtures (ties, NaN, 0-size,
 * non-contiguous inputs), finite-difference gradients, argument errors.
 */
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index';
import { forEachBackend } from '../helpers/backends';
import type { Tensor } from '../helpers/fixtures';
import { gradcheck, randTensor as R } from '../helpers/gradcheck';
import { describeFixtureFamily } from '../helpers/op-cases';

describe('reductions match PyTorch fixtures', () => describeFixtureFamily('reduce'));

type Check = [name: string, inputs: () => Tensor[], fn: (...xs: Tensor[]) => Tensor];
type Pair = [Tensor, Tensor];

const distinct = { lo: -2, hi: 2, distinctBy: 0.05 };

const CHECKS: Check[] = [
  ['sum whole', () => [R([3, 4])], (a) => a.sum()],
  ['sum dim 1', () => [R([2, 3, 4])], (a) => a.sum(1)],
  ['sum dim -1 keepdim', () => [R([3, 4])], (a) => a.sum(-1, true)],
  ['sum of transposed dim 0', () => [R([3, 4])], (a) => a.transpose(0, 1).sum(0)],
  ['mean whole', () => [R([3, 4])], (a) => a.mean()],
  ['mean dim 0 keepdim', () => [R([3, 4])], (a) => a.mean(0, true)],
  ['max whole', () => [R([3, 4], distinct)], (a) => a.max() as Tensor],
  ['min whole', () => [R([3, 4], distinct)], (a) => a.min() as Tensor],
  ['max dim 1 values', () => [R([3, 4], distinct)], (a) => (a.max(1) as Pair)[0]],
  ['min dim 0 keepdim values', () => [R([3, 4], distinct)], (a) => (a.min(0, true) as Pair)[0]],
  ['topk largest values', () => [R([2, 6], distinct)], (a) => a.topk(3)[0]],
  ['topk smallest dim 0 values', () => [R([6, 2], distinct)], (a) => a.topk(2, 0, false)[0]],
  ['sum of squares (composed)', () => [R([5])], (a) => a.mul(a).sum()],
];

describe('reduction gradients match finite differences', () => {
  forEachBackend(() => {
    for (const [name, inputs, fn] of CHECKS) {
      it(name, () => gradcheck(name, fn, inputs()));
    }
  });
});

describe('reduction argument errors', () => {
  forEachBackend(() => {
    it('sum over an out-of-range dim throws naming the dim', () => {
      expect(() => torch.ones(2, 3).sum(2)).toThrow(/sum|dim/i);
    });
    it('topk with k larger than the dim throws', () => {
      expect(() => torch.ones(2, 3).topk(4)).toThrow(/topk/i);
    });
    it('max of an empty tensor throws', () => {
      expect(() => torch.zeros(0).max()).toThrow(/max/i);
    });
  });
});
