/**
 * Elementwise maths: add sub mul div (tensor, scalar, alpha, broadcasting), neg pow exp log sqrt abs tanh
 * sigmoid relu clamp — PyTorch fixtures, finite-difference gradients, shape errors.
 */
import { describe, it } from 'vitest';
import * as torch from '../../src/index';
import { forEachBackend } from '../helpers/backends';
import { expectOpError } from '../helpers/errors';
import type { Tensor } from '../helpers/fixtures';
import { gradcheck, randTensor as R } from '../helpers/gradcheck';
import { describeFixtureFamily } from '../helpers/op-cases';

describe('elementwise ops match PyTorch fixtures', () => describeFixtureFamily('elementwise'));

type Check = [name: string, inputs: () => Tensor[], fn: (...xs: Tensor[]) => Tensor];

const positive = { lo: 0.5, hi: 2 };
const kinkFree = { lo: -1.5, hi: 1.5, awayFromZero: 0.2 };

const CHECKS: Check[] = [
  ['add broadcast both', () => [R([3, 1]), R([1, 4])], (a, b) => a.add(b)],
  ['add alpha', () => [R([2, 3]), R([3])], (a, b) => a.add(b, { alpha: -1.5 })],
  ['add scalar', () => [R([4])], (a) => a.add(2)],
  ['sub broadcast', () => [R([2, 3]), R([2, 1])], (a, b) => a.sub(b)],
  ['sub scalar', () => [R([4])], (a) => a.sub(0.5)],
  ['mul broadcast', () => [R([2, 3]), R([3])], (a, b) => a.mul(b)],
  ['mul self', () => [R([5])], (a) => a.mul(a)],
  ['mul scalar', () => [R([4])], (a) => a.mul(-3)],
  ['div broadcast', () => [R([2, 3]), R([3], positive)], (a, b) => a.div(b)],
  ['div scalar', () => [R([4])], (a) => a.div(4)],
  ['neg', () => [R([5])], (a) => a.neg()],
  ['pow 2', () => [R([5])], (a) => a.pow(2)],
  ['pow 3', () => [R([5])], (a) => a.pow(3)],
  ['pow 0.5', () => [R([5], positive)], (a) => a.pow(0.5)],
  ['pow -1', () => [R([5], positive)], (a) => a.pow(-1)],
  ['pow tensor exponent', () => [R([2, 3], positive), R([2, 3])], (a, b) => a.pow(b)],
  ['pow tensor exponent broadcast', () => [R([3, 1], positive), R([1, 2])], (a, b) => a.pow(b)],
  ['exp', () => [R([5])], (a) => a.exp()],
  ['log', () => [R([5], positive)], (a) => a.log()],
  ['sqrt', () => [R([5], positive)], (a) => a.sqrt()],
  ['abs', () => [R([6], kinkFree)], (a) => a.abs()],
  ['tanh', () => [R([6], { lo: -2, hi: 2 })], (a) => a.tanh()],
  ['sigmoid', () => [R([6], { lo: -3, hi: 3 })], (a) => a.sigmoid()],
  ['relu', () => [R([6], kinkFree)], (a) => a.relu()],
  ['clamp both', () => [R([8], { lo: -1, hi: 1, distinctBy: 0.03 })], (a) => a.clamp(-0.45, 0.55)],
  ['clamp min only', () => [R([8], kinkFree)], (a) => a.clamp(0)],
  ['chain tanh(a*b)+exp(a)', () => [R([2, 2]), R([2, 2])], (a, b) => a.mul(b).tanh().add(a.exp())],
  ['transposed operand', () => [R([3, 2]), R([2, 3])], (a, b) => a.transpose(0, 1).mul(b)],
];

describe('elementwise gradients match finite differences', () => {
  forEachBackend(() => {
    for (const [name, inputs, fn] of CHECKS) {
      it(name, () => gradcheck(name, fn, inputs()));
    }
  });
});

describe('elementwise shape errors name the op and shapes', () => {
  forEachBackend(() => {
    it('add of [2, 3] and [4] throws', () => {
      expectOpError(() => torch.ones(2, 3).add(torch.ones(4)), 'add', [[2, 3], [4]]);
    });
    it('mul of [2, 3] and [3, 2] throws', () => {
      expectOpError(() => torch.ones(2, 3).mul(torch.ones(3, 2)), 'mul', [[2, 3], [3, 2]]);
    });
    it('add_ cannot broadcast self: [3] += [2, 3] throws', () => {
      expectOpError(() => torch.ones(3).add_(torch.ones(2, 3)), 'add', [[3], [2, 3]]);
    });
  });
});
