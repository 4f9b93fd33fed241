/**
 * nn.RNN, nn.LSTM, nn.GRU: stacks of recurrent layers over whole sequences, optionally bidirectional.
 *
 * Input [T, B, inputSize] ([B, T, inputSize] with batchFirst) or unbatched [T, inputSize]; states
 * [numLayers · numDirections, B, hiddenSize] (unbatched: without B), zeros when not given. Layer l > 0 reads
 * the concatenated outputs of both directions of layer l − 1, after dropout (in training mode only).
 *
 * Parameters, per layer l and direction (suffix `_reverse` for the backward one), in PyTorch's order:
 * weight_ih_l{l} [G·H, I_l], weight_hh_l{l} [G·H, H], bias_ih_l{l} [G·H], bias_hh_l{l} [G·H]; G = 1, 4 or 3.
 * The sequence maths lives in rnn-functional.ts: one fused op per layer-direction.
 */
import { Module, Parameter } from './module.js';
import type { Tensor } from '../tensor.js';
import { empty } from '../creation.js';
import { dropout } from './functional.js';
import { fullTensor } from '../ops/internal.js';
import { cat, stack } from '../ops/join.js';
import { shapeStr } from '../shape.js';
import { resetRecurrentParameters } from './rnn-cells.js';
import { unbind } from '../ops/shape.js';
import {
  gruLayer, lstmLayer, rnnReluLayer, rnnTanhLayer, type LayerFn, type RecurrentWeights,
} from './rnn-functional.js';
import {
  checkShape, checkTensorArg, describe, layerConfig, layerRepr, type LayerConfig, type Nonlinearity,
  type RNNBaseOptions, type RNNOptions,
} from './rnn-options.js';

export type RecurrentMode = 'RNN_TANH' | 'RNN_RELU' | 'LSTM' | 'GRU';

const GATES: Record<RecurrentMode, number> = { RNN_TANH: 1, RNN_RELU: 1, LSTM: 4, GRU: 3 };
const LAYER_FNS: Record<RecurrentMode, LayerFn> = { RNN_TANH: rnnTanhLayer, RNN_RELU: rnnReluLayer, LSTM: lstmLayer, GRU: gruLayer };

export abstract class RNNBase extends Module {
  [name: `weight_${string}`]: Parameter;
  [name: `bias_${string}`]: Parameter;
  readonly mode: RecurrentMode;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  /** parameter names per layer-direction, in registration order (PyTorch's _all_weights) */
  private readonly _weightNames: string[][] = [];

  protected constructor(mode: RecurrentMode, config: LayerConfig) {
    super();
    this.mode = mode;
    this.inputSize = config.inputSize;
    this.hiddenSize = config.hiddenSize;
    this.numLayers = config.numLayers;
    this.bias = config.bias;
    this.batchFirst = config.batchFirst;
    this.dropout = config.dropout;
    this.bidirectional = config.bidirectional;
    const G = GATES[mode] * this.hiddenSize;
    const directions = this.bidirectional ? 2 : 1;
    const params = this as unknown as Record<string, Parameter>;
    for (let layer = 0; layer < this.numLayers; layer++) {
      const layerInput = layer === 0 ? this.inputSize : this.hiddenSize * directions;
      for (let direction = 0; direction < directions; direction++) {
        const suffix = `_l${layer}${direction === 1 ? '_reverse' : ''}`;
        const shapes: [string, number[]][] = [[`weight_ih${suffix}`, [G, layerInput]], [`weight_hh${suffix}`, [G, this.hiddenSize]]];
        if (this.bias) shapes.push([`bias_ih${suffix}`, [G]], [`bias_hh${suffix}`, [G]]);
        for (const [name, shape] of shapes) params[name] = new Parameter(empty(shape));
        this._weightNames.push(shapes.map(([name]) => name));
      }
    }
    this.resetParameters();
  }

  resetParameters(): void {
    resetRecurrentParameters(this, this.hiddenSize);
  }

  /** No-op: kept so PyTorch code that calls `flatten_parameters()` translates line by line. */
  flattenParameters(): void {}

  /** The parameters of each layer-direction (PyTorch's `all_weights`). */
  get allWeights(): Parameter[][] {
    const params = this as unknown as Record<string, Parameter>;
    return this._weightNames.map((names) => names.map((name) => params[name]));
  }

  private layerWeights(index: number): RecurrentWeights {
    const [wIh, wHh, bIh = null, bHh = null] = this.allWeights[index];
    return { wIh, wHh, bIh, bHh };
  }

