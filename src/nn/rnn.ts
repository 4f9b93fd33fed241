/**
 * Recurrent layers with PyTorch's names, parameters, gate order and initialisation:
 * cells (one step) in rnn-cells.ts, multi-layer sequence modules in rnn-layers.ts, their maths in
 * rnn-functional.ts (on the fused op src/ops/rnn.ts; the composed reference in rnn-reference.ts),
 * constructor options and checks in rnn-options.ts.
 */
export { RNNCellBase, RNNCell, LSTMCell, GRUCell } from './rnn-cells.js';
export { RNNBase, RNN, LSTM, GRU, type RecurrentMode } from './rnn-layers.js';
export type { Nonlinearity, RNNCellOptions, RNNCellBaseOptions, RNNOptions, RNNBaseOptions } from './rnn-options.js';
