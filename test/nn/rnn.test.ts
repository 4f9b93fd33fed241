/**
 * Recurrent modules beyond the PyTorch fixtures: the course's hand computation, the constructor forms and
 * attributes, printed forms, unbatched and batchFirst layouts, dropout between layers, autograd facts
 * (gradFn, noGrad), and misuse errors that name the module, the shapes and the expectation.
 */
import { describe, expect, it, vi } from 'vitest';
import * as torch from '../../src/index';
import { forEachBackend } from '../helpers/backends';
import { expectValues } from '../helpers/compare';
import { expectOpError } from '../helpers/errors';
import type { Tensor } from '../helpers/fixtures';

const { nn } = torch;

/** seq of 4, batch 1, input 2 */
const courseInput = () => torch.Tensor([[[1, 2]], [[2, 0]], [[3, 1]], [[-1, -5]]]);

describe('the course example: relu, no bias, W_ih = [[-1, 3]], W_hh = [[2]] gives hidden states 5, 8, 16, 18', () => {
  forEachBackend(() => {
    it('RNNCell stepped by hand', () => {
      const cell = new nn.RNNCell(2, 1, { bias: false, nonlinearity: 'relu' });
      cell.weight_ih.data = torch.Tensor([[-1, 3]]);
      cell.weight_hh.data = torch.Tensor([[2]]);
      expect(cell.bias_ih).toBeNull();
      let h: Tensor | undefined;
      const states: number[] = [];
      for (const x of courseInput()) {
        h = cell.forward(x, h);
        states.push(h.item());
      }
      expect(states).toEqual([5, 8, 16, 18]);
      expect(h!.gradFn).toBe('ReluBackward0');
    });

    it('RNN over the whole sequence, with gradients of sum(output) worked out by hand', () => {
      const rnn = new nn.RNN(2, 1, { bias: false, nonlinearity: 'relu' });
      rnn.weight_ih_l0.data = torch.Tensor([[-1, 3]]);
      rnn.weight_hh_l0.data = torch.Tensor([[2]]);
      const [output, hn] = rnn.forward(courseInput());
      expectValues(output, [4, 1, 1], [5, 8, 16, 18], 'output');
      expectValues(hn, [1, 1, 1], [18], 'hn');
      output.sum().backward();
      // dL/dh_t = 15, 7, 3, 1 (each step adds 2x the next): dW_ih = Σ δ_t x_t, dW_hh = Σ δ_t h_{t-1}
      expectValues(rnn.weight_ih_l0.grad!, [1, 2], [37, 28], 'weight_ih_l0.grad');
      expectValues(rnn.weight_hh_l0.grad!, [1, 1], [75], 'weight_hh_l0.grad');
    });

    it('unbatched [4, 2] input gives [4, 1] output and [1, 1] hn', () => {
      const rnn = new nn.RNN({ inputSize: 2, hiddenSize: 1, bias: false, nonlinearity: 'relu' });
      rnn.weight_ih_l0.data = torch.Tensor([[-1, 3]]);
      rnn.weight_hh_l0.data = torch.Tensor([[2]]);
      const [output, hn] = rnn.forward(courseInput().squeeze(1));
      expectValues(output, [4, 1], [5, 8, 16, 18], 'output');
      expectValues(hn, [1, 1], [18], 'hn');
    });
  });
});

