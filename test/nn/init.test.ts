/**
 * nn.init: every initialiser against PyTorch after the same seed (same draws, same bounds), the gains,
 * the fan computation, and use on parameters that require grad.
 */
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index';
import { forEachBackend } from '../helpers/backends';
import { expectOpError } from '../helpers/errors';
import { checkInitFn, gainCases, initCases } from './nn-fixtures';

const { nn } = torch;

describe('nn.init matches PyTorch after the same seed', () => {
  forEachBackend(() => {
    for (const c of initCases()) it(c.name, () => checkInitFn(c));
  });
});

describe('nn.init helpers', () => {
  it('calculateGain matches PyTorch', () => {
    for (const c of gainCases()) {
      expect(nn.init.calculateGain(c.nonlinearity as never, c.param), c.name).toBeCloseTo(c.value, 14);
    }
  });
  forEachBackend(() => {
    it('fan in and fan out count the receptive field', () => {
      expect(nn.init.calculateFanInAndFanOut(torch.empty(4, 3))).toEqual([3, 4]);
      expect(nn.init.calculateFanInAndFanOut(torch.empty(8, 2, 3, 5))).toEqual([30, 120]);
      expectOpError(() => nn.init.calculateFanInAndFanOut(torch.empty(4)), 'init', [[4]]);
    });
    it('initialisers work on parameters that require grad and record nothing', () => {
      const p = new nn.Parameter(torch.empty(3, 4));
      nn.init.xavierUniform_(p);
      nn.init.zeros_(p);
      expect(p.isLeaf && p.requiresGrad && p.gradFn === null).toBe(true);
      expect(Array.from(p.toArray())).toEqual(new Array(12).fill(0));
    });
    it('bad modes and nonlinearities throw', () => {
      expectOpError(() => nn.init.kaimingUniform_(torch.empty(2, 2), { mode: 'fan_avg' as never }), 'kaimingUniform_');
      expectOpError(() => nn.init.calculateGain('swish' as never), 'calculateGain');
    });
  });
});
