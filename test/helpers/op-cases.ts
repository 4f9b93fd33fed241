/**
 * Table-driven parity tests from test/fixtures/ops.json: for every case of a family and every backend,
 * `forward` (outputs: shape, dtype, values, requiresGrad; in-place identity and base), `backward`
 * (leaf gradients for the recorded upstream gradient) and `gradFn` (PyTorch's grad_fn class name).
 */
import { describe, expect, it } from 'vitest';
import { forEachBackend } from './backends';
import { expectTensorClose, FLOAT32_TOL } from './compare';
import { decodeValues, describeCall, loadOpCases, makeTensor, replay, type OpCase, type Tensor } from './fixtures';

/** topk(sorted=false): order is unspecified, so compare rows as sets of (value, index) sorted by index. */
function sortRowsByIndex(values: number[], indices: number[], k: number): [number[], number[]] {
  const outV: number[] = [];
  const outI: number[] = [];
  for (let r = 0; r * k < values.length; r++) {
    const pairs = indices.slice(r * k, r * k + k).map((ix, j) => [ix, values[r * k + j]]);
    pairs.sort((a, b) => a[0] - b[0]);
    for (const [ix, v] of pairs) {
      outI.push(ix);
      outV.push(v);
    }
  }
  return [outV, outI];
}

function checkUnorderedTopk(c: OpCase, outputs: Tensor[]): void {
  const k = c.outputs[0].shape.at(-1) ?? 0;
  const [gotV, gotI] = sortRowsByIndex(Array.from(outputs[0].toArray()), Array.from(outputs[1].toArray()), k);
  const [expV, expI] = sortRowsByIndex(decodeValues(c.outputs[0].values), decodeValues(c.outputs[1].values), k);
  expect(gotI, `${c.name}: indices as a set`).toEqual(expI);
  expectTensorClose(
    makeTensor({ shape: [gotV.length], values: gotV }), { shape: [expV.length], values: expV },
    `${c.name}: values as a set`, c.tol ?? FLOAT32_TOL);
}

export function checkForward(c: OpCase): void {
  const { result, outputs, operands, leaves } = replay(c);
  const tol = c.tol ?? FLOAT32_TOL;
  expect(Array.isArray(result), `${c.name}: returns an array`).toBe(Boolean(c.multi));
  expect(outputs.length, `${c.name}: number of outputs`).toBe(c.outputs.length);
  if (c.unordered) {
    checkUnorderedTopk(c, outputs);
  } else {
    c.outputs.forEach((exp, k) => expectTensorClose(outputs[k], exp, `${c.name}: output ${k}`, tol));
  }
  c.outputs.forEach((exp, k) =>
    expect(outputs[k].requiresGrad, `${c.name}: output ${k} requiresGrad`).toBe(exp.requiresGrad));
  if (c.inplace) {
    expect(result === operands[0], `${c.name}: in-place op returns its receiver`).toBe(true);
    if (c.base) expectTensorClose(leaves[0], c.base, `${c.name}: base tensor after writing through a view`, tol);
  }
}

export function checkBackward(c: OpCase): void {
  if (!c.upstream || !c.grads) return;
  const { outputs, leaves } = replay(c);
  const out = outputs[c.gradOutput ?? 0];
  out.backward(makeTensor(c.upstream));
  c.grads.forEach((exp, i) => {
    const label = `${c.name}: grad of input ${i}`;
    if (exp === null) expect(leaves[i].grad ?? null, label).toBeNull();
    else expectTensorClose(leaves[i].grad, exp, label, c.tol ?? FLOAT32_TOL);
  });
}

export function checkGradFn(c: OpCase): void {
  const { outputs } = replay(c);
  expect(outputs[c.gradOutput ?? 0].gradFn ?? null, `${c.name}: gradFn`).toBe(c.gradFn);
}

/** Registers forward/backward/gradFn tests for every fixture case of `family` on every backend. */
export function describeFixtureFamily(family: string): void {
  const cases = loadOpCases(family);
  if (cases.length === 0) throw new Error(`no fixture cases for family ${family}`);
  forEachBackend(() => {
    for (const c of cases) {
      describe(c.name, () => {
        const call = describeCall(c);
        it(`forward matches PyTorch — ${call}`, () => checkForward(c));
        if (c.upstream) it('backward matches PyTorch', () => checkBackward(c));
        if (c.gradFn !== null) it(`gradFn is ${c.gradFn}`, () => checkGradFn(c));
      });
    }
  });
}