describe('constructor forms and attributes', () => {
  it('positional sizes, a positional numLayers and one options object build the same module', () => {
    const forms = [
      () => new nn.LSTM(4, 3, { numLayers: 2, bidirectional: true }),
      () => new nn.LSTM(4, 3, 2, { bidirectional: true }),
      () => new nn.LSTM({ inputSize: 4, hiddenSize: 3, numLayers: 2, bidirectional: true }),
    ];
    const values = forms.map((make) => {
      torch.manualSeed(7);
      return make().parameters().map((p) => Array.from(p.toArray()));
    });
    expect(values[1]).toEqual(values[0]);
    expect(values[2]).toEqual(values[0]);
  });

  it('layers expose PyTorch attributes in camelCase and their parameters as named fields', () => {
    const gru = new nn.GRU(5, 4, { numLayers: 2, batchFirst: true, dropout: 0.25, bidirectional: true, bias: false });
    expect([gru.inputSize, gru.hiddenSize, gru.numLayers, gru.bias, gru.batchFirst, gru.dropout, gru.bidirectional])
      .toEqual([5, 4, 2, false, true, 0.25, true]);
    expect(gru.weight_ih_l1_reverse.shape).toEqual([12, 8]);
    expect(gru.allWeights.map((ws) => ws.length)).toEqual([2, 2, 2, 2]);
    expect(gru.bias_ih_l0).toBeUndefined();
    const rnn = new nn.RNN({ inputSize: 4, hiddenSize: 2, numLayers: 1 });
    expect(rnn.nonlinearity).toBe('tanh');
    expect(rnn.mode).toBe('RNN_TANH');
    expect(new nn.RNN(4, 2, { nonlinearity: 'relu' }).mode).toBe('RNN_RELU');
  });

  it('cells have weight_ih, weight_hh, bias_ih, bias_hh of PyTorch shapes', () => {
    const lstm = new nn.LSTMCell({ inputSize: 3, hiddenSize: 2 });
    expect(lstm.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([
      ['weight_ih', [8, 3]], ['weight_hh', [8, 2]], ['bias_ih', [8]], ['bias_hh', [8]],
    ]);
    const gru = new nn.GRUCell(3, 2, { bias: false });
    expect(gru.namedParameters().map(([n]) => n)).toEqual(['weight_ih', 'weight_hh']);
    expect(gru.bias_hh).toBeNull();
  });

  it('default initialisation stays within ±1/sqrt(hiddenSize)', () => {
    const lstm = new nn.LSTM(6, 16, 2);
    for (const p of lstm.parameters()) {
      const values = Array.from(p.toArray());
      expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(0.25);
    }
  });

  it('print as PyTorch prints them', () => {
    expect(String(new nn.RNN(3, 2, { numLayers: 2, bias: false, batchFirst: true, dropout: 0.5, bidirectional: true })))
      .toBe('RNN(3, 2, num_layers=2, bias=False, batch_first=True, dropout=0.5, bidirectional=True)');
    expect(String(new nn.RNN(3, 2, { numLayers: 2, nonlinearity: 'relu' }))).toBe('RNN(3, 2, num_layers=2)');
    expect(String(new nn.RNNCell(3, 2, { bias: false, nonlinearity: 'relu' }))).toBe('RNNCell(3, 2, bias=False, nonlinearity=relu)');
    expect(String(new nn.LSTMCell(3, 2))).toBe('LSTMCell(3, 2)');
    expect(String(new nn.GRU(3, 2))).toBe('GRU(3, 2)');
    expect(String(new nn.LSTM(3, 2, { dropout: 1, numLayers: 2 }))).toBe('LSTM(3, 2, num_layers=2, dropout=1.0)');
  });

  it('inside a Module, state dict keys are dotted PyTorch names and load back', () => {
    class Net extends nn.Module {
      rnn = new nn.LSTM(3, 2, { bidirectional: true });
      forward(x: Tensor) {
        return this.rnn.forward(x)[0];
      }
    }
    const a = new Net();
    const b = new Net();
    expect(Object.keys(a.stateDict())).toEqual([
      'rnn.weight_ih_l0', 'rnn.weight_hh_l0', 'rnn.bias_ih_l0', 'rnn.bias_hh_l0',
      'rnn.weight_ih_l0_reverse', 'rnn.weight_hh_l0_reverse', 'rnn.bias_ih_l0_reverse', 'rnn.bias_hh_l0_reverse',
    ]);
    b.loadStateDict(a.stateDict());
    const x = torch.randn(5, 2, 3);
    expect(b.forward(x).tolist()).toEqual(a.forward(x).tolist());
  });
});

describe('forward layouts and autograd facts', () => {
  forEachBackend(() => {
    it('output and state shapes for batchFirst, bidirectional, multi-layer LSTM', () => {
      const lstm = new nn.LSTM(3, 4, { numLayers: 3, batchFirst: true, bidirectional: true });
      const [out, [hn, cn]] = lstm.forward(torch.randn(2, 5, 3));
      expect([out.shape, hn.shape, cn.shape]).toEqual([[2, 5, 8], [6, 2, 4], [6, 2, 4]]);
    });

    it('batchFirst gives the transposed result of the same module on [T, B, I]', () => {
      torch.manualSeed(3);
      const a = new nn.GRU(3, 2, { numLayers: 2 });
      torch.manualSeed(3);
      const b = new nn.GRU(3, 2, { numLayers: 2, batchFirst: true });
      const x = torch.randn(4, 3, 3);
      const h0 = torch.randn(2, 3, 2);
      const [outA, hA] = a.forward(x, h0);
      const [outB, hB] = b.forward(x.transpose(0, 1).contiguous(), h0);
      expectValues(outB.transpose(0, 1), outA.shape, Array.from(outA.toArray()), 'output');
      expectValues(hB, hA.shape, Array.from(hA.toArray()), 'hn');
    });

    it('leaving the state out equals passing zeros', () => {
      const lstm = new nn.LSTM(3, 2, 2);
      const x = torch.randn(4, 2, 3);
      const [out1, [h1, c1]] = lstm.forward(x);
      const [out2, [h2, c2]] = lstm.forward(x, [torch.zeros(2, 2, 2), torch.zeros(2, 2, 2)]);
      expect([out1.tolist(), h1.tolist(), c1.tolist()]).toEqual([out2.tolist(), h2.tolist(), c2.tolist()]);
    });

    it('an empty batch gives empty outputs', () => {
      const [out, hn] = new nn.RNN(3, 2, { bidirectional: true }).forward(torch.zeros(4, 0, 3));
      expect([out.shape, hn.shape]).toEqual([[4, 0, 4], [2, 0, 2]]);
    });

    it('cells return PyTorch gradFns; no graph is recorded under noGrad', () => {
      const x = torch.randn(2, 3);
      expect(new nn.RNNCell(3, 2).forward(x).gradFn).toBe('TanhBackward0');
      const [h, c] = new nn.LSTMCell(3, 2).forward(x);
      expect([h.gradFn, c.gradFn]).toEqual(['MulBackward0', 'AddBackward0']);
      expect(new nn.GRUCell(3, 2).forward(x).gradFn).toBe('AddBackward0');
      const [out, hn] = torch.noGrad(() => new nn.LSTM(3, 2).forward(torch.randn(4, 2, 3), undefined));
      expect([out.requiresGrad, hn[0].requiresGrad, hn[1].requiresGrad]).toEqual([false, false, false]);
    });

    it('a few SGD steps on a small LSTM reduce a regression loss', () => {
      torch.manualSeed(0);
      const lstm = new nn.LSTM(2, 4);
      const x = torch.randn(6, 3, 2);
      const target = torch.randn(6, 3, 4).mul(0.5);
      const losses: number[] = [];
      for (let step = 0; step < 30; step++) {
        lstm.zeroGrad();
        const loss = lstm.forward(x)[0].sub(target).pow(2).mean();
        loss.backward();
        losses.push(loss.item());
        torch.noGrad(() => {
          for (const p of lstm.parameters()) p.sub_(p.grad!.mul(0.5));
        });
      }
      expect(losses[29]).toBeLessThan(losses[0] * 0.9);
    });
  });
});

describe('dropout between layers', () => {
  forEachBackend(() => {
    it('is off in eval mode and for the last layer, on in training mode', () => {
      torch.manualSeed(1);
      const withDropout = new nn.LSTM(3, 4, { numLayers: 2, dropout: 0.5 });
      const plain = new nn.LSTM(3, 4, { numLayers: 2 });
      plain.loadStateDict(withDropout.stateDict());
      const x = torch.randn(5, 2, 3);
      const reference = plain.forward(x)[0].tolist();
      expect(withDropout.eval().forward(x)[0].tolist()).toEqual(reference);
      expect(withDropout.train().forward(x)[0].tolist()).not.toEqual(reference);
      // one layer: nothing to drop between layers (PyTorch warns at construction)
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      const single = new nn.GRU(3, 4, { dropout: 0.5 });
      expect(warn).toHaveBeenCalledOnce();
      warn.mockRestore();
      const singlePlain = new nn.GRU(3, 4);
      singlePlain.loadStateDict(single.stateDict());
      expect(single.forward(x)[0].tolist()).toEqual(singlePlain.forward(x)[0].tolist());
    });

    it('with p = 1 the second layer sees zeros', () => {
      const rnn = new nn.RNN(3, 2, { numLayers: 2, dropout: 1 });
      const second = new nn.RNN(2, 2);
      second.loadStateDict({
        weight_ih_l0: rnn.weight_ih_l1, weight_hh_l0: rnn.weight_hh_l1, bias_ih_l0: rnn.bias_ih_l1, bias_hh_l0: rnn.bias_hh_l1,
      });
      const [out] = rnn.forward(torch.randn(4, 2, 3));
      const [expected] = second.forward(torch.zeros(4, 2, 2));
      expectValues(out, [4, 2, 2], Array.from(expected.toArray()), 'output');
    });
  });
});

describe('misuse throws errors naming the module, the shapes and the expectation', () => {
  it('bad constructor options', () => {
    expectOpError(() => new nn.RNN(3, 2, { nonlinearity: 'sigmoid' as never }), 'RNN: unknown nonlinearity "sigmoid"');
    expectOpError(() => new nn.LSTM(3, 2, { dropout: 1.5 }), 'LSTM: dropout should be a number in range [0, 1]');
    expectOpError(() => new nn.GRU(3, 2, { batch_first: true } as never), 'GRU: unknown option "batch_first"');
    expectOpError(() => new nn.LSTMCell(3, 2, { nonlinearity: 'relu' } as never), 'LSTMCell: unknown option "nonlinearity"');
    expectOpError(() => new nn.RNN({ inputSize: 3 } as never), 'RNN: inputSize and hiddenSize are required');
    expectOpError(() => new nn.RNNCell(3, 0), 'RNNCell: hiddenSize must be an integer >= 1, got 0');
    expectOpError(() => new nn.LSTM(3, 2, 1.5), 'LSTM: numLayers must be an integer >= 1, got 1.5');
    expectOpError(() => new nn.GRU(3, 2, { inputSize: 3 } as never), 'GRU: inputSize is given both positionally and in the options object');
    expectOpError(() => new nn.RNN(3, 2, { bidirectional: 1 } as never), 'RNN: bidirectional must be true or false');
  });

  forEachBackend(() => {
    it('layers: wrong feature size, rank, empty sequence, dtype', () => {
      const rnn = new nn.RNN(3, 2, 2);
      expectOpError(() => rnn.forward(torch.randn(5, 4, 7)), 'RNN: input.size(-1) must be equal to inputSize; expected 3, got 7', [[5, 4, 7]]);
      expectOpError(() => rnn.forward(torch.randn(5)), 'RNN: expected input to be 2-D', [[5]]);
      expectOpError(() => rnn.forward(torch.randn(5, 4, 3, 1)), 'RNN', [[5, 4, 3, 1]]);
      expectOpError(() => rnn.forward(torch.randn(0, 4, 3)), 'RNN: expected sequence length to be larger than 0', [[0, 4, 3]]);
      expectOpError(() => rnn.forward(torch.zeros(5, 4, 3, { dtype: 'int64' })), 'RNN: input must be float32');
    });

    it('layers: wrong initial state shapes', () => {
      const rnn = new nn.RNN(3, 2, 2);
      expectOpError(() => rnn.forward(torch.randn(5, 4, 3), torch.randn(1, 4, 2)), 'RNN: expected h0 of shape', [[2, 4, 2], [1, 4, 2], [5, 4, 3]]);
      expectOpError(() => rnn.forward(torch.randn(5, 4, 3), torch.randn(4, 2)), 'RNN: expected h0 of shape', [[2, 4, 2], [4, 2]]);
      expectOpError(() => rnn.forward(torch.randn(5, 3), torch.randn(2, 1, 2)), 'RNN: expected h0 of shape', [[2, 2], [2, 1, 2], [5, 3]]);
      const lstm = new nn.LSTM(3, 2, { bidirectional: true });
      expectOpError(() => lstm.forward(torch.randn(5, 4, 3), [torch.randn(2, 4, 2), torch.randn(2, 4, 3)]), 'LSTM: expected c0 of shape', [[2, 4, 2], [2, 4, 3]]);
      expectOpError(() => lstm.forward(torch.randn(5, 4, 3), [torch.randn(1, 4, 2), torch.randn(2, 4, 2)]), 'LSTM: expected h0 of shape', [[2, 4, 2], [1, 4, 2]]);
      expectOpError(() => lstm.forward(torch.randn(5, 4, 3), torch.randn(2, 4, 2) as never), 'LSTM: hx must be an array [h0, c0]');
      expectOpError(() => new nn.GRU(3, 2).forward(torch.randn(5, 4, 3), [torch.randn(1, 4, 2)] as never), 'GRU: h0 must be a Tensor');
    });

    it('cells: wrong feature size, rank, state shape', () => {
      const cell = new nn.RNNCell(3, 2);
      expectOpError(() => cell.forward(torch.randn(4, 5)), 'RNNCell: input has 5 features but inputSize is 3', [[4, 5]]);
      expectOpError(() => cell.forward(torch.randn(4, 5, 3)), 'RNNCell: expected input to be 1-D (unbatched) or 2-D', [[4, 5, 3]]);
      expectOpError(() => cell.forward(torch.randn(4, 3), torch.randn(3, 2)), 'RNNCell: expected hx of shape', [[4, 2], [3, 2], [4, 3]]);
      expectOpError(() => cell.forward(torch.randn(3), torch.randn(1, 2)), 'RNNCell: expected hx of shape', [[2], [1, 2]]);
      const lstm = new nn.LSTMCell(3, 2);
      expectOpError(() => lstm.forward(torch.randn(4, 3), [torch.randn(4, 2), torch.randn(4, 3)]), 'LSTMCell: expected c of shape', [[4, 2], [4, 3]]);
      expectOpError(() => lstm.forward(torch.randn(4, 3), [torch.randn(4, 2)] as never), 'LSTMCell: hx must be an array [h, c]');
      expectOpError(() => new nn.GRUCell(3, 2).forward(torch.randn(4, 3), torch.randn(4, 3)), 'GRUCell: expected hx of shape', [[4, 2], [4, 3]]);
    });
  });
});
