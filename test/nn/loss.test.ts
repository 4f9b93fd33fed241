/**
 * Losses (CrossEntropyLoss, NLLLoss, MSELoss): PyTorch fixtures for every reduction, ignoreIndex, label
 * smoothing, class weights, N-d inputs and probability targets on every backend; finite-difference
 * gradients; target validation before any kernel runs; option checking; state-dict buffers.
 */
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index';
import { forEachBackend } from '../helpers/backends';
import { expectOpError } from '../helpers/errors';
import { gradcheck, randTensor as R } from '../helpers/gradcheck';
import type { Tensor } from '../helpers/fixtures';
import { describeModuleCases, moduleCases } from './nn-fixtures';

const { nn } = torch;
const LOSSES = ['CrossEntropyLoss', 'NLLLoss', 'MSELoss'];

describe('losses match PyTorch fixtures', () => describeModuleCases(moduleCases((c) => LOSSES.includes(c.module))));

type Check = [name: string, inputs: () => Tensor[], fn: (...xs: Tensor[]) => Tensor];
const F = nn.functional;
const T4 = () => torch.LongTensor([1, 0, 4, 2]);
const IGN = () => torch.LongTensor([1, -100, 4, 2]);
const W = () => torch.tensor([0.5, 1, 2, 0.25, 1.5]);
const wide = { lo: -2, hi: 2 };

const CHECKS: Check[] = [
  ['crossEntropy mean', () => [R([4, 5], wide)], (x) => F.crossEntropy(x, T4())],
  ['crossEntropy sum with ignored', () => [R([4, 5], wide)], (x) => F.crossEntropy(x, IGN(), { reduction: 'sum' })],
  ['crossEntropy none, weight', () => [R([4, 5], wide)], (x) => F.crossEntropy(x, T4(), { reduction: 'none', weight: W() })],
  ['crossEntropy mean, smoothing 0.2, weight, ignored', () => [R([4, 5], wide)],
    (x) => F.crossEntropy(x, IGN(), { labelSmoothing: 0.2, weight: W() })],
  ['crossEntropy 3-D none, smoothing', () => [R([2, 3, 4], wide)],
    (x) => F.crossEntropy(x, torch.LongTensor([[0, 2, 1, 1], [2, 2, 0, -100]]), { reduction: 'none', labelSmoothing: 0.1 })],
  ['crossEntropy 1-D input', () => [R([5], wide)], (x) => F.crossEntropy(x, torch.LongTensor(3 as never))],
  ['crossEntropy probabilities, both inputs', () => [R([3, 4], wide), R([3, 4], { lo: 0, hi: 1 })], (x, p) => F.crossEntropy(x, p)],
  ['nllLoss mean, weight, ignoreIndex 0', () => [R([4, 5], wide)], (x) => F.nllLoss(x, T4(), { weight: W(), ignoreIndex: 0 })],
  ['nllLoss 4-D none', () => [R([2, 3, 2, 2], wide)],
    (x) => F.nllLoss(x, torch.LongTensor([[[0, 2], [1, 1]], [[2, 0], [0, 1]]]), { reduction: 'none' })],
  ['mseLoss mean, both inputs', () => [R([3, 4]), R([3, 4])], (a, b) => F.mseLoss(a, b)],
  ['mseLoss sum, broadcast target', () => [R([3, 4]), R([4])], (a, b) => F.mseLoss(a, b, { reduction: 'sum' })],
];

describe('loss gradients match finite differences', () => {
  forEachBackend(() => {
    for (const [name, inputs, fn] of CHECKS) it(name, () => gradcheck(name, fn, inputs()));
  });
});

