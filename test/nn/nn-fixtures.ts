/**
 * Replaying test/fixtures/nn.json (written by scripts/fixtures/gen_nn.py, which documents the format):
 * module cases (construct after a seed, compare the initial state dict, forward, backward), functional
 * cases and clipGradNorm_ cases, each registered as tests on every backend.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index';
import { forEachBackend } from '../helpers/backends';
import { expectTensorClose } from '../helpers/compare';
import { applyViews, decodeNumber, makeTensor, type FixtureInput, type FixtureNumber, type FixtureTensor, type Tensor, type Tolerance } from '../helpers/fixtures';

const { nn } = torch;
type Module = InstanceType<typeof nn.Module>;

export const NN_TOL: Tolerance = { rtol: 1e-4, atol: 1e-5 };

interface GradFields {
  gradFn: string | null;
  upstream: FixtureTensor | null;
  inputGrads?: (FixtureTensor | null)[];
}

export interface ModuleCase extends GradFields {
  name: string;
  kind: 'module';
  module: string;
  args: unknown[];
  seed: number;
  eval?: boolean;
  state: Record<string, FixtureTensor>;
  inputs: FixtureInput[];
  output: FixtureTensor;
  paramGrads?: Record<string, FixtureTensor | null>;
}

export interface FunctionalCase extends GradFields {
  name: string;
  kind: 'functional';
  fn: string;
  seed?: number;
  args: unknown[];
  inputs: FixtureInput[];
  output: FixtureTensor;
}

export interface ClipCase {
  name: string;
  kind: 'clip';
  grads: (FixtureTensor | null)[];
  maxNorm: FixtureNumber;
  normType: FixtureNumber;
  total: FixtureTensor;
  after: (FixtureTensor | null)[];
}

export interface InitCase {
  name: string;
  kind: 'init';
  fn: string;
  shape: number[];
  args: unknown[];
  seed: number;
  values: FixtureTensor;
}

export interface GainCase {
  name: string;
  kind: 'gain';
  nonlinearity: string;
  param: number | null;
  value: number;
}

type NnCase = ModuleCase | FunctionalCase | ClipCase | InitCase | GainCase;

let cases: NnCase[] | null = null;

function loadCases(): NnCase[] {
  cases ??= (JSON.parse(readFileSync(new URL('../fixtures/nn.json', import.meta.url), 'utf8')) as { cases: NnCase[] }).cases;
  return cases;
}

export function moduleCases(filter: (c: ModuleCase) => boolean): ModuleCase[] {
  return loadCases().filter((c): c is ModuleCase => c.kind === 'module' && filter(c));
}

export function functionalCases(): FunctionalCase[] {
  return loadCases().filter((c): c is FunctionalCase => c.kind === 'functional');
}

export function clipCases(): ClipCase[] {
  return loadCases().filter((c): c is ClipCase => c.kind === 'clip');
}

const NON_FINITE = ['NaN', 'Infinity', '-Infinity'];

/** Fixture args -> JS args: {"$t": i} -> operand i; strings stay strings except the non-finite numbers. */
function decodeArg(a: unknown, operands: Tensor[]): unknown {
  if (typeof a === 'string') return NON_FINITE.includes(a) ? Number(a) : a;
  if (Array.isArray(a)) return a.map((x) => decodeArg(x, operands));
  if (typeof a === 'object' && a !== null) {
    if ('$t' in a) return operands[(a as { $t: number }).$t];
    return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, decodeArg(v, operands)]));
  }
  return a;
}

export function initCases(): InitCase[] {
  return loadCases().filter((c): c is InitCase => c.kind === 'init');
}

export function gainCases(): GainCase[] {
  return loadCases().filter((c): c is GainCase => c.kind === 'gain');
}

/** Runs nn.init[fn] on an uninitialised tensor after the case's seed; values must match PyTorch's draws. */
export function checkInitFn(c: InitCase): void {
  torch.manualSeed(c.seed);
  const t = torch.empty(c.shape);
  const fn = (nn.init as unknown as Record<string, (t: Tensor, ...a: unknown[]) => Tensor>)[c.fn];
  expect(fn(t, ...c.args.map((a) => decodeArg(a, []))), `${c.name}: returns its tensor`).toBe(t);
  expectTensorClose(t, c.values, `${c.name}: values`, { rtol: 1e-6, atol: 1e-7 });
}

/** Constructor arguments: {$tensor} -> a tensor, {$module, args} -> a constructed submodule. */
function decodeCtorArg(a: unknown): unknown {
  if (typeof a === 'object' && a !== null && '$tensor' in a) return makeTensor((a as { $tensor: FixtureTensor }).$tensor);
  if (typeof a === 'object' && a !== null && '$module' in a) {
    const m = a as { $module: string; args: unknown[] };
    return construct(m.$module, m.args);
  }
  return decodeArg(a, []);
}

export function construct(name: string, args: unknown[]): Module {
  const Ctor = (nn as unknown as Record<string, new (...a: unknown[]) => Module>)[name];
  if (typeof Ctor !== 'function') throw new Error(`nn fixture: nn has no class ${name}`);
  return new Ctor(...args.map(decodeCtorArg));
}

