/**
 * Finite-difference gradient checks of the recurrent maths (src/nn/rnn-functional.ts): each cell type with
 * respect to its input, state and every weight; each layer-direction function over a short sequence,
 * forwards and reversed; and a bidirectional two-layer module through forward().
 */
import { describe, it } from 'vitest';
import * as torch from '../../src/index';
import {
  gruCell, gruLayer, lstmCell, lstmLayer, rnnCell, rnnReluLayer, rnnTanhLayer, type LayerFn, type RecurrentWeights,
} from '../../src/nn/rnn-functional';
import { forEachBackend } from '../helpers/backends';
import type { Tensor } from '../helpers/fixtures';
import { gradcheck, randTensor as R } from '../helpers/gradcheck';

const I = 3;
const H = 2;
const B = 2;
const T = 3;

/** x, h, (c,) W_ih, W_hh, b_ih, b_hh as leaves for a cell of `gates` gates. */
function cellInputs(gates: number, withC: boolean, seed: number): Tensor[] {
  const states = withC ? [R([B, H], { seed: seed + 1 }), R([B, H], { seed: seed + 2 })] : [R([B, H], { seed: seed + 1 })];
  return [
    R([B, I], { seed }), ...states,
    R([gates * H, I], { seed: seed + 3 }), R([gates * H, H], { seed: seed + 4 }),
    R([gates * H], { seed: seed + 5 }), R([gates * H], { seed: seed + 6 }),
  ];
}

const weights = (wIh: Tensor, wHh: Tensor, bIh: Tensor | null, bHh: Tensor | null): RecurrentWeights => ({ wIh, wHh, bIh, bHh });

describe('cell gradients match finite differences', () => {
  forEachBackend(() => {
    it('RNNCell tanh', () => {
      gradcheck('rnn tanh cell', (x, h, a, b, c, d) => rnnCell(x, h, weights(a, b, c, d), false), cellInputs(1, false, 11));
    });
    it('RNNCell relu (inputs kept away from the kink)', () => {
      gradcheck('rnn relu cell', (x, h, a, b, c, d) => rnnCell(x, h, weights(a, b, c, d), true), cellInputs(1, false, 21));
    });
    it('LSTMCell, both outputs', () => {
      gradcheck('lstm cell', (x, h, c, a, b, bi, bh) => torch.cat(lstmCell(x, h, c, weights(a, b, bi, bh)), 1), cellInputs(4, true, 31));
    });
    it('GRUCell', () => {
      gradcheck('gru cell', (x, h, a, b, c, d) => gruCell(x, h, weights(a, b, c, d)), cellInputs(3, false, 41));
    });
    it('GRUCell without bias', () => {
      const [x, h, a, b] = cellInputs(3, false, 51);
      gradcheck('gru cell, no bias', (x1, h1, a1, b1) => gruCell(x1, h1, weights(a1, b1, null, null)), [x, h, a, b]);
    });
  });
});

const LAYERS: [string, LayerFn, number, boolean][] = [
  ['rnnTanhLayer', rnnTanhLayer, 1, false],
  ['rnnReluLayer', rnnReluLayer, 1, false],
  ['lstmLayer', lstmLayer, 4, true],
  ['gruLayer', gruLayer, 3, false],
];

describe('layer-direction gradients match finite differences', () => {
  forEachBackend(() => {
    for (const [name, fn, gates, lstm] of LAYERS) {
      for (const reverse of [false, true]) {
        it(`${name}${reverse ? ' reversed' : ''}: output and final state`, () => {
          const seed = 100 + gates * 10 + (reverse ? 5 : 0);
          const input = R([T, B, I], { seed });
          const [, ...rest] = cellInputs(gates, lstm, seed);
          const stateCount = lstm ? 2 : 1;
          gradcheck(name, (x, ...args) => {
            const state = args.slice(0, stateCount);
            const [a, b, c, d] = args.slice(stateCount);
            const [output, last] = fn(x, state, weights(a, b, c, d), reverse);
            return torch.cat([output.reshape(-1), ...last.map((s) => s.reshape(-1))], 0);
          }, [input, ...rest]);
        });
      }
    }
  });
});

describe('module gradients match finite differences', () => {
  forEachBackend(() => {
    it('2-layer bidirectional batchFirst GRU: input and h0', () => {
      torch.manualSeed(5);
      const gru = new torch.nn.GRU(I, H, { numLayers: 2, bidirectional: true, batchFirst: true });
      gradcheck('GRU module', (x, h0) => {
        const [output, hn] = gru.forward(x, h0);
        return torch.cat([output.reshape(-1), hn.reshape(-1)], 0);
      }, [R([B, T, I], { seed: 7 }), R([4, B, H], { seed: 8 })]);
    });
    it('unbatched 2-layer LSTM: input, h0 and c0', () => {
      torch.manualSeed(6);
      const lstm = new torch.nn.LSTM(I, H, 2);
      gradcheck('LSTM module', (x, h0, c0) => {
        const [output, [hn, cn]] = lstm.forward(x, [h0, c0]);
        return torch.cat([output.reshape(-1), hn.reshape(-1), cn.reshape(-1)], 0);
      }, [R([T, I], { seed: 9 }), R([2, H], { seed: 10 }), R([2, H], { seed: 11 })]);
    });
  });
});
