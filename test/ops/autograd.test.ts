/**
 * Autograd behaviour, as PyTorch: accumulation in .grad, freeing the graph after backward unless
 * retainGraph, noGrad, detach, retainGrad, .grad assignment, isLeaf, explicit upstream gradients.
 */
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index';
import { forEachBackend } from '../helpers/backends';
import { expectValues } from '../helpers/compare';

describe('autograd behaviour', () => {
  forEachBackend(() => {
    it('gradients accumulate across two backward calls', () => {
      const x = torch.tensor([1, 2, 3], { requiresGrad: true });
      x.mul(x).sum().backward();
      x.mul(3).sum().backward();
      expectValues(x.grad!, [3], [5, 7, 9], 'x.grad after two backward calls');
    });

    it('a variable used twice gets the sum of both paths', () => {
      const x = torch.tensor([0.5, -1], { requiresGrad: true });
      x.mul(x).add(x).sum().backward();
      expectValues(x.grad!, [2], [2, -1], 'd(x*x + x)/dx');
    });

    it('backward a second time without retainGraph throws', () => {
      const x = torch.tensor([1, 2], { requiresGrad: true });
      const y = x.tanh().mul(x).sum();
      y.backward();
      expect(() => y.backward()).toThrow(/backward|graph|retain/i);
    });

    it('backward twice with retainGraph doubles the gradient', () => {
      const x = torch.tensor([1, 2], { requiresGrad: true });
      const y = x.mul(x).sum();
      y.backward(undefined, { retainGraph: true });
      y.backward();
      expectValues(x.grad!, [2], [4, 8], 'x.grad after retained double backward');
    });

    it('noGrad results do not require grad and have no gradFn', () => {
      const x = torch.tensor([1, 2], { requiresGrad: true });
      const y = torch.noGrad(() => x.mul(2).add(1));
      expect(y.requiresGrad).toBe(false);
      expect(y.gradFn).toBeNull();
      expect(y.isLeaf).toBe(true);
      expect(y.tolist()).toEqual([3, 5]);
    });

    it('noGrad restores tracking afterwards, even when the body throws', () => {
      const x = torch.tensor([1, 2], { requiresGrad: true });
      expect(() => torch.noGrad(() => {
        throw new Error('boom');
      })).toThrow('boom');
      expect(x.mul(2).requiresGrad).toBe(true);
    });

    it('detach gives a leaf that does not require grad, with the same values', () => {
      const x = torch.tensor([1, 2], { requiresGrad: true });
      const d = x.mul(2).detach();
      expect(d.requiresGrad).toBe(false);
      expect(d.gradFn).toBeNull();
      expect(d.isLeaf).toBe(true);
      expect(d.tolist()).toEqual([2, 4]);
      expect(d.mul(x).gradFn).toBe('MulBackward0');
    });

    it('detached branches do not receive gradient', () => {
      const x = torch.tensor([1, 2], { requiresGrad: true });
      x.mul(x.detach()).sum().backward();
      expectValues(x.grad!, [2], [1, 2], 'grad through x * x.detach()');
    });

    it('retainGrad keeps the gradient of a non-leaf', () => {
      const x = torch.tensor([1, 2, 3], { requiresGrad: true });
      const h = x.mul(2);
      h.retainGrad();
      const other = x.mul(3);
      h.mul(h).sum().add(other.sum()).backward();
      expectValues(h.grad!, [3], [4, 8, 12], 'h.grad (retained)');
      expect(other.grad ?? null).toBeNull();
    });

    it('.grad is null before backward, assignable, and accumulates onto an assigned value', () => {
      const x = torch.tensor([1, 2], { requiresGrad: true });
      expect(x.grad ?? null).toBeNull();
      x.grad = torch.tensor([10, 20]);
      x.sum().backward();
      expectValues(x.grad!, [2], [11, 21], 'x.grad accumulated onto an assigned gradient');
      x.grad = null;
      expect(x.grad ?? null).toBeNull();
      x.sum().backward();
      expectValues(x.grad!, [2], [1, 1], 'x.grad after reset to null');
    });

    it('.grad can be zeroed in place', () => {
      const x = torch.tensor([1, 2], { requiresGrad: true });
      x.mul(x).sum().backward();
      x.grad!.zero_();
      expectValues(x.grad!, [2], [0, 0], 'zeroed grad');
    });

    it('isLeaf: user tensors and results of ops on non-grad tensors are leaves', () => {
      const x = torch.tensor([1, 2], { requiresGrad: true });
      const c = torch.tensor([3, 4]);
      expect(x.isLeaf).toBe(true);
      expect(c.isLeaf).toBe(true);
      expect(c.mul(2).isLeaf).toBe(true);
      const y = x.mul(c);
      expect(y.isLeaf).toBe(false);
      expect(y.requiresGrad).toBe(true);
      expect(y.gradFn).toBe('MulBackward0');
    });

    it('requiresGrad_ turns a tensor into a tracked leaf', () => {
      const x = torch.ones(2).requiresGrad_();
      expect(x.requiresGrad).toBe(true);
      x.mul(4).sum().backward();
      expectValues(x.grad!, [2], [4, 4], 'grad of a requiresGrad_ leaf');
    });

    it('backward with an explicit gradient for a non-scalar output', () => {
      const x = torch.tensor([[1, 2], [3, 4]], { requiresGrad: true });
      const y = x.mul(3);
      y.backward(torch.tensor([[1, 0.5], [-1, 2]]));
      expectValues(x.grad!, [2, 2], [3, 1.5, -3, 6], 'x.grad from an explicit upstream gradient');
    });

    it('backward with an explicit gradient for a 0-d output scales the gradient', () => {
      const x = torch.tensor([1, 2], { requiresGrad: true });
      x.sum().backward(torch.tensor(2));
      expectValues(x.grad!, [2], [2, 2], 'x.grad scaled by a 0-d gradient');
    });

    it('a non-scalar backward without a gradient throws', () => {
      const x = torch.tensor([1, 2], { requiresGrad: true });
      expect(() => x.mul(2).backward()).toThrow(/scalar|gradient/i);
    });

    it('backward on a tensor that does not require grad throws', () => {
      expect(() => torch.tensor([1, 2]).sum().backward()).toThrow(/grad/i);
    });

    it('backward with a gradient of the wrong shape throws', () => {
      const x = torch.tensor([1, 2], { requiresGrad: true });
      expect(() => x.mul(2).backward(torch.ones(3))).toThrow(/backward|shape|gradient/i);
    });

    it('gradients of a broadcast operand are reduced to its shape', () => {
      const a = torch.tensor([[1], [2]], { requiresGrad: true });
      const b = torch.tensor([1, 2, 3], { requiresGrad: true });
      a.mul(b).sum().backward();
      expectValues(a.grad!, [2, 1], [6, 6], 'a.grad');
      expectValues(b.grad!, [3], [3, 3, 3], 'b.grad');
    });

    it('leaves not reached by backward keep a null grad', () => {
      const x = torch.tensor([1, 2], { requiresGrad: true });
      const unused = torch.tensor([1, 2], { requiresGrad: true });
      x.sum().backward();
      expect(unused.grad ?? null).toBeNull();
    });
  });
});
