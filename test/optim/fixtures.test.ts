/** Optimizer trajectories against PyTorch 1.13 (test/fixtures/optim.json), on every backend. */
import { describe, it } from 'vitest';
import { forEachBackend } from '../helpers/backends';
import { expectStateDictLike, loadOptimCases, replayOptimCase } from './optim-fixtures';

describe('optimizers match PyTorch 1.13 step by step', () => {
  forEachBackend(() => {
    for (const c of loadOptimCases()) {
      it(c.name, () => {
        const { optimizer } = replayOptimCase(c);
        expectStateDictLike(optimizer.stateDict(), c.stateDict, c.name);
      });
    }
  });
});