function makeInputs(inputs: FixtureInput[]): { leaves: Tensor[]; operands: Tensor[] } {
  const leaves = inputs.map((inp) => makeTensor(inp, { requiresGrad: inp.requiresGrad }));
  return { leaves, operands: leaves.map((leaf, i) => applyViews(leaf, inputs[i].view)) };
}

function checkGrads(c: GradFields & { name: string }, out: Tensor, leaves: Tensor[]): void {
  if (c.upstream === null) return;
  out.backward(makeTensor(c.upstream));
  (c.inputGrads ?? []).forEach((exp, i) => {
    const label = `${c.name}: grad of input ${i}`;
    if (exp === null) expect(leaves[i].grad ?? null, label).toBeNull();
    else expectTensorClose(leaves[i].grad, exp, label, NN_TOL);
  });
}

/** Seeds, constructs and returns the module with the fixture's initial state loaded. */
function prepare(c: ModuleCase): Module {
  torch.manualSeed(c.seed);
  const m = construct(c.module, c.args);
  m.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, makeTensor(v)])));
  if (c.eval) m.eval();
  return m;
}

export function checkInit(c: ModuleCase): void {
  torch.manualSeed(c.seed);
  const sd = construct(c.module, c.args).stateDict();
  expect(Object.keys(sd), `${c.name}: state dict keys`).toEqual(Object.keys(c.state));
  for (const [key, exp] of Object.entries(c.state)) expectTensorClose(sd[key], exp, `${c.name}: initial ${key}`, { rtol: 1e-6, atol: 1e-7 });
}

export function checkModuleForward(c: ModuleCase): void {
  const m = prepare(c);
  const { operands } = makeInputs(c.inputs);
  const out = m.forward(...operands) as Tensor;
  expectTensorClose(out, c.output, `${c.name}: output`, NN_TOL);
  expect(out.requiresGrad, `${c.name}: output requiresGrad`).toBe(c.upstream !== null);
}

export function checkModuleBackward(c: ModuleCase): void {
  const m = prepare(c);
  const { leaves, operands } = makeInputs(c.inputs);
  const out = m.forward(...operands) as Tensor;
  checkGrads(c, out, leaves);
  const params = Object.fromEntries(m.namedParameters());
  for (const [name, exp] of Object.entries(c.paramGrads ?? {})) {
    const label = `${c.name}: grad of parameter ${name}`;
    if (exp === null) expect(params[name].grad ?? null, label).toBeNull();
    else expectTensorClose(params[name].grad, exp, label, NN_TOL);
  }
}

export function moduleGradFn(c: ModuleCase): string | null {
  const m = prepare(c);
  return (m.forward(...makeInputs(c.inputs).operands) as Tensor).gradFn;
}

function callFunctional(c: FunctionalCase, operands: Tensor[]): Tensor {
  if (c.seed !== undefined) torch.manualSeed(c.seed);
  const fn = (nn.functional as unknown as Record<string, (...a: unknown[]) => Tensor>)[c.fn];
  return fn(...c.args.map((a) => decodeArg(a, operands)));
}

export function checkFunctional(c: FunctionalCase): void {
  const { leaves, operands } = makeInputs(c.inputs);
  const out = callFunctional(c, operands);
  expectTensorClose(out, c.output, `${c.name}: output`, NN_TOL);
  expect(out.gradFn ?? null, `${c.name}: gradFn`).toBe(c.gradFn);
  checkGrads(c, out, leaves);
}

export function checkClip(c: ClipCase): void {
  const params = c.grads.map((g) => {
    const p = new nn.Parameter(torch.zeros(g === null ? [2] : g.shape));
    if (g !== null) p.grad = makeTensor(g);
    return p;
  });
  const total = nn.utils.clipGradNorm_(params, decodeNumber(c.maxNorm), decodeNumber(c.normType));
  expectTensorClose(total, c.total, `${c.name}: total norm`, NN_TOL);
  c.after.forEach((exp, i) => {
    if (exp === null) expect(params[i].grad, `${c.name}: param ${i} has no grad`).toBeNull();
    else expectTensorClose(params[i].grad, exp, `${c.name}: grad ${i} after clipping`, NN_TOL);
  });
}

/**
 * grad_fn names PyTorch gives that come from core ops outside nn (reported to their owners):
 * matmul's 1-D squeeze and its folded-batch reshape.
 */
/** Registers init / forward / backward / gradFn tests for module cases on every backend. */
export function describeModuleCases(list: ModuleCase[]): void {
  if (list.length === 0) throw new Error('no nn fixture cases selected');
  forEachBackend(() => {
    for (const c of list) {
      describe(c.name, () => {
        it('initial state dict matches PyTorch after the same seed', () => checkInit(c));
        it('forward matches PyTorch', () => checkModuleForward(c));
        if (c.upstream !== null) it('backward matches PyTorch (inputs and parameters)', () => checkModuleBackward(c));
        it(`gradFn is ${c.gradFn}`, () => expect(moduleGradFn(c)).toBe(c.gradFn));
      });
    }
  });
}
