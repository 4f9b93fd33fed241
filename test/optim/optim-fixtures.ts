/**
 * Reading test/fixtures/optim.json (written by scripts/fixtures/gen_optim.py, which documents the format)
 * and replaying one recorded PyTorch trajectory against wasmtorch's optimizers.
 */
import { readFileSync } from 'node:fs';
import * as torch from '../../src/index';
import { expectTensorClose } from '../helpers/compare';
import { makeTensor, type FixtureTensor, type Tensor, type Tolerance } from '../helpers/fixtures';

export type OptimizerName = 'SGD' | 'Adam' | 'AdamW' | 'RMSprop';

export interface OptimStep {
  lrs?: (number | null)[];
  grads: (FixtureTensor | null)[];
  params: FixtureTensor[];
}

export type FixtureStateValue = FixtureTensor | number | null;

export interface OptimCase {
  name: string;
  optimizer: OptimizerName;
  options: Record<string, unknown>;
  groups: ({ params: number[] } & Record<string, unknown>)[] | null;
  params: FixtureTensor[];
  steps: OptimStep[];
  stateDict: {
    state: Record<string, Record<string, FixtureStateValue>>;
    param_groups: ({ params: number[] } & Record<string, unknown>)[];
  };
}

/**
 * Float32 tolerance for parameters and state after several steps. PyTorch fuses `a + alpha·b` into one
 * rounding where the ops composed here round twice, so values differ by an ulp or two (measured: at most
 * 2.7e-7 absolute on these cases, both backends); this bound leaves a wide margin for kernel changes.
 */
export const OPTIM_TOL: Tolerance = { rtol: 1e-5, atol: 1e-6 };

let cases: OptimCase[] | null = null;

export function loadOptimCases(): OptimCase[] {
  cases ??= (JSON.parse(readFileSync(new URL('../fixtures/optim.json', import.meta.url), 'utf8')) as { cases: OptimCase[] }).cases;
  return cases;
}

type AnyOptimizer = torch.optim.SGD | torch.optim.Adam | torch.optim.AdamW | torch.optim.RMSprop;

export function makeOptimizer(name: OptimizerName, params: unknown, options: Record<string, unknown>): AnyOptimizer {
  const Ctor = torch.optim[name] as unknown as new (p: unknown, o: unknown) => AnyOptimizer;
  return new Ctor(params, options);
}

export interface Replayed {
  params: Tensor[];
  optimizer: AnyOptimizer;
}

/** Runs every step of `c`, comparing the parameters after each with PyTorch's. */
export function replayOptimCase(c: OptimCase, tol: Tolerance = OPTIM_TOL): Replayed {
  const params = c.params.map((p) => new torch.nn.Parameter(makeTensor(p)));
  const spec = c.groups === null ? params : c.groups.map((g) => ({ ...g, params: g.params.map((i) => params[i]) }));
  const optimizer = makeOptimizer(c.optimizer, spec, c.options);
  c.steps.forEach((s, k) => {
    s.lrs?.forEach((lr, g) => {
      if (lr !== null) optimizer.paramGroups[g].lr = lr;
    });
    params.forEach((p, i) => {
      const g = s.grads[i];
      p.grad = g === null ? null : makeTensor(g);
    });
    optimizer.step();
    params.forEach((p, i) => expectTensorClose(p, s.params[i], `${c.name}: param ${i} after step ${k + 1}`, tol));
  });
  return { params, optimizer };
}

/** Compares `stateDict()` with PyTorch's: same state entries, keys and values; same hyper-parameters. */
export function expectStateDictLike(actual: torch.optim.OptimizerStateDict, expected: OptimCase['stateDict'], label: string, tol: Tolerance = OPTIM_TOL): void {
  const fail = (msg: string): never => {
    throw new Error(`${label}: ${msg}`);
  };
  const actualIds = Object.keys(actual.state).sort();
  const expectedIds = Object.keys(expected.state).sort();
  if (actualIds.join() !== expectedIds.join()) fail(`state for parameters [${actualIds}], expected [${expectedIds}]`);
  for (const id of expectedIds) {
    const got = actual.state[Number(id)];
    const want = expected.state[id];
    if (Object.keys(got).join() !== Object.keys(want).join()) fail(`state ${id} has keys ${Object.keys(got)}, expected ${Object.keys(want)}`);
    for (const [key, value] of Object.entries(want)) {
      const v = got[key];
      if (value === null || typeof value === 'number') {
        if (v !== value) fail(`state ${id}.${key} is ${String(v)}, expected ${value}`);
      } else {
        if (!(v instanceof torch.Tensor)) fail(`state ${id}.${key} is ${String(v)}, expected a tensor`);
        expectTensorClose(v as Tensor, value, `${label}: state ${id}.${key}`, key === 'step' ? { rtol: 0, atol: 0 } : tol);
      }
    }
  }
  if (actual.param_groups.length !== expected.param_groups.length) fail(`${actual.param_groups.length} param groups, expected ${expected.param_groups.length}`);
  expected.param_groups.forEach((want, g) => {
    const got = actual.param_groups[g];
    const extra = Object.keys(got).filter((k) => !(k in want));
    if (extra.length) fail(`param_groups[${g}] has keys PyTorch's lacks: ${extra.join(', ')}`);
    for (const [key, value] of Object.entries(want)) {
      if (['foreach', 'capturable', 'differentiable', 'fused'].includes(key)) continue; // implementation switches
      if (JSON.stringify(got[key]) !== JSON.stringify(value)) fail(`param_groups[${g}].${key} is ${JSON.stringify(got[key])}, expected ${JSON.stringify(value)}`);
    }
  });
}

