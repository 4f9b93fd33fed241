/**
 * nn.functional: PyTorch fixtures for every function form on every backend (values, grad_fn, gradients,
 * seeded dropout masks), the argument forms the modules and users pass, and the addmm op under linear.
 */
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index';
import { addmm } from '../../src/ops/linear';
import { forEachBackend } from '../helpers/backends';
import { expectValues } from '../helpers/compare';
import { expectOpError } from '../helpers/errors';
import type { Tensor } from '../helpers/fixtures';
import { gradcheck, randTensor as R } from '../helpers/gradcheck';
import { checkFunctional, functionalCases } from './nn-fixtures';

const { nn } = torch;
const F = nn.functional;

describe('nn.functional matches PyTorch fixtures', () => {
  const cases = functionalCases();
  expect(cases.length).toBeGreaterThan(0);
  forEachBackend(() => {
    for (const c of cases) it(c.name, () => checkFunctional(c));
  });
});

describe('argument forms', () => {
  forEachBackend(() => {
    it('dropout: (x, p, training), (x, p, { training }), (x, { p, training })', () => {
      const x = torch.ones(50);
      torch.manualSeed(5);
      const a = F.dropout(x, 0.3, true).tolist();
      torch.manualSeed(5);
      expect(F.dropout(x, 0.3, { training: true }).tolist()).toEqual(a);
      torch.manualSeed(5);
      expect(F.dropout(x, { p: 0.3 }).tolist()).toEqual(a);
      expect(F.dropout(x, { p: 0.3, training: false })).toBe(x);
      expect(F.dropout(x, 0.3, false)).toBe(x);
    });
    it('softmax and logSoftmax take the dim positionally or as { dim }', () => {
      const x = torch.tensor([[1, 2, 3], [0, 0, 0]]);
      expect(F.softmax(x, { dim: 1 }).tolist()).toEqual(F.softmax(x, 1).tolist());
      expect(F.logSoftmax(x, { dim: 0 }).tolist()).toEqual(x.logSoftmax(0).tolist());
    });
    it('softmax without a dim uses PyTorch\'s legacy choice (0 for 1-D and 3-D, else 1)', () => {
      const x2 = torch.tensor([[1, 2], [3, 5]]);
      expect(F.softmax(x2).tolist()).toEqual(x2.softmax(1).tolist());
      const x3 = torch.tensor([[[1, 2]], [[3, 5]]]);
      expect(new nn.Softmax().forward(x3).tolist()).toEqual(x3.softmax(0).tolist());
    });
    it('loss functions take a class weight tensor positionally', () => {
      const x = torch.tensor([[1, 2, 3], [0, 1, 0]]);
      const t = torch.LongTensor([2, 0]);
      const w = torch.tensor([1, 2, 3]);
      expect(F.crossEntropy(x, t, w).item()).toBe(F.crossEntropy(x, t, { weight: w }).item());
      expect(F.nllLoss(x, t, w).item()).toBe(F.nllLoss(x, t, { weight: w }).item());
    });
    it('embedding takes paddingIdx positionally or as an option', () => {
      const w = torch.tensor([[1, 2], [3, 4]], { requiresGrad: true });
      F.embedding(torch.LongTensor([0, 1]), w, 1).sum().backward();
      expect(w.grad!.tolist()).toEqual([[1, 1], [0, 0]]);
      expectOpError(() => F.embedding(torch.LongTensor([0]), w, { paddingIdx: 2 }), 'embedding');
    });
  });
});

describe('addmm (the fused op under Linear)', () => {
  forEachBackend(() => {
    it('bias [n], [1, n] and [m, n] give bias + mat1·mat2 and AddmmBackward0', () => {
      const a = torch.tensor([[1, 2], [3, 4], [5, 6]]);
      const b = torch.tensor([[1, 0, -1], [2, 1, 0]]);
      const product = [[5, 2, -1], [11, 4, -3], [17, 6, -5]];
      for (const bias of [torch.tensor([1, 2, 3]), torch.tensor([[1, 2, 3]]), torch.tensor([[1, 2, 3], [1, 2, 3], [1, 2, 3]])]) {
        const out = addmm(bias, a, b);
        expectValues(out, [3, 3], product.flat().map((v, i) => v + [1, 2, 3][i % 3]));
      }
      expect(addmm(torch.zeros(3).requiresGrad_(), a, b).gradFn).toBe('AddmmBackward0');
    });
    it('k = 0 gives the broadcast bias', () => {
      expectValues(addmm(torch.tensor([1, 2]), torch.zeros(3, 0), torch.zeros(0, 2)), [3, 2], [1, 2, 1, 2, 1, 2]);
    });
    it('gradients match finite differences for plain, transposed and strided operands', () => {
      gradcheck('addmm', (c, a, b) => addmm(c, a, b), [R([4]), R([3, 5]), R([5, 4])]);
      gradcheck('addmm transposed', (c, a, b) => addmm(c, a.T, b.T), [R([1, 4]), R([5, 3]), R([4, 5])]);
      gradcheck('addmm narrowed', (c, a, b) => addmm(c, a.narrow(1, 1, 5), b), [R([3, 4]), R([3, 7]), R([5, 4])]);
    });
    it('shape errors name the op and shapes', () => {
      expectOpError(() => addmm(torch.zeros(2), torch.zeros(3, 4), torch.zeros(5, 2)), 'addmm', [[3, 4], [5, 2]]);
      expectOpError(() => addmm(torch.zeros(3), torch.zeros(3, 4), torch.zeros(4, 2)), 'addmm', [[3], [3, 2]]);
    });
  });
});

describe('functional gradients match finite differences', () => {
  forEachBackend(() => {
    const checks: [string, () => Tensor[], (...xs: Tensor[]) => Tensor][] = [
      ['linear 4-D input', () => [R([2, 2, 2, 3]), R([4, 3]), R([4])], (x, w, b) => F.linear(x, w, b)],
      ['linear without bias on 3-D input', () => [R([2, 3, 4]), R([2, 4])], (x, w) => F.linear(x, w)],
    ];
    for (const [name, inputs, fn] of checks) it(name, () => gradcheck(name, fn, inputs()));
  });
});
