/**
 * nn.RNNCell, nn.LSTMCell, nn.GRUCell: one time step. Input [B, inputSize] or unbatched [inputSize];
 * hidden state [B, hiddenSize] or [hiddenSize], zeros when not given.
 *
 * Parameters as PyTorch's: weight_ih [G·H, I], weight_hh [G·H, H], bias_ih [G·H], bias_hh [G·H] with
 * G = 1 (RNN), 4 (LSTM: i, f, g, o) or 3 (GRU: r, z, n); registered in that order and initialised in that
 * order from U(−1/√H, 1/√H). Without bias, `bias_ih` and `bias_hh` are null (PyTorch's None).
 */
import { Module, Parameter } from './module.js';
import type { Tensor } from '../tensor.js';
import { empty } from '../creation.js';
import { noGrad } from '../autograd/graph.js';
import { fullTensor } from '../ops/internal.js';
import { shapeStr } from '../shape.js';
import { gruCell, lstmCell, rnnCell, type RecurrentWeights } from './rnn-functional.js';
import {
  cellConfig, cellRepr, checkShape, checkTensorArg, describe, type CellConfig, type Nonlinearity,
  type RNNCellBaseOptions, type RNNCellOptions,
} from './rnn-options.js';

/** Initialises every parameter of `module`, in registration order, from U(−1/√H, 1/√H) (PyTorch's reset_parameters). */
export function resetRecurrentParameters(module: Module, hiddenSize: number): void {
  const bound = hiddenSize > 0 ? 1 / Math.sqrt(hiddenSize) : 0;
  noGrad(() => {
    for (const p of module.parameters()) p.uniform_(-bound, bound);
  });
}

export abstract class RNNCellBase extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly bias: boolean;
  weight_ih: Parameter;
  weight_hh: Parameter;
  bias_ih: Parameter | null;
  bias_hh: Parameter | null;

  protected constructor(config: CellConfig, gates: number) {
    super();
    this.inputSize = config.inputSize;
    this.hiddenSize = config.hiddenSize;
    this.bias = config.bias;
    const G = gates * config.hiddenSize;
    this.weight_ih = new Parameter(empty(G, config.inputSize));
    this.weight_hh = new Parameter(empty(G, config.hiddenSize));
    this.bias_ih = config.bias ? new Parameter(empty(G)) : null;
    this.bias_hh = config.bias ? new Parameter(empty(G)) : null;
    this.resetParameters();
  }

  resetParameters(): void {
    resetRecurrentParameters(this, this.hiddenSize);
  }

  protected get weights(): RecurrentWeights {
    return { wIh: this.weight_ih, wHh: this.weight_hh, bIh: this.bias_ih, bHh: this.bias_hh };
  }

  /** Checks the input and makes it batched: returns [x as [B, I], whether it was batched]. */
  protected batchedInput(input: unknown): [Tensor, boolean] {
    const name = this.constructor.name;
    checkTensorArg(name, 'input', input);
    if (input.dim() !== 1 && input.dim() !== 2) {
      throw new Error(`${name}: expected input to be 1-D (unbatched) or 2-D (batch, inputSize), but received a ${input.dim()}-D tensor of shape ${shapeStr(input.shape)}`);
    }
    const features = input.shape[input.dim() - 1];
    if (features !== this.inputSize) {
      throw new Error(`${name}: input has ${features} features but inputSize is ${this.inputSize} (input shape ${shapeStr(input.shape)})`);
    }
    const batched = input.dim() === 2;
    return [batched ? input : input.unsqueeze(0), batched];
  }

  /** Checks a hidden/cell state against the input and makes it batched (zeros when not given). */
  protected batchedState(what: string, state: unknown, x: Tensor, batched: boolean, input: Tensor): Tensor {
    if (state === undefined || state === null) return fullTensor([x.shape[0], this.hiddenSize], 0, 'float32', x.storage.backend);
    const name = this.constructor.name;
    checkTensorArg(name, what, state);
    const expected = batched ? [x.shape[0], this.hiddenSize] : [this.hiddenSize];
    const meaning = batched ? 'batch, hiddenSize' : 'hiddenSize';
    checkShape(name, what, state, expected, meaning, () => `for input of shape ${shapeStr(input.shape)}`);
    return batched ? state : state.unsqueeze(0);
  }

  override extraRepr(): string {
    return cellRepr(this);
  }
}

/** h' = act(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh), act = tanh or ReLU. */
export class RNNCell extends RNNCellBase {
  readonly nonlinearity: Nonlinearity;

  constructor(inputSize: number, hiddenSize: number, options?: RNNCellOptions);
  constructor(options: RNNCellOptions);
  constructor(...args: unknown[]) {
    const config = cellConfig('RNNCell', true, args);
    super(config, 1);
    this.nonlinearity = config.nonlinearity;
  }

  override forward(input: Tensor, hx?: Tensor | null): Tensor {
    const [x, batched] = this.batchedInput(input);
    const h = this.batchedState('hx', hx, x, batched, input);
    const out = rnnCell(x, h, this.weights, this.nonlinearity === 'relu');
    return batched ? out : out.squeeze(0);
  }

  override extraRepr(): string {
    return cellRepr(this, this.nonlinearity);
  }
}

/** c' = σ(f)·c + σ(i)·tanh(g), h' = σ(o)·tanh(c'), gates i, f, g, o = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh. */
export class LSTMCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, options?: RNNCellBaseOptions);
  constructor(options: RNNCellBaseOptions);
  constructor(...args: unknown[]) {
    super(cellConfig('LSTMCell', false, args), 4);
  }

  /** `[h, c]` in, `[h', c']` out (PyTorch's tuples); zeros when `hx` is not given. */
  override forward(input: Tensor, hx?: [Tensor, Tensor] | null): [Tensor, Tensor] {
    const [x, batched] = this.batchedInput(input);
    let h: Tensor;
    let c: Tensor;
    if (hx === undefined || hx === null) {
      h = this.batchedState('hx', null, x, batched, input);
      c = h;
    } else {
      if (!Array.isArray(hx) || hx.length !== 2) {
        throw new Error(`LSTMCell: hx must be an array [h, c] of two tensors, got ${describe(hx)}`);
      }
      h = this.batchedState('h', hx[0], x, batched, input);
      c = this.batchedState('c', hx[1], x, batched, input);
    }
    const [hNext, cNext] = lstmCell(x, h, c, this.weights);
    return batched ? [hNext, cNext] : [hNext.squeeze(0), cNext.squeeze(0)];
  }
}

/** r, z = σ(W_i{r,z} x + b_i{r,z} + W_h{r,z} h + b_h{r,z}); n = tanh(W_in x + b_in + r·(W_hn h + b_hn)); h' = (1 − z)·n + z·h. */
export class GRUCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, options?: RNNCellBaseOptions);
  constructor(options: RNNCellBaseOptions);
  constructor(...args: unknown[]) {
    super(cellConfig('GRUCell', false, args), 3);
  }

  override forward(input: Tensor, hx?: Tensor | null): Tensor {
    const [x, batched] = this.batchedInput(input);
    const h = this.batchedState('hx', hx, x, batched, input);
    const out = gruCell(x, h, this.weights);
    return batched ? out : out.squeeze(0);
  }
}
