import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index.js';
import { collectUntil, tick } from '../helpers/gc';

/**
 * The FinalizationRegistry backstop for tensors made before the first backward (no step clock yet): an
 * inference loop that drops its results without dispose() gets their memory back once its job has ended.
 * Registration is deferred and batched (src/storage.ts); these tests pin that it still happens, that what
 * the program holds is never freed, and that disposed tensors are not freed twice.
 * This file must not call backward(): the clock would start and new storages would be managed instead.
 */

function dropResults(count: number): void {
  for (let i = 0; i < count; i++) torch.ones(16).add(1);
}

describe('tensors dropped before the first backward are reclaimed by the backstop', () => {
  for (const backend of ['wasm', 'js'] as const) {
    it(`${backend}: dropped results are freed after the job ends; held and disposed ones are handled`, async () => {
      torch.setBackend(backend);
      await tick();
      const before = torch.memory().tensors;
      const held = torch.tensor([0, 1, 2, 3, 4]);
      const disposed = torch.ones(8);
      dropResults(1000); // more than one registration batch
      disposed.dispose();
      expect(torch.memory().tensors).toBe(before + 1 + 2000);
      await collectUntil(() => torch.memory().tensors <= before + 1);
      expect(torch.memory().tensors).toBe(before + 1);
      expect(held.tolist()).toEqual([0, 1, 2, 3, 4]);
      // a short job (fewer allocations than a batch) is registered at its end
      dropResults(3);
      await collectUntil(() => torch.memory().tensors <= before + 1);
      expect(torch.memory().tensors).toBe(before + 1);
      held.dispose();
      expect(torch.memory().tensors).toBe(before);
    });
  }
});
