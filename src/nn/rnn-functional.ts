/**
 * The maths of the recurrent layers: the cells as functions, and one function per layer-direction that runs
 * a whole sequence. Both run on the fused recurrent op (src/ops/rnn.ts): one autograd node per cell call or
 * per layer-direction, the recurrence inside one kernel. The same functions composed from primitive ops are
 * in rnn-reference.ts (the test oracle).
 *
 * The layer-direction functions (`rnnTanhLayer`, `rnnReluLayer`, `lstmLayer`, `gruLayer`) take input
 * [T, B, I], the initial state ([h0] or [h0, c0], each [B, H]) and one layer-direction's weights, and return
 * output [T, B, H] and the final state. Gate layouts are PyTorch's: LSTM rows of W are i, f, g, o; GRU r, z, n.
 *
 * gradFn names are the ones PyTorch 1.13 shows on CPU for the same call: its cells end in tanh / relu
 * (RNN), a product for h and a sum for c (LSTM), a sum (GRU); its layers stack the steps' outputs.
 */
import type { Tensor } from '../tensor.js';
import { recurrentCell, recurrentLayer, type RecurrentKind } from '../ops/rnn.js';

/** One layer-direction's parameters (cells use the same shape of record). */
export interface RecurrentWeights {
  /** [G, I], G = gates · H */
  wIh: Tensor;
  /** [G, H] */
  wHh: Tensor;
  /** [G] */
  bIh: Tensor | null;
  /** [G] */
  bHh: Tensor | null;
}

/** Runs one layer in one direction: (input [T, B, I], state [B, H] each, weights) -> (output [T, B, H], final state). */
export type LayerFn = (input: Tensor, state: Tensor[], w: RecurrentWeights, reverse: boolean) => [Tensor, Tensor[]];

// ---- cells: x [B, I], h (and c) [B, H] ----

/** h' = act(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh), act = tanh or ReLU. */
export function rnnCell(x: Tensor, h: Tensor, w: RecurrentWeights, relu: boolean): Tensor {
  return relu
    ? recurrentCell('RNN_RELU', x, h, null, w, 'ReluBackward0')[0]
    : recurrentCell('RNN_TANH', x, h, null, w, 'TanhBackward0')[0];
}

/** gates i, f, g, o = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh; c' = σ(f)·c + σ(i)·tanh(g); h' = σ(o)·tanh(c'). */
export function lstmCell(x: Tensor, h: Tensor, c: Tensor, w: RecurrentWeights): [Tensor, Tensor] {
  const [hNext, cNext] = recurrentCell('LSTM', x, h, c, w, 'MulBackward0', 'AddBackward0');
  return [hNext, cNext];
}

/** r, z = σ(W_i{r,z}·x + b_i{r,z} + W_h{r,z}·h + b_h{r,z}); n = tanh(W_in·x + b_in + r·(W_hn·h + b_hn)); h' = n + z·(h − n). */
export function gruCell(x: Tensor, h: Tensor, w: RecurrentWeights): Tensor {
  return recurrentCell('GRU', x, h, null, w, 'AddBackward0')[0];
}

// ---- layer-directions ----

function layer(kind: RecurrentKind): LayerFn {
  return (input, state, w, reverse) => {
    const [out, ...last] = recurrentLayer(kind, input, state[0], state[1] ?? null, w, reverse, 'StackBackward0');
    return [out, last];
  };
}

export const rnnTanhLayer: LayerFn = layer('RNN_TANH');

export const rnnReluLayer: LayerFn = layer('RNN_RELU');

export const lstmLayer: LayerFn = layer('LSTM');

export const gruLayer: LayerFn = layer('GRU');
