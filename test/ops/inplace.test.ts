/**
 * In-place ops on tensors that do not require grad: add_ (alpha) sub_ mul_ div_ zero_ fill_ copy_ clamp_ —
 * PyTorch fixtures (including writes through views), returning the receiver, and in-place misuse errors.
 */
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index';
import { forEachBackend } from '../helpers/backends';
import { expectOpError } from '../helpers/errors';
import { describeFixtureFamily } from '../helpers/op-cases';

describe('in-place ops match PyTorch fixtures', () => describeFixtureFamily('inplace'));

describe('in-place semantics', () => {
  forEachBackend(() => {
    it('in-place on a leaf that requires grad throws', () => {
      const x = torch.ones(3, { requiresGrad: true });
      expect(() => x.add_(1)).toThrow(/leaf|in-place|requires/i);
    });
    it('in-place ops are allowed under noGrad on a leaf that requires grad (optimizer updates)', () => {
      const x = torch.ones(3, { requiresGrad: true });
      torch.noGrad(() => x.sub_(torch.tensor([1, 2, 3]), { alpha: 0.5 }));
      expect(x.tolist()).toEqual([0.5, 0, -0.5]);
      expect(x.requiresGrad).toBe(true);
      expect(x.isLeaf).toBe(true);
    });
    it('add_ / sub_ with alpha give the bits of t + other·alpha computed in two steps, for every layout of other', () => {
      torch.manualSeed(11);
      const cases: [number[], () => torch.Tensor][] = [
        [[1037], () => torch.randn(1037)], // the unrolled body, then the tail
        [[5], () => torch.randn(5)],
        [[1], () => torch.randn(1)],
        [[], () => torch.randn([])],
        [[7, 9], () => torch.randn(9)], // broadcast over rows
        [[7, 9], () => torch.randn(9, 7).t()], // strided
        [[4, 6], () => torch.randint(-5, 5, [4, 6])], // int64 other
      ];
      for (const [shape, make] of cases) {
        for (const alpha of [-0.005, 0.5, 3, -1]) {
          const base = torch.randn(...shape);
          const other = make();
          const two = base.add(other.mul(alpha));
          const plus = base.clone().add_(other, { alpha });
          const minus = base.clone().sub_(other, { alpha: -alpha });
          const bits = (t: torch.Tensor) => Array.from(new Uint32Array(Float32Array.from(t.toArray()).buffer));
          expect(bits(plus)).toEqual(bits(two));
          expect(bits(minus)).toEqual(bits(two));
        }
      }
    });
    it('in-place through .data is not tracked', () => {
      const x = torch.ones(2, { requiresGrad: true });
      x.data.mul_(3);
      expect(x.tolist()).toEqual([3, 3]);
      expect(x.gradFn).toBeNull();
    });
    it('assigning .data replaces the values and keeps the parameter a leaf', () => {
      const x = torch.ones(1, 2, { requiresGrad: true });
      x.data = torch.Tensor([[-1, 3]]);
      expect(x.tolist()).toEqual([[-1, 3]]);
      expect(x.requiresGrad).toBe(true);
      expect(x.isLeaf).toBe(true);
    });
    it('copy_ of a mismatched shape throws naming both shapes', () => {
      expectOpError(() => torch.zeros(2, 3).copy_(torch.ones(4)), 'copy_', [[2, 3], [4]]);
    });
  });
});
