/** toString() and util.inspect print exactly as PyTorch's str(tensor) (fixtures from gen_printing.py). */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { forEachBackend } from '../helpers/backends';
import { loadPrintCases, makeTensor, type PrintCase, type Tensor } from '../helpers/fixtures';

function build(c: PrintCase): Tensor {
  const leaf = makeTensor(c, { requiresGrad: c.requiresGrad });
  if (!c.op) return leaf;
  const [name, ...args] = c.op;
  return (leaf as unknown as Record<string, (...a: number[]) => Tensor>)[name](...args);
}

describe('printing matches PyTorch str()', () => {
  forEachBackend(() => {
    for (const c of loadPrintCases()) {
      it(`${c.name}: toString`, () => {
        expect(build(c).toString()).toBe(c.str);
      });
      it(`${c.name}: util.inspect`, () => {
        expect(inspect(build(c))).toBe(c.str);
      });
    }
  });
});
