/**
 * Reading the PyTorch reference fixtures (test/fixtures/*.json, written by scripts/fixtures/*.py) and
 * replaying a recorded op case against wasmtorch. The case format is documented in
 * scripts/fixtures/fixture_lib.py; this file is its only reader.
 */
import { readFileSync } from 'node:fs';
import * as torch from '../../src/index';

export type Tensor = ReturnType<typeof torch.tensor>;

/** A fixture number: non-finite values are the strings "NaN", "Infinity", "-Infinity". */
export type FixtureNumber = number | string;

export interface FixtureTensor {
  shape: number[];
  dtype?: 'float32' | 'int64';
  values: FixtureNumber[];
}

export interface FixtureInput extends FixtureTensor {
  dtype: 'float32' | 'int64';
  requiresGrad: boolean;
  /** view ops applied to the leaf, in order, before the op: [name, ...args] */
  view?: [string, ...unknown[]][];
}

export interface FixtureOutput extends FixtureTensor {
  dtype: 'float32' | 'int64';
  requiresGrad: boolean;
}

export interface Tolerance {
  rtol: number;
  atol: number;
}

export interface OpCase {
  name: string;
  family: string;
  op: string;
  call: 'method' | 'torch' | 'property';
  args: unknown[];
  inputs: FixtureInput[];
  outputs: FixtureOutput[];
  multi?: boolean;
  inplace?: boolean;
  base?: FixtureTensor;
  unordered?: boolean;
  tol?: Tolerance;
  gradFn: string | null;
  gradOutput?: number;
  upstream: FixtureTensor | null;
  grads: (FixtureTensor | null)[] | null;
}

export interface PrintCase extends FixtureTensor {
  name: string;
  dtype: 'float32' | 'int64';
  requiresGrad: boolean;
  op?: [string, ...number[]];
  str: string;
}

function readFixture<T>(file: string): T {
  const url = new URL(`../fixtures/${file}`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as T;
}

let opCases: OpCase[] | null = null;

/** All op cases, or those of one family ('elementwise', 'reduce', 'matmul', ...). */
export function loadOpCases(family?: string): OpCase[] {
  opCases ??= readFixture<{ cases: OpCase[] }>('ops.json').cases;
  return family === undefined ? opCases : opCases.filter((c) => c.family === family);
}

export function loadPrintCases(): PrintCase[] {
  return readFixture<{ cases: PrintCase[] }>('printing.json').cases;
}

export function decodeNumber(v: FixtureNumber): number {
  return typeof v === 'number' ? v : Number(v);
}

export function decodeValues(values: FixtureNumber[]): number[] {
  return values.map(decodeNumber);
}

/** Nested arrays of `shape` from flat row-major values; a 0-d shape gives the bare number. */
export function nest(flat: number[], shape: number[]): unknown {
  if (shape.length === 0) return flat[0];
  const [n, ...rest] = shape;
  const step = rest.reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, (_, i) => nest(flat.slice(i * step, (i + 1) * step), rest));
}

/** A leaf tensor with exactly the fixture's shape, dtype and values. */
export function makeTensor(
  t: FixtureTensor,
  options: { requiresGrad?: boolean; dtype?: 'float32' | 'int64' } = {},
): Tensor {
  const dtype = options.dtype ?? t.dtype ?? 'float32';
  const requiresGrad = options.requiresGrad ?? false;
  const numel = t.shape.reduce((a, b) => a * b, 1);
  if (numel === 0) {
    // nested arrays cannot express a 0-size shape such as [0, 3]
    return torch.zeros(t.shape, { dtype, requiresGrad } as never);
  }
  return torch.tensor(nest(decodeValues(t.values), t.shape) as never, { dtype, requiresGrad });
}

type AnyFn = (...args: unknown[]) => unknown;

function callMethod(target: Tensor, name: string, args: unknown[]): unknown {
  if (name === 'T') return target.T;
  const method = (target as unknown as Record<string, unknown>)[name];
  if (typeof method !== 'function') throw new Error(`fixture replay: Tensor has no method ${name}`);
  return (method as AnyFn).apply(target, args);
}

export function applyViews(t: Tensor, views: FixtureInput['view']): Tensor {
  let out = t;
  for (const [name, ...args] of views ?? []) out = callMethod(out, name, args) as Tensor;
  return out;
}

/** Fixture args -> JS args: {"$t": i} -> operand i, null -> undefined, "NaN"/"Infinity" strings -> numbers. */
export function decodeArg(a: unknown, operands: Tensor[]): unknown {
  if (a === null) return undefined;
  if (typeof a === 'string') return Number(a);
  if (Array.isArray(a)) return a.map((x) => decodeArg(x, operands));
  if (typeof a === 'object') {
    const obj = a as Record<string, unknown>;
    if ('$t' in obj) return operands[obj.$t as number];
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, decodeArg(v, operands)]));
  }
  return a;
}

export interface Replay {
  leaves: Tensor[];
  operands: Tensor[];
  result: unknown;
  outputs: Tensor[];
}

/** Builds the case's inputs (leaves, then views) and calls the op as the fixture describes. */
export function replay(c: OpCase): Replay {
  const leaves = c.inputs.map((inp) => makeTensor(inp, { requiresGrad: inp.requiresGrad }));
  const operands = leaves.map((leaf, i) => applyViews(leaf, c.inputs[i].view));
  const args = c.args.map((a) => decodeArg(a, operands));
  let result: unknown;
  if (c.call === 'torch') {
    const fn = (torch as unknown as Record<string, unknown>)[c.op];
    if (typeof fn !== 'function') throw new Error(`fixture replay: torch has no function ${c.op}`);
    result = (fn as AnyFn)(...args);
  } else if (c.call === 'property') {
    result = (operands[0] as unknown as Record<string, unknown>)[c.op];
  } else {
    result = callMethod(operands[0], c.op, args);
  }
  const outputs = c.multi ? (result as Tensor[]) : [result as Tensor];
  return { leaves, operands, result, outputs };
}

/** Display form of a case's op call, for failure messages: `x.add(y, {"alpha":2})`. */
export function describeCall(c: OpCase): string {
  const views = c.inputs.map((inp, i) =>
    `in${i}: ${inp.dtype}[${inp.shape.join(', ')}]${inp.requiresGrad ? ' grad' : ''}` +
    (inp.view ? ` .${inp.view.map(([n, ...a]) => `${n}(${a.join(', ')})`).join('.')}` : ''));
  return `${c.call === 'torch' ? 'torch.' : 'in0.'}${c.op}(${JSON.stringify(c.args)}) with ${views.join('; ')}`;
}
