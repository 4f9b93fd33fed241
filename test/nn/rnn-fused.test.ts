/**
 * The fused recurrent op (src/ops/rnn.ts, behind src/nn/rnn-functional.ts) against the same layers composed
 * from primitive ops (src/nn/rnn-reference.ts), on every backend: outputs, final states and the gradients
 * of the input, the initial states and every weight, for every mode, forwards and reversed, at edge sizes
 * (B = 1, T = 1, odd H, H = 1, no bias, empty batch), with gradient flowing into only some outputs; the
 * cells; inference without a graph; and the empty sequence.
 */
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index';
import * as fused from '../../src/nn/rnn-functional';
import * as reference from '../../src/nn/rnn-reference';
import type { LayerFn, RecurrentWeights } from '../../src/nn/rnn-functional';
import { forEachBackend } from '../helpers/backends';
import { expectValues } from '../helpers/compare';
import type { Tensor, Tolerance } from '../helpers/fixtures';
import { randTensor as R } from '../helpers/gradcheck';

/** Sums over up to T·G products differ in rounding order between the two; values are O(1). */
const TOL: Tolerance = { rtol: 2e-4, atol: 2e-5 };

type Mode = 'rnnTanh' | 'rnnRelu' | 'lstm' | 'gru';
const GATES: Record<Mode, number> = { rnnTanh: 1, rnnRelu: 1, lstm: 4, gru: 3 };
const LAYERS: Record<Mode, [LayerFn, LayerFn]> = {
  rnnTanh: [fused.rnnTanhLayer, reference.rnnTanhLayer],
  rnnRelu: [fused.rnnReluLayer, reference.rnnReluLayer],
  lstm: [fused.lstmLayer, reference.lstmLayer],
  gru: [fused.gruLayer, reference.gruLayer],
};
const MODES = Object.keys(GATES) as Mode[];

interface Size { T: number; B: number; I: number; H: number }

/**
 * Leaves for one layer-direction: input, states, weights (biases null when !bias); same seed, same values.
 * Weights come from U(−1/√H, 1/√H) as PyTorch initialises them: larger recurrent weights make the recurrence
 * expansive, and it would then amplify the two implementations' different rounding step after step.
 */
function leaves(mode: Mode, { T, B, I, H }: Size, bias: boolean, seed: number) {
  const G = GATES[mode] * H;
  const k = 1 / Math.sqrt(Math.max(H, 1));
  const states = mode === 'lstm' ? [R([B, H], { seed: seed + 1 }), R([B, H], { seed: seed + 2 })] : [R([B, H], { seed: seed + 1 })];
  const w: RecurrentWeights = {
    wIh: R([G, I], { seed: seed + 3, lo: -k, hi: k }), wHh: R([G, H], { seed: seed + 4, lo: -k, hi: k }),
    bIh: bias ? R([G], { seed: seed + 5, lo: -k, hi: k }) : null, bHh: bias ? R([G], { seed: seed + 6, lo: -k, hi: k }) : null,
  };
  return { input: R([T, B, I], { seed, lo: -2, hi: 2 }), states, w };
}

type Upstream = 'all' | 'output' | 'state';

/** Runs `fn`, back-propagates fixed random weights on the chosen outputs; returns outputs then gradients. */
function run(fn: LayerFn, mode: Mode, size: Size, opts: { bias?: boolean; reverse?: boolean; upstream?: Upstream; seed?: number; stateGrad?: boolean }) {
  const { bias = true, reverse = false, upstream = 'all', seed = 1, stateGrad = true } = opts;
  const { input, states, w } = leaves(mode, size, bias, seed);
  if (!stateGrad) states.forEach((s) => s.requiresGrad_(false));
  const [out, last] = fn(input, states, w, reverse);
  const terms: Tensor[] = [];
  if (upstream !== 'state') terms.push(out.mul(R(out.shape, { seed: seed + 10, requiresGrad: false })).sum());
  if (upstream !== 'output') last.forEach((s, k) => terms.push(s.mul(R(s.shape, { seed: seed + 11 + k, requiresGrad: false })).sum()));
  terms.reduce((a, b) => a.add(b)).backward();
  const params = [w.wIh, w.wHh, w.bIh, w.bHh].filter((p): p is Tensor => p !== null);
  return {
    values: [out, ...last],
    grads: [input, ...states, ...params].map((t) => t.grad),
  };
}

function expectSame(actual: ReturnType<typeof run>, expected: ReturnType<typeof run>, label: string): void {
  expect(actual.values.length).toBe(expected.values.length);
  actual.values.forEach((t, i) => expectValues(t, expected.values[i].shape, Array.from(expected.values[i].toArray()), `${label} output ${i}`, TOL));
  expect(actual.grads.length).toBe(expected.grads.length);
  actual.grads.forEach((g, i) => {
    const e = expected.grads[i];
    if (e === null) {
      expect(g, `${label} grad ${i}`).toBeNull();
      return;
    }
    expect(g, `${label} grad ${i}`).not.toBeNull();
    expectValues(g!, e.shape, Array.from(e.toArray()), `${label} grad ${i}`, TOL);
  });
}