describe('losses as modules', () => {
  forEachBackend(() => {
    it('a class weight is a state-dict buffer named weight, and loads', () => {
      const loss = new nn.CrossEntropyLoss(torch.tensor([1, 2, 3]), { reduction: 'sum' });
      expect(Object.keys(loss.stateDict())).toEqual(['weight']);
      expect(loss.reduction).toBe('sum');
      loss.loadStateDict({ weight: torch.tensor([1, 1, 1]) });
      const x = torch.tensor([[1, 2, 3]]);
      expect(loss.forward(x, torch.LongTensor([2])).item()).toBeCloseTo(F.crossEntropy(x, torch.LongTensor([2])).item(), 6);
      expect(Object.keys(new nn.NLLLoss().stateDict())).toEqual([]);
    });
    it('options are stored under camelCase names', () => {
      const loss = new nn.CrossEntropyLoss({ ignoreIndex: 3, labelSmoothing: 0.1, reduction: 'none' });
      expect([loss.ignoreIndex, loss.labelSmoothing, loss.reduction]).toEqual([3, 0.1, 'none']);
      expect(new nn.NLLLoss({ weight: torch.ones(2) }).stateDict().weight.shape).toEqual([2]);
    });
  });
});

describe('loss misuse throws before any kernel runs', () => {
  forEachBackend(() => {
    it('out-of-range class index: clear error, nothing allocated', () => {
      const x = torch.zeros(3, 4);
      const before = torch.memory().tensors;
      const e = expectOpError(() => F.crossEntropy(x, torch.LongTensor([1, 4, 0])), 'crossEntropy', [[3, 4], [3]]);
      expect(e.message).toContain('target 4 is out of bounds for 4 classes');
      expect(torch.memory().tensors).toBe(before + 1); // the target tensor itself
    });
    it('negative class index other than ignoreIndex', () => {
      expectOpError(() => new nn.CrossEntropyLoss().forward(torch.zeros(2, 3), torch.LongTensor([-1, 0])), 'crossEntropy');
      expectOpError(() => F.nllLoss(torch.zeros(2, 3), torch.LongTensor([0, 3]), { ignoreIndex: 0 }), 'nllLoss');
    });
    it('target shape that does not match the input', () => {
      expectOpError(() => F.crossEntropy(torch.zeros(3, 4), torch.LongTensor([1, 2])), 'crossEntropy', [[2], [3, 4], [3]]);
      expectOpError(() => F.crossEntropy(torch.zeros(2, 4, 3), torch.LongTensor([[1, 2]])), 'crossEntropy', [[1, 2], [2, 4, 3]]);
      expectOpError(() => F.nllLoss(torch.zeros(4), torch.LongTensor([1])), 'nllLoss', [[1], [4]]);
    });
    it('float class indices, int64 probabilities, bad weight', () => {
      expectOpError(() => F.crossEntropy(torch.zeros(2, 3), torch.tensor([1, 2])), 'crossEntropy');
      expectOpError(() => F.crossEntropy(torch.zeros(2, 3), torch.LongTensor([[1, 0, 0], [0, 1, 0]])), 'crossEntropy', [[2, 3]]);
      expectOpError(() => F.crossEntropy(torch.zeros(2, 3), torch.LongTensor([1, 2]), { weight: torch.ones(2) }), 'crossEntropy', [[2]]);
      expectOpError(() => F.mseLoss(torch.zeros(2), torch.LongTensor([1, 2])), 'mseLoss', [[2]]);
      expectOpError(() => F.mseLoss(torch.zeros(2), torch.zeros(3)), 'mseLoss', [[2], [3]]);
    });
    it('bad options', () => {
      expectOpError(() => new nn.CrossEntropyLoss({ reduction: 'avg' as never }), 'CrossEntropyLoss');
      expectOpError(() => new nn.CrossEntropyLoss({ labelSmoothing: 1.5 }), 'CrossEntropyLoss');
      expectOpError(() => new nn.CrossEntropyLoss({ ignoreIndx: 1 } as never), 'CrossEntropyLoss');
      expectOpError(() => new nn.NLLLoss({ ignoreIndex: 0.5 }), 'NLLLoss');
      expectOpError(() => new nn.MSELoss({ reduction: 'max' as never }), 'MSELoss');
      expectOpError(() => F.crossEntropy(torch.zeros(2, 3), torch.LongTensor([1, 2]), { reduction: 'avg' as never }), 'crossEntropy');
      expectOpError(() => F.crossEntropy(torch.zeros(2, 3), torch.LongTensor([1, 2]), { ignoreIdx: 1 } as never), 'crossEntropy');
      expectOpError(() => F.mseLoss(torch.zeros(2), torch.zeros(2), { reduce: false } as never), 'mseLoss');
    });
  });
});
