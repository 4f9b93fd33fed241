/**
 * Argument validation of nn modules, nn.functional, nn.utils and optim: constructor options, forward inputs
 * (types, dtypes, shapes, class and token ranges), hyper-parameters. Each misuse is a plain Error naming the
 * module or function, and the shapes where there are some.
 */
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index';
import { forEachBackend } from '../helpers/backends';
import { expectOpError } from '../helpers/errors';

const { nn, optim } = torch;
const F = nn.functional;
const N = nn as unknown as Record<string, new (...args: unknown[]) => { forward: (...a: unknown[]) => unknown }>;
const O = optim as unknown as Record<string, new (...args: unknown[]) => { step: () => unknown }>;
const long = (values: number[]) => torch.tensor(values, { dtype: 'int64' });
const param = () => new nn.Parameter(torch.randn(2));

function rejects(fn: () => unknown, op: string, shapes: number[][] = []): void {
  const error = expectOpError(fn, op, shapes);
  expect(error.constructor, error.message).toBe(Error);
}

forEachBackend(() => {
  describe('nn constructors', () => {
    it('reject sizes that are not non-negative integers, and unknown or misspelt options', () => {
      for (const bad of [-1, 1.5, NaN, '3', undefined, null]) {
        rejects(() => new N.Linear(bad, 2), 'Linear');
        rejects(() => new N.Embedding(5, bad), 'Embedding');
        rejects(() => new N.RNN(3, bad), 'RNN');
        rejects(() => new N.LSTMCell(bad, 2), 'LSTMCell');
      }
      rejects(() => new N.Linear(3, 2, { bais: false }), 'Linear');
      rejects(() => new N.LSTM(3, 2, { batch_first: true }), 'LSTM');
      rejects(() => new N.RNN(3, 2, { numLayers: 0 }), 'RNN');
      rejects(() => new N.RNN(3, 2, { nonlinearity: 'gelu' }), 'RNN');
      rejects(() => new N.GRU(3, 2, { dropout: 1.5 }), 'GRU');
      rejects(() => new N.Embedding(5, 2, { paddingIdx: 5 }), 'Embedding');
      rejects(() => new N.Dropout(-0.1), 'Dropout');
      rejects(() => new N.Softmax('1'), 'Softmax');
      rejects(() => new N.Sequential(new nn.Tanh(), 3), 'Sequential');
      rejects(() => new N.CrossEntropyLoss({ reduction: 'avg' }), 'CrossEntropyLoss');
      rejects(() => new N.CrossEntropyLoss({ labelSmoothing: 2 }), 'CrossEntropyLoss');
      rejects(() => new N.NLLLoss({ ignoreIndex: 0.5 }), 'NLLLoss');
      rejects(() => new N.NLLLoss(torch.ones(2, 2)), 'NLLLoss', [[2, 2]]);
      rejects(() => new N.Parameter([1, 2]), 'Parameter');
      rejects(() => new nn.Parameter(torch.ones(2, { dtype: 'int64' })), 'requiresGrad_', [[2]]);
    });
  });

  describe('forward inputs', () => {
    it('layers name the expected and the received shapes and dtypes', () => {
      rejects(() => new nn.Linear(3, 2).forward(torch.randn(4, 5)), 'linear', [[4, 5], [2, 3]]);
      rejects(() => new nn.Linear(3, 2).forward(torch.zeros(2, 3, { dtype: 'int64' })), 'linear', [[2, 3]]);
      rejects(() => new nn.Linear(3, 2).forward(torch.tensor(1)), 'linear');
      rejects(() => new nn.Embedding(5, 2).forward(torch.tensor([1])), 'embedding', [[1]]);
      rejects(() => new nn.Embedding(5, 2).forward(long([5])), 'embedding');
      rejects(() => new nn.LSTM(3, 2).forward(torch.randn(5, 1, 4)), 'LSTM', [[5, 1, 4]]);
      rejects(() => new nn.LSTM(3, 2).forward(torch.randn(5, 1, 1, 3)), 'LSTM', [[5, 1, 1, 3]]);
      rejects(() => new nn.LSTM(3, 2).forward(torch.randn(5, 1, 3), [torch.zeros(1, 1, 3), torch.zeros(1, 1, 2)]), 'LSTM', [[1, 1, 2], [1, 1, 3]]);
      rejects(() => new N.LSTM(3, 2).forward(torch.randn(5, 1, 3), torch.zeros(1, 1, 2)), 'LSTM', [[1, 1, 2]]);
      rejects(() => new nn.RNNCell(3, 2).forward(torch.randn(1, 4)), 'RNNCell', [[1, 4]]);
      rejects(() => new nn.GRU(3, 2).forward(torch.zeros(5, 1, 3, { dtype: 'int64' })), 'GRU', [[5, 1, 3]]);
      rejects(() => new nn.Softmax(5).forward(torch.randn(2, 3)), 'softmax');
    });

    it('losses check targets: dtype, shape and class range', () => {
      const logits = torch.randn(2, 3);
      rejects(() => new nn.CrossEntropyLoss().forward(logits, torch.randn(2)), 'crossEntropy', [[2]]);
      rejects(() => new nn.CrossEntropyLoss().forward(logits, long([0, 3])), 'crossEntropy', [[2, 3], [2]]);
      rejects(() => new nn.CrossEntropyLoss().forward(logits, long([0, 1, 2])), 'crossEntropy', [[3], [2, 3]]);
      rejects(() => new nn.NLLLoss().forward(torch.tensor(1), long([0])), 'nllLoss');
      rejects(() => new nn.MSELoss().forward(logits, torch.randn(4)), 'mseLoss', [[2, 3], [4]]);
      rejects(() => F.crossEntropy(logits, long([0, 1]), { reduction: 'avg' as never }), 'crossEntropy');
      rejects(() => F.crossEntropy(logits, long([0, 1]), { weight: torch.ones(2) }), 'crossEntropy', [[2]]);
      rejects(() => F.linear(torch.randn(2, 3), torch.randn(4, 3), torch.randn(3)), 'linear', [[3], [4, 3]]);
      rejects(() => F.dropout(torch.randn(2), 1.5), 'dropout');
    });
  });

  describe('nn.utils and optim', () => {
    it('reject bad parameters and hyper-parameters', () => {
      rejects(() => nn.utils.clipGradNorm_([param()], 'a' as never), 'clipGradNorm_');
      rejects(() => nn.utils.clipGradNorm_(null as never, 1), 'clipGradNorm_');
      rejects(() => nn.utils.clipGradNorm_([param(), 3] as never, 1), 'clipGradNorm_');
      rejects(() => nn.utils.clipGradNorm_([param()], 1, 'fro' as never), 'clipGradNorm_');
      rejects(() => nn.utils.clipGradValue_([param()], NaN), 'clipGradValue_');
      rejects(() => new optim.SGD([param()], { lr: -1 }), 'SGD');
      rejects(() => new optim.SGD([param()], { lr: NaN }), 'SGD');
      rejects(() => new O.SGD([param()], { lr: '0.1' }), 'SGD');
      rejects(() => new O.SGD([param()], { lr: 0.1, weight_decay: 0.1 }), 'SGD');
      rejects(() => new optim.SGD([param()], { lr: 0.1, nesterov: true }), 'SGD');
      rejects(() => new optim.SGD([], { lr: 0.1 }), 'SGD');
      rejects(() => new O.SGD(null, { lr: 0.1 }), 'SGD');
      rejects(() => new O.SGD([1, 2], { lr: 0.1 }), 'SGD');
      rejects(() => new optim.Adam([param()], { betas: [0.9, 1] }), 'Adam');
      rejects(() => new optim.Adam([param()], { eps: -1 }), 'Adam');
      rejects(() => new optim.Adam([torch.randn(2, { requiresGrad: true }).mul(2)]), 'Adam', [[2]]);
      rejects(() => new optim.AdamW([new nn.Parameter(torch.ones(2, { dtype: 'int64' }), false)]), 'AdamW');
      rejects(() => new O.RMSprop([param()], { alpha: -1 }), 'RMSprop');
      rejects(() => new optim.SGD([param()], { lr: 0.1 }).step(3 as never), 'SGD');
      // a wrongly shaped gradient cannot be assigned in the first place
      rejects(() => {
        param().grad = torch.ones(3);
      }, 'grad', [[3], [2]]);
    });
  });
});
