/** softmax / logSoftmax over every dim position — PyTorch fixtures and finite-difference gradients. */
import { describe, it } from 'vitest';
import { forEachBackend } from '../helpers/backends';
import type { Tensor } from '../helpers/fixtures';
import { gradcheck, randTensor as R } from '../helpers/gradcheck';
import { describeFixtureFamily } from '../helpers/op-cases';

describe('softmax and logSoftmax match PyTorch fixtures', () => describeFixtureFamily('softmax'));

type Check = [name: string, inputs: () => Tensor[], fn: (...xs: Tensor[]) => Tensor];
const wide = { lo: -2, hi: 2 };

const CHECKS: Check[] = [
  ['softmax dim -1', () => [R([3, 4], wide)], (a) => a.softmax(-1)],
  ['softmax dim 0', () => [R([3, 4], wide)], (a) => a.softmax(0)],
  ['softmax middle dim of 3-D', () => [R([2, 3, 2], wide)], (a) => a.softmax(1)],
  ['logSoftmax dim 1', () => [R([3, 4], wide)], (a) => a.logSoftmax(1)],
  ['logSoftmax dim 0 of transposed', () => [R([4, 3], wide)], (a) => a.T.logSoftmax(0)],
];

describe('softmax gradients match finite differences', () => {
  forEachBackend(() => {
    for (const [name, inputs, fn] of CHECKS) {
      it(name, () => gradcheck(name, fn, inputs()));
    }
  });
});