const SIZES: [string, Size][] = [
  ['T 5, B 3, I 4, H 8', { T: 5, B: 3, I: 4, H: 8 }],
  ['odd H 7 (SIMD body and tail)', { T: 4, B: 2, I: 3, H: 7 }],
  ['H 1', { T: 3, B: 2, I: 2, H: 1 }],
  ['B 1', { T: 6, B: 1, I: 5, H: 4 }],
  ['T 1', { T: 1, B: 3, I: 2, H: 5 }],
  ['empty batch', { T: 3, B: 0, I: 2, H: 3 }],
];

describe('fused layer-directions match the composed reference', () => {
  forEachBackend(() => {
    for (const mode of MODES) {
      const [f, r] = LAYERS[mode];
      for (const [name, size] of SIZES) {
        it(`${mode}: ${name}, forwards and reversed`, () => {
          for (const reverse of [false, true]) {
            expectSame(run(f, mode, size, { reverse }), run(r, mode, size, { reverse }), `${mode} ${name} reverse=${reverse}`);
          }
        });
      }
      it(`${mode}: without bias; gradient into the output only, then into the final state only`, () => {
        const size = { T: 4, B: 2, I: 3, H: 6 };
        expectSame(run(f, mode, size, { bias: false }), run(r, mode, size, { bias: false }), `${mode} no bias`);
        for (const upstream of ['output', 'state'] as const) {
          expectSame(run(f, mode, size, { upstream, reverse: true }), run(r, mode, size, { upstream, reverse: true }), `${mode} ${upstream}`);
        }
      });
      it(`${mode}: initial states that need no gradient (the first step's product is skipped)`, () => {
        const size = { T: 5, B: 3, I: 4, H: 6 };
        for (const reverse of [false, true]) {
          const f1 = run(f, mode, size, { reverse, stateGrad: false });
          expectSame(f1, run(r, mode, size, { reverse, stateGrad: false }), `${mode} states without grad`);
          expect(f1.grads.slice(1, mode === 'lstm' ? 3 : 2)).toEqual(mode === 'lstm' ? [null, null] : [null]);
        }
      });
      it(`${mode}: a wider layer (H 37) over a longer sequence`, () => {
        const size = { T: 12, B: 5, I: 9, H: 37 };
        expectSame(run(f, mode, size, { seed: 5 }), run(r, mode, size, { seed: 5 }), `${mode} H 37`);
      });
    }
  });
});

describe('fused layer-directions: inference, empty sequences, strided operands', () => {
  forEachBackend(() => {
    for (const mode of MODES) {
      const [f, r] = LAYERS[mode];
      it(`${mode}: under noGrad the outputs are the same and record nothing`, () => {
        const size = { T: 5, B: 3, I: 4, H: 9 };
        const { input, states, w } = leaves(mode, size, true, 3);
        const [out, last] = torch.noGrad(() => f(input, states, w, true));
        const [refOut, refLast] = r(input, states, w, true);
        expect([out, ...last].map((t) => t.requiresGrad)).toEqual(last.map(() => false).concat(false));
        [out, ...last].forEach((t, i) => expectValues(t, t.shape, Array.from([refOut, ...refLast][i].toArray()), `${mode} state ${i}`, TOL));
      });

      it(`${mode}: T = 0 gives an empty output, the initial state back, and its gradient passed through`, () => {
        const size = { T: 0, B: 2, I: 3, H: 4 };
        const { input, states, w } = leaves(mode, size, true, 4);
        const [out, last] = f(input, states, w, false);
        expect(out.shape).toEqual([0, 2, 4]);
        last.forEach((s, k) => expect(s.tolist()).toEqual(states[k].tolist()));
        last.reduce((a, s) => a.add(s.sum()), torch.zeros([])).backward();
        states.forEach((s) => expect(Array.from(s.grad!.toArray())).toEqual(new Array(8).fill(1)));
        expect(Array.from(w.wHh.grad!.toArray()).every((v) => v === 0)).toBe(true);
      });
    }

    it('a non-contiguous input (a batch-first tensor transposed) and strided states give the same result', () => {
      const size = { T: 4, B: 3, I: 5, H: 6 };
      const { input } = leaves('lstm', size, true, 1);
      const batchFirst = input.detach().transpose(0, 1).contiguous().requiresGrad_();
      const stridedStates = (s: Tensor[]) => s.map((t) => t.t().contiguous().t());
      const viaViews = run((_x, s, w, rev) => fused.lstmLayer(batchFirst.transpose(0, 1), stridedStates(s), w, rev), 'lstm', size, {});
      const direct = run(fused.lstmLayer, 'lstm', size, {});
      viaViews.values.forEach((t, i) => expectValues(t, t.shape, Array.from(direct.values[i].toArray()), `value ${i}`, TOL));
      expectValues(batchFirst.grad!.transpose(0, 1), [4, 3, 5], Array.from(direct.grads[0]!.toArray()), 'input grad', TOL);
      viaViews.grads.slice(1).forEach((g, i) => expectValues(g!, g!.shape, Array.from(direct.grads[i + 1]!.toArray()), `grad ${i + 1}`, TOL));
    });

    it('weights given as non-contiguous views (transposes of stored [H, G] leaves) still receive their gradients', () => {
      const size = { T: 3, B: 2, I: 4, H: 5 };
      const direct = run(fused.gruLayer, 'gru', size, {});
      const stored: Tensor[] = [];
      const viaViews = run((x, s, w, rev) => {
        const [wIhT, wHhT] = [w.wIh, w.wHh].map((p) => p.detach().t().contiguous().requiresGrad_());
        stored.push(wIhT, wHhT);
        return fused.gruLayer(x, s, { ...w, wIh: wIhT.t(), wHh: wHhT.t() }, rev);
      }, 'gru', size, {});
      expectValues(stored[0].grad!.t(), [15, 4], Array.from(direct.grads[2]!.toArray()), 'weight_ih grad', TOL);
      expectValues(stored[1].grad!.t(), [15, 5], Array.from(direct.grads[3]!.toArray()), 'weight_hh grad', TOL);
      viaViews.values.forEach((t, i) => expectValues(t, t.shape, Array.from(direct.values[i].toArray()), `value ${i}`, TOL));
    });
  });
});