  /**
   * The whole forward pass for states `hx` ([h0] or [h0, c0], or null for zeros) named `stateNames` in
   * messages: checks, unbatched and batchFirst layouts, layers and directions. Returns [output, final states].
   */
  protected run(input: unknown, hx: unknown[] | null, stateNames: string[]): [Tensor, Tensor[]] {
    const name = this.constructor.name;
    checkTensorArg(name, 'input', input);
    if (input.dim() !== 2 && input.dim() !== 3) {
      const layout = this.batchFirst ? 'batch, seq, inputSize' : 'seq, batch, inputSize';
      throw new Error(`${name}: expected input to be 2-D (seq, inputSize) or 3-D (${layout}), but received a ${input.dim()}-D tensor of shape ${shapeStr(input.shape)}`);
    }
    const features = input.shape[input.dim() - 1];
    if (features !== this.inputSize) {
      throw new Error(`${name}: input.size(-1) must be equal to inputSize; expected ${this.inputSize}, got ${features} (input shape ${shapeStr(input.shape)})`);
    }
    const batched = input.dim() === 3;
    const batchDim = this.batchFirst ? 0 : 1;
    let x = batched ? input : input.unsqueeze(batchDim);
    if (this.batchFirst) x = x.transpose(0, 1);
    const [T, B] = x.shape;
    if (T === 0) throw new Error(`${name}: expected sequence length to be larger than 0, got input of shape ${shapeStr(input.shape)}`);

    const directions = this.bidirectional ? 2 : 1;
    const stacked = this.numLayers * directions;
    const states = stateNames.map((what, k) => {
      if (hx === null) return fullTensor([stacked, B, this.hiddenSize], 0, 'float32', x.storage.backend);
      const s = hx[k];
      checkTensorArg(name, what, s);
      const expected = batched ? [stacked, B, this.hiddenSize] : [stacked, this.hiddenSize];
      const meaning = `numLayers * numDirections, ${batched ? 'batch, ' : ''}hiddenSize`;
      checkShape(name, what, s, expected, meaning, () => `for ${batched ? 'batched' : 'unbatched'} input of shape ${shapeStr(input.shape)}`);
      return batched ? s : s.unsqueeze(1);
    });

    const initial = states.map((s) => unbind(s, 0));
    const finals: Tensor[][] = states.map(() => []);
    const layerFn = LAYER_FNS[this.mode];
    let layerInput = x;
    for (let layer = 0; layer < this.numLayers; layer++) {
      const outputs: Tensor[] = [];
      for (let direction = 0; direction < directions; direction++) {
        const index = layer * directions + direction;
        const [out, last] = layerFn(layerInput, initial.map((s) => s[index]), this.layerWeights(index), direction === 1);
        outputs.push(out);
        last.forEach((s, k) => finals[k].push(s));
      }
      layerInput = directions === 1 ? outputs[0] : cat(outputs, 2);
      if (layer < this.numLayers - 1 && this.training && this.dropout > 0) layerInput = dropout(layerInput, this.dropout, true);
    }

    let output = this.batchFirst ? layerInput.transpose(0, 1) : layerInput;
    if (!batched) output = output.squeeze(batchDim);
    const last = finals.map((f) => (batched ? stack(f, 0) : stack(f, 0).squeeze(1)));
    return [output, last];
  }

  override extraRepr(): string {
    return layerRepr(this);
  }
}

/** Elman RNN: h_t = act(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh), act = tanh or ReLU. */
export class RNN extends RNNBase {
  readonly nonlinearity: Nonlinearity;

  constructor(inputSize: number, hiddenSize: number, numLayers?: number | RNNOptions, options?: RNNOptions);
  constructor(options: RNNOptions);
  constructor(...args: unknown[]) {
    const config = layerConfig('RNN', true, args);
    super(config.nonlinearity === 'relu' ? 'RNN_RELU' : 'RNN_TANH', config);
    this.nonlinearity = config.nonlinearity;
  }

  /** `[output, hn]`: output [T, B, D·H] (batchFirst: [B, T, D·H]), hn [numLayers·D, B, H]. */
  override forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor] {
    const [output, [hn]] = this.run(input, hx == null ? null : [hx], ['h0']);
    return [output, hn];
  }
}

/** LSTM: gates i, f, g, o per step as LSTMCell, for every layer and direction. */
export class LSTM extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, numLayers?: number | RNNBaseOptions, options?: RNNBaseOptions);
  constructor(options: RNNBaseOptions);
  constructor(...args: unknown[]) {
    super('LSTM', layerConfig('LSTM', false, args));
  }

  /** `[output, [hn, cn]]` for `[h0, c0]` (zeros when not given). */
  override forward(input: Tensor, hx?: [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]] {
    if (hx != null && (!Array.isArray(hx) || hx.length !== 2)) {
      throw new Error(`LSTM: hx must be an array [h0, c0] of two tensors, got ${describe(hx)}`);
    }
    const [output, [hn, cn]] = this.run(input, hx ?? null, ['h0', 'c0']);
    return [output, [hn, cn]];
  }
}

/** GRU: gates r, z, n per step as GRUCell, for every layer and direction. */
export class GRU extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, numLayers?: number | RNNBaseOptions, options?: RNNBaseOptions);
  constructor(options: RNNBaseOptions);
  constructor(...args: unknown[]) {
    super('GRU', layerConfig('GRU', false, args));
  }

  /** `[output, hn]` as RNN's. */
  override forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor] {
    const [output, [hn]] = this.run(input, hx == null ? null : [hx], ['h0']);
    return [output, hn];
  }
}
