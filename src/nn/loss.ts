/**
 * Loss modules: CrossEntropyLoss, NLLLoss, MSELoss. Each holds its options and calls the function form in
 * nn.functional. A class `weight` is registered as a buffer named `weight`, so it appears in the state dict
 * as in PyTorch.
 */
import { Tensor } from '../tensor.js';
import { shapeStr } from '../shape.js';
import { Module } from './module.js';
import * as F from './functional.js';
import type { Reduction } from './functional.js';
import { parseArgs } from './args.js';

export type { Reduction };

function checkReduction(reduction: unknown, op: string): Reduction {
  if (reduction === 'mean' || reduction === 'sum' || reduction === 'none') return reduction;
  throw new Error(`${op}: reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(reduction)}`);
}

function checkIgnoreIndex(value: unknown, op: string): number {
  if (!Number.isInteger(value)) throw new Error(`${op}: ignoreIndex must be an integer, got ${String(value)}`);
  return value as number;
}

function checkWeight(weight: unknown, op: string): Tensor | null {
  if (weight == null) return null;
  if (!(weight instanceof Tensor) || weight.dtype !== 'float32' || weight.shape.length !== 1) {
    const got = weight instanceof Tensor ? `${weight.dtype} tensor of shape ${shapeStr(weight.shape)}` : typeof weight;
    throw new Error(`${op}: weight must be a 1-D float32 tensor with one value per class, got ${got}`);
  }
  return weight;
}

export interface NLLLossOptions {
  weight?: Tensor | null;
  ignoreIndex?: number;
  reduction?: Reduction;
}

export interface CrossEntropyLossOptions extends NLLLossOptions {
  labelSmoothing?: number;
}

/** Base of the losses that take a per-class weight. */
abstract class WeightedLoss extends Module {
  reduction: Reduction;
  ignoreIndex: number;
  /** the class weight (also registered as the buffer `weight`) */
  protected _weight: Tensor | null;

  constructor(op: string, o: NLLLossOptions) {
    super();
    this.reduction = checkReduction(o.reduction ?? 'mean', op);
    this._weight = checkWeight(o.weight, op);
    if (this._weight !== null) this.registerBuffer('weight', this._weight);
    this.ignoreIndex = checkIgnoreIndex(o.ignoreIndex ?? -100, op);
  }
}

/** Negative log-likelihood of log-probabilities at class-index targets. */
export class NLLLoss extends WeightedLoss {
  constructor(weightOrOptions?: Tensor | NLLLossOptions | null, options: NLLLossOptions = {}) {
    const args = weightOrOptions instanceof Tensor || weightOrOptions == null ? [weightOrOptions ?? null, options] : [weightOrOptions];
    super('NLLLoss', parseArgs<NLLLossOptions>('NLLLoss', args, ['weight'], ['weight', 'ignoreIndex', 'reduction']));
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return F.nllLoss(input, target, { weight: this._weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

/** log_softmax over the class dim followed by NLLLoss, with optional label smoothing. */
export class CrossEntropyLoss extends WeightedLoss {
  labelSmoothing: number;

  constructor(weightOrOptions?: Tensor | CrossEntropyLossOptions | null, options: CrossEntropyLossOptions = {}) {
    const args = weightOrOptions instanceof Tensor || weightOrOptions == null ? [weightOrOptions ?? null, options] : [weightOrOptions];
    const o = parseArgs<CrossEntropyLossOptions>('CrossEntropyLoss', args, ['weight'], ['weight', 'ignoreIndex', 'reduction', 'labelSmoothing']);
    super('CrossEntropyLoss', o);
    const smoothing = o.labelSmoothing ?? 0;
    if (typeof smoothing !== 'number' || !(smoothing >= 0 && smoothing <= 1)) {
      throw new Error(`CrossEntropyLoss: labelSmoothing must be between 0.0 and 1.0, got ${String(smoothing)}`);
    }
    this.labelSmoothing = smoothing;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return F.crossEntropy(input, target, {
      weight: this._weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction, labelSmoothing: this.labelSmoothing,
    });
  }
}

/** Mean squared error between input and target. */
export class MSELoss extends Module {
  reduction: Reduction;

  constructor(options: { reduction?: Reduction } = {}) {
    super();
    const o = parseArgs<{ reduction: Reduction }>('MSELoss', [options], [], ['reduction']);
    this.reduction = checkReduction(o.reduction ?? 'mean', 'MSELoss');
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return F.mseLoss(input, target, { reduction: this.reduction });
  }
}