const CELLS: [string, number, (x: Tensor, s: Tensor[], w: RecurrentWeights, fns: typeof fused) => Tensor[], string[]][] = [
  ['RNNCell tanh', 1, (x, [h], w, fns) => [fns.rnnCell(x, h, w, false)], ['TanhBackward0']],
  ['RNNCell relu', 1, (x, [h], w, fns) => [fns.rnnCell(x, h, w, true)], ['ReluBackward0']],
  ['LSTMCell', 4, (x, [h, c], w, fns) => fns.lstmCell(x, h, c, w), ['MulBackward0', 'AddBackward0']],
  ['GRUCell', 3, (x, [h], w, fns) => [fns.gruCell(x, h, w)], ['AddBackward0']],
];

describe('fused cells match the composed reference and show PyTorch gradFns', () => {
  forEachBackend(() => {
    for (const [name, gates, step, gradFns] of CELLS) {
      it(`${name}: stepped by hand over 4 steps, values and every gradient`, () => {
        const result = (fns: typeof fused) => {
          const B = 2;
          const H = 5;
          const xs = R([4, B, 3], { seed: 21 });
          const state0 = (gates === 4 ? [1, 2] : [1]).map((k) => R([B, H], { seed: 21 + k }));
          const w: RecurrentWeights = { wIh: R([gates * H, 3], { seed: 24 }), wHh: R([gates * H, H], { seed: 25 }), bIh: R([gates * H], { seed: 26 }), bHh: R([gates * H], { seed: 27 }) };
          let state = state0;
          const seen: string[][] = [];
          let loss = torch.zeros([]);
          for (let t = 0; t < 4; t++) {
            state = step(xs.select(0, t), state, w, fns);
            seen.push(state.map((s) => s.gradFn ?? ''));
            loss = loss.add(state[0].mul(R([B, H], { seed: 30 + t, requiresGrad: false })).sum());
          }
          loss.add(state[state.length - 1].sum()).backward();
          return { values: state, grads: [xs, ...state0, w.wIh, w.wHh, w.bIh!, w.bHh!].map((t) => t.grad), seen };
        };
        const f = result(fused);
        const r = result(reference as unknown as typeof fused);
        expectSame(f, r, name);
        expect(f.seen[3]).toEqual(gradFns);
      });
    }
  });
});

describe('fused op errors name the op, the operand and the expected shape', () => {
  it('a mismatched initial state, weight or input rank', () => {
    const { input, states, w } = leaves('gru', { T: 2, B: 3, I: 4, H: 5 }, true, 1);
    expect(() => fused.gruLayer(input, [torch.zeros(2, 5)], w, false)).toThrow('gru layer: h0 has shape [2, 5] but expected [3, 5]');
    expect(() => fused.gruLayer(input, states, { ...w, wIh: torch.zeros(15, 3) }, false)).toThrow('gru layer: weight_ih has shape [15, 3] but expected [15, 4]');
    expect(() => fused.lstmLayer(input, states, w, false)).toThrow('lstm layer: weight_hh has shape [15, 5] but expected [20, 5]');
    expect(() => fused.gruCell(input, states[0], w)).toThrow('gru cell: input must be a 2-D tensor [B, inputSize], got [2, 3, 4]');
  });
});
