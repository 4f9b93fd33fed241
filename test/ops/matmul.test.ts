/**
 * Matrix products: matmul in every rank combination with batch broadcasting, mm, bmm — PyTorch fixtures
 * (transposed/permuted/expanded operands, 0-size, odd sizes), finite-difference gradients, shape errors.
 */
import { describe, it } from 'vitest';
import * as torch from '../../src/index';
import { forEachBackend } from '../helpers/backends';
import { expectOpError } from '../helpers/errors';
import type { Tensor } from '../helpers/fixtures';
import { gradcheck, randTensor as R } from '../helpers/gradcheck';
import { describeFixtureFamily } from '../helpers/op-cases';

describe('matrix products match PyTorch fixtures', () => describeFixtureFamily('matmul'));

type Check = [name: string, inputs: () => Tensor[], fn: (...xs: Tensor[]) => Tensor];
const matmul = (a: Tensor, b: Tensor) => a.matmul(b);

const CHECKS: Check[] = [
  ['matmul 1-D . 1-D', () => [R([4]), R([4])], matmul],
  ['matmul 2-D . 1-D', () => [R([3, 4]), R([4])], matmul],
  ['matmul 1-D . 2-D', () => [R([4]), R([4, 3])], matmul],
  ['matmul 2-D . 2-D', () => [R([3, 4]), R([4, 2])], matmul],
  ['matmul batched broadcast [2,1,2,3].[3,3,2]', () => [R([2, 1, 2, 3]), R([3, 3, 2])], matmul],
  ['matmul 3-D . 1-D', () => [R([2, 3, 4]), R([4])], matmul],
  ['matmul transposed operands', () => [R([4, 3]), R([2, 4])], (a, b) => a.T.matmul(b.T)],
  ['mm', () => [R([3, 5]), R([5, 2])], (a, b) => a.mm(b)],
  ['bmm', () => [R([2, 3, 4]), R([2, 4, 2])], (a, b) => a.bmm(b)],
  ['bmm permuted lhs', () => [R([3, 2, 4]), R([2, 4, 2])], (a, b) => a.permute(1, 0, 2).bmm(b)],
];

describe('matrix product gradients match finite differences', () => {
  forEachBackend(() => {
    for (const [name, inputs, fn] of CHECKS) {
      it(name, () => gradcheck(name, fn, inputs()));
    }
  });
});

describe('matrix product shape errors name the op and shapes', () => {
  forEachBackend(() => {
    it('matmul [2, 3] . [4, 5] throws', () => {
      expectOpError(() => torch.ones(2, 3).matmul(torch.ones(4, 5)), 'matmul', [[2, 3], [4, 5]]);
    });
    it('matmul 1-D [3] . [4] throws', () => {
      expectOpError(() => torch.ones(3).matmul(torch.ones(4)), 'matmul', [[3], [4]]);
    });
    it('matmul batch dims that do not broadcast throw', () => {
      expectOpError(() => torch.ones(2, 3, 4).matmul(torch.ones(3, 4, 5)), 'matmul', [[2, 3, 4], [3, 4, 5]]);
    });
    it('mm with a 1-D operand throws', () => {
      expectOpError(() => torch.ones(2, 3).mm(torch.ones(3)), 'mm', [[2, 3], [3]]);
    });
    it('mm inner size mismatch throws', () => {
      expectOpError(() => torch.ones(2, 3).mm(torch.ones(2, 3)), 'mm', [[2, 3]]);
    });
    it('bmm batch size mismatch throws', () => {
      expectOpError(() => torch.ones(2, 3, 4).bmm(torch.ones(3, 4, 5)), 'bmm', [[2, 3, 4], [3, 4, 5]]);
    });
  });
});
