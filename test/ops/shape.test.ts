/**
 * Shape ops: view reshape transpose T permute contiguous squeeze unsqueeze flatten expand narrow select get —
 * PyTorch fixtures (forward, gradients through views), finite differences, view semantics, shape errors.
 */
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index';
import { forEachBackend } from '../helpers/backends';
import { expectOpError } from '../helpers/errors';
import type { Tensor } from '../helpers/fixtures';
import { gradcheck, randTensor as R } from '../helpers/gradcheck';
import { describeFixtureFamily } from '../helpers/op-cases';

describe('shape ops match PyTorch fixtures', () => describeFixtureFamily('shape'));

type Check = [name: string, inputs: () => Tensor[], fn: (...xs: Tensor[]) => Tensor];
const weigh = (t: Tensor) => t.mul(t); // makes the checked function non-linear

const CHECKS: Check[] = [
  ['view', () => [R([2, 6])], (a) => weigh(a.view(3, -1))],
  ['reshape of transposed', () => [R([3, 4])], (a) => weigh(a.T.reshape(12))],
  ['transpose', () => [R([2, 3, 4])], (a) => weigh(a.transpose(0, 2))],
  ['permute', () => [R([2, 3, 4])], (a) => weigh(a.permute(1, 2, 0))],
  ['contiguous of permuted', () => [R([2, 3, 2])], (a) => weigh(a.permute(2, 0, 1).contiguous())],
  ['squeeze', () => [R([1, 3, 1])], (a) => weigh(a.squeeze())],
  ['unsqueeze', () => [R([3, 2])], (a) => weigh(a.unsqueeze(1))],
  ['flatten', () => [R([2, 3, 2])], (a) => weigh(a.flatten(1))],
  ['expand sums gradients', () => [R([3, 1])], (a) => weigh(a.expand(3, 4))],
  ['narrow', () => [R([4, 5])], (a) => weigh(a.narrow(1, 1, 3))],
  ['select', () => [R([4, 3])], (a) => weigh(a.select(0, -2))],
  ['get', () => [R([4, 3])], (a) => weigh(a.get(1))],
];

describe('shape op gradients match finite differences', () => {
  forEachBackend(() => {
    for (const [name, inputs, fn] of CHECKS) {
      it(name, () => gradcheck(name, fn, inputs()));
    }
  });
});

describe('views share storage with their base', () => {
  forEachBackend(() => {
    it('writing through a transposed view changes the base', () => {
      const base = torch.zeros(2, 3);
      base.T.select(0, 1).fill_(5);
      expect(base.tolist()).toEqual([[0, 5, 0], [0, 5, 0]]);
    });
    it('view and the original see the same writes', () => {
      const base = torch.zeros(6);
      const v = base.view(2, 3);
      base.narrow(0, 4, 2).fill_(1);
      expect(v.tolist()).toEqual([[0, 0, 0], [0, 1, 1]]);
    });
    it('iteration over dim 0 yields rows', () => {
      const rows = [...torch.tensor([[1, 2], [3, 4], [5, 6]])].map((r) => r.tolist());
      expect(rows).toEqual([[1, 2], [3, 4], [5, 6]]);
    });
  });
});

describe('shape errors name the op and shapes', () => {
  forEachBackend(() => {
    it('view of [2, 3] as [4] throws', () => {
      expectOpError(() => torch.ones(2, 3).view(4), 'view', [[2, 3], [4]]);
    });
    it('view with two -1 throws', () => {
      expectOpError(() => torch.ones(2, 3).view(-1, -1), 'view', [[-1, -1]]);
    });
    it('view of a non-contiguous transposed tensor as [6] throws (use reshape)', () => {
      expectOpError(() => torch.ones(2, 3).T.view(6), 'view', [[3, 2]]);
    });
    it('reshape of [2, 3] as [5] throws', () => {
      expectOpError(() => torch.ones(2, 3).reshape(5), 'reshape', [[2, 3], [5]]);
    });
    it('expand of [2, 3] to [4, 3] throws', () => {
      expectOpError(() => torch.ones(2, 3).expand(4, 3), 'expand', [[2, 3], [4, 3]]);
    });
    it('permute with a repeated dim throws', () => {
      expectOpError(() => torch.ones(2, 3).permute(0, 0), 'permute');
    });
    it('narrow past the end throws', () => {
      expectOpError(() => torch.ones(4).narrow(0, 3, 2), 'narrow', [[4]]);
    });
    it('select out of range throws', () => {
      expectOpError(() => torch.ones(2, 3).select(1, 3), 'select', [[2, 3]]);
    });
    it('transpose with an out-of-range dim throws', () => {
      expectOpError(() => torch.ones(2, 3).transpose(0, 2), 'transpose');
    });
  });
});
