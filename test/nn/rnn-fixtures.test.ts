/**
 * Recurrent modules against PyTorch 1.13 (test/fixtures/rnn.json, written by scripts/fixtures/gen_rnn.py):
 * for every case and backend, parameter names/order/shapes, forward outputs, and the gradients of the input,
 * the initial states and every parameter for the recorded upstream gradients; and the default
 * initialisation after torch.manualSeed.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index';
import { forEachBackend } from '../helpers/backends';
import { expectTensorClose } from '../helpers/compare';
import { decodeValues, makeTensor, type FixtureTensor, type Tensor, type Tolerance } from '../helpers/fixtures';

type ModuleName = 'RNNCell' | 'LSTMCell' | 'GRUCell' | 'RNN' | 'LSTM' | 'GRU';

interface RnnCase {
  name: string;
  module: ModuleName;
  args: [number, number];
  options: Record<string, unknown>;
  params: [string, FixtureTensor][];
  input: FixtureTensor;
  state: FixtureTensor[] | null;
  outputs: FixtureTensor[];
  upstream: FixtureTensor[];
  grads: { input: FixtureTensor; state: FixtureTensor[] | null; params: Record<string, FixtureTensor> };
  tol: Tolerance;
}

interface InitCase {
  name: string;
  module: ModuleName;
  args: [number, number];
  options: Record<string, unknown>;
  seed: number;
  params: [string, FixtureTensor][];
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/rnn.json', import.meta.url), 'utf8')) as {
  cases: RnnCase[];
  init: InitCase[];
};

type AnyRecurrent = torch.nn.Module & { forward(x: Tensor, state?: unknown): unknown };

function build(module: ModuleName, args: [number, number], options: Record<string, unknown>): AnyRecurrent {
  const Ctor = torch.nn[module] as unknown as new (i: number, h: number, o: Record<string, unknown>) => AnyRecurrent;
  return new Ctor(args[0], args[1], options);
}

const isLstm = (m: ModuleName) => m === 'LSTM' || m === 'LSTMCell';

/** Runs the case's forward: returns the leaves and the outputs flattened as the fixture lists them. */
function run(c: RnnCase, loadWith: 'stateDict' | 'data') {
  const m = build(c.module, c.args, c.options);
  if (loadWith === 'stateDict') {
    m.loadStateDict(Object.fromEntries(c.params.map(([name, t]) => [name, makeTensor(t)])));
  } else {
    const own = m as unknown as Record<string, Tensor>;
    for (const [name, t] of c.params) own[name].data = makeTensor(t);
  }
  const input = makeTensor(c.input, { requiresGrad: true });
  const state = c.state?.map((s) => makeTensor(s, { requiresGrad: true })) ?? null;
  const hx = state === null ? undefined : isLstm(c.module) ? state : state[0];
  const result = m.forward(input, hx);
  let outputs: Tensor[];
  if (c.module === 'RNNCell' || c.module === 'GRUCell') outputs = [result as Tensor];
  else if (c.module === 'LSTMCell') outputs = result as Tensor[];
  else if (c.module === 'LSTM') {
    const [out, [hn, cn]] = result as [Tensor, [Tensor, Tensor]];
    outputs = [out, hn, cn];
  } else outputs = result as Tensor[];
  return { m, input, state, outputs };
}

function checkCase(c: RnnCase, loadWith: 'stateDict' | 'data'): void {
  const { m, input, state, outputs } = run(c, loadWith);
  expect(outputs.length, `${c.name}: number of outputs`).toBe(c.outputs.length);
  c.outputs.forEach((exp, k) => expectTensorClose(outputs[k], exp, `${c.name}: output ${k}`, c.tol));

  let loss = outputs[0].mul(makeTensor(c.upstream[0])).sum();
  for (let k = 1; k < outputs.length; k++) loss = loss.add(outputs[k].mul(makeTensor(c.upstream[k])).sum());
  loss.backward();
  expectTensorClose(input.grad, c.grads.input, `${c.name}: grad of input`, c.tol);
  c.grads.state?.forEach((exp, k) => expectTensorClose(state![k].grad, exp, `${c.name}: grad of state ${k}`, c.tol));
  for (const [name, p] of m.namedParameters()) {
    expectTensorClose(p.grad, c.grads.params[name], `${c.name}: grad of ${name}`, c.tol);
  }
}

describe('recurrent modules match PyTorch fixtures', () => {
  forEachBackend(() => {
    for (const c of fixture.cases) {
      describe(c.name, () => {
        it('has PyTorch parameter names, order and shapes', () => {
          const m = build(c.module, c.args, c.options);
          expect(m.namedParameters().map(([name, p]) => [name, p.shape])).toEqual(c.params.map(([name, t]) => [name, t.shape]));
          expect(Object.keys(m.stateDict())).toEqual(c.params.map(([name]) => name));
        });
        it('forward and backward match (parameters loaded with loadStateDict)', () => checkCase(c, 'stateDict'));
      });
    }
  });
});

describe('parameters assigned through p.data give the same results', () => {
  forEachBackend(() => {
    for (const c of fixture.cases.filter((_, i) => i % 9 === 0)) {
      it(c.name, () => checkCase(c, 'data'));
    }
  });
});

describe('default initialisation draws U(-1/sqrt(H), 1/sqrt(H)) in PyTorch order', () => {
  forEachBackend(() => {
    for (const c of fixture.init) {
      it(c.name, () => {
        torch.manualSeed(c.seed);
        const m = build(c.module, c.args, c.options);
        const params = m.namedParameters();
        expect(params.map(([name]) => name)).toEqual(c.params.map(([name]) => name));
        // bit for bit: the fixture's decimals are the shortest that round-trip through float32
        params.forEach(([name, p], k) => {
          expect(p.shape, `${c.name}: ${name} shape`).toEqual(c.params[k][1].shape);
          expect(Array.from(p.toArray()), `${c.name}: ${name}`).toEqual(decodeValues(c.params[k][1].values).map(Math.fround));
        });
      });
    }
  });
});
