/**
 * torch.nn.functional: the function forms the nn modules call. Activations delegate to their ops; linear,
 * dropout and the losses are composed here from ops, following PyTorch 1.13's ATen compositions so that
 * values, gradients and grad_fn names match.
 */
import { Tensor } from '../tensor.js';
import { noGrad, record } from '../autograd/graph.js';
import type { DType } from '../backend/types.js';
import { contiguousRaw, emptyTensor, freeTemporary, fullTensor, readValues, use } from '../ops/internal.js';
import { add, div, mul, neg, relu as reluOp, sigmoid as sigmoidOp, square, sub, tanh as tanhOp, where } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import { logSoftmax as logSoftmaxOp, softmax as softmaxOp } from '../ops/softmax.js';
import { embedding as embeddingOp, gatherRaw, scatterAddRaw } from '../ops/indexing.js';
import { matmul } from '../ops/matmul.js';
import { addmm, linear2d } from '../ops/linear.js';
import { permute, reshape, t as transpose2d, view } from '../ops/shape.js';
import { defaultGenerator } from '../random.js';
import { broadcastShapes, sameShape, shapeStr } from '../shape.js';

export type Reduction = 'mean' | 'sum' | 'none';

function checkTensor(x: unknown, op: string, what: string): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${op}: ${what} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
}

function checkFloat(x: unknown, op: string, what: string): asserts x is Tensor {
  checkTensor(x, op, what);
  if (x.dtype !== 'float32') throw new Error(`${op}: ${what} must be a float32 tensor, got ${x.dtype} (shape ${shapeStr(x.shape)})`);
}

function checkReduction(reduction: unknown, op: string): Reduction {
  if (reduction === 'mean' || reduction === 'sum' || reduction === 'none') return reduction;
  throw new Error(`${op}: reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(reduction)}`);
}

/** A tensor on `like`'s backend holding `values`. */
function valuesLike(like: Tensor, shape: number[], values: ArrayLike<number>, dtype: DType = 'float32'): Tensor {
  const t = emptyTensor(shape, dtype, like.storage.backend);
  if (values.length > 0) like.storage.backend.write(t.storage.buf!, 0, values);
  return t;
}

// ---------------------------------------------------------------- activations

export const relu = (input: Tensor): Tensor => reluOp(input);
export const tanh = (input: Tensor): Tensor => tanhOp(input);
export const sigmoid = (input: Tensor): Tensor => sigmoidOp(input);

let warnedImplicitDim = false;

/** PyTorch's legacy choice of dim when none is given (0 for 0-, 1- and 3-D input, else 1), with its warning. */
export function implicitSoftmaxDim(input: Tensor, op: string): number {
  if (!warnedImplicitDim) {
    warnedImplicitDim = true;
    console.warn(`${op}: implicit dimension choice has been deprecated; pass the dim explicitly`);
  }
  const rank = input.shape.length;
  return rank === 0 || rank === 1 || rank === 3 ? 0 : 1;
}

function dimOf(input: Tensor, dim: number | { dim?: number } | undefined, op: string): number {
  const d = typeof dim === 'object' && dim !== null ? dim.dim : dim;
  return d === undefined || d === null ? implicitSoftmaxDim(input, op) : d;
}

export function softmax(input: Tensor, dim?: number | { dim?: number }): Tensor {
  checkTensor(input, 'softmax', 'input');
  return softmaxOp(input, dimOf(input, dim, 'softmax'));
}

export function logSoftmax(input: Tensor, dim?: number | { dim?: number }): Tensor {
  checkTensor(input, 'logSoftmax', 'input');
  return logSoftmaxOp(input, dimOf(input, dim, 'logSoftmax'));
}

// ---------------------------------------------------------------- linear, embedding, dropout

/**
 * y = x·Wᵀ + b for x [..., in], W [out, in], b [out]. As PyTorch 1.13: 2-D input with a bias is one addmm
 * (AddmmBackward0), contiguous 3-D input with a bias is an addmm on the folded batch (ViewBackward0), and
 * anything else is matmul followed by the bias add.
 */
export function linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  checkFloat(input, 'linear', 'input');
  checkFloat(weight, 'linear', 'weight');
  if (weight.shape.length !== 2) throw new Error(`linear: weight must be 2-D [out_features, in_features], got shape ${shapeStr(weight.shape)}`);
  if (input.shape.length === 0) throw new Error(`linear: input must have at least 1 dimension, got shape ${shapeStr(input.shape)}`);
  const [outFeatures, inFeatures] = weight.shape;
  const features = input.shape[input.shape.length - 1];
  if (features !== inFeatures) {
    throw new Error(
      `linear: input has ${features} features but weight expects ${inFeatures} ` +
        `(input shape ${shapeStr(input.shape)}, weight shape ${shapeStr(weight.shape)})`,
    );
  }
  if (bias != null) {
    checkFloat(bias, 'linear', 'bias');
    if (bias.shape.length !== 1 || bias.shape[0] !== outFeatures) {
      throw new Error(`linear: bias has shape ${shapeStr(bias.shape)} but weight has ${outFeatures} output features (weight shape ${shapeStr(weight.shape)}); expected bias shape [${outFeatures}]`);
    }
    if (input.shape.length === 2) return linear2d(input, weight, bias);
    if (input.shape.length === 3 && input.isContiguous()) {
      const [b, s] = input.shape;
      return view(addmm(bias, view(input, [[b * s, inFeatures]]), transpose2d(weight)), [[b, s, outFeatures]]);
    }
  }
  const out = matmul(input, transpose2d(weight));
  return bias != null ? add(out, bias) : out;
}

/** Normalises PyTorch's padding_idx (negative counts from the end) against `num` rows. */
export function normPaddingIdx(paddingIdx: number | null | undefined, num: number, op: string): number | null {
  if (paddingIdx == null) return null;
  if (!Number.isInteger(paddingIdx) || paddingIdx >= num || paddingIdx < -num) {
    throw new Error(`${op}: paddingIdx ${String(paddingIdx)} must be within num_embeddings (an integer in [${-num}, ${num}))`);
  }
  return paddingIdx < 0 ? num + paddingIdx : paddingIdx;
}

/** Rows of `weight` [num, dim] at the int64 `input` indices -> [...input.shape, dim]; paddingIdx's row gets no gradient. */
export function embedding(input: Tensor, weight: Tensor, paddingIdx?: number | null | { paddingIdx?: number | null }): Tensor {
  checkTensor(input, 'embedding', 'input');
  checkFloat(weight, 'embedding', 'weight');
  if (weight.shape.length !== 2) throw new Error(`embedding: weight must be 2-D [num_embeddings, embedding_dim], got shape ${shapeStr(weight.shape)}`);
  const pad = typeof paddingIdx === 'object' && paddingIdx !== null ? paddingIdx.paddingIdx : paddingIdx;
  return embeddingOp(input, weight, normPaddingIdx(pad, weight.shape[0], 'embedding'));
}

export interface DropoutOptions {
  p?: number;
  training?: boolean;
  /** accepted for PyTorch compatibility; the result is always a new tensor */
  inplace?: boolean;
}

export function checkDropoutP(p: unknown, op: string): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
    throw new Error(`${op}: dropout probability has to be between 0 and 1, but got ${String(p)}`);
  }
  return p;
}

/**
 * Zeroes each element with probability p (mask drawn with bernoulli(1 - p) from the default generator, as
 * PyTorch's CPU dropout) and scales the survivors by 1/(1-p). Identity (the input itself) when not
 * training or p == 0.
 */
export function dropout(input: Tensor, p?: number | DropoutOptions, training?: boolean | DropoutOptions): Tensor {
  checkFloat(input, 'dropout', 'input');
  const options: DropoutOptions = {
    ...(typeof p === 'object' && p !== null ? p : { p }),
    ...(typeof training === 'object' && training !== null ? training : training === undefined ? {} : { training }),
  };
  const prob = checkDropoutP(options.p ?? 0.5, 'dropout');
  if (prob === 0 || options.training === false || input.numel() === 0) return input;
  if (prob === 1) return mul(input, fullTensor([], 0, 'float32', input.storage.backend));
  // The mask bernoulli(1 - p) scaled by 1 / (1 - p), drawn as one pass.
  const scale = Math.fround(1 / Math.fround(1 - prob));
  const keep = defaultGenerator.bernoulli(input.numel(), 1 - prob, scale);
  return mul(input, valuesLike(input, input.shape.slice(), keep));
}

// ---------------------------------------------------------------- losses

export interface NllLossOptions {
  /** per-class rescaling weight [C] */
  weight?: Tensor | null;
  ignoreIndex?: number;
  reduction?: Reduction;
}

export interface CrossEntropyOptions extends NllLossOptions {
  labelSmoothing?: number;
}

/**
 * Validated class-index targets flattened to rows, with each row's weight (0 where ignored). Plain arrays:
 * cheaper than typed ones for the few rows of a per-step loss.
 */
interface TargetPlan {
  classes: number;
  rows: number;
  /** target index per row, 0 where ignored */
  safe: number[];
  /** class weight per row, 0 where ignored */
  rowWeight: number[];
  /** 1 per kept row, 0 per ignored one */
  keep: number[];
  anyIgnored: boolean;
  totalWeight: number;
  keptCount: number;
}

function planTargets(op: string, input: Tensor, target: Tensor, weight: Tensor | null, ignoreIndex: number): TargetPlan {
  if (input.shape.length === 0) throw new Error(`${op}: input must have at least 1 dimension, got shape ${shapeStr(input.shape)}`);
  const classes = input.shape.length === 1 ? input.shape[0] : input.shape[1];
  const expected = input.shape.length === 1 ? [] : [input.shape[0], ...input.shape.slice(2)];
  if (!sameShape(target.shape, expected)) {
    throw new Error(`${op}: target shape ${shapeStr(target.shape)} does not match input shape ${shapeStr(input.shape)}; expected target shape ${shapeStr(expected)} (the input without its class dim)`);
  }
  if (weight !== null && (weight.shape.length !== 1 || weight.shape[0] !== classes)) {
    throw new Error(`${op}: weight must be 1-D with one value per class (${classes}), got shape ${shapeStr(weight.shape)}`);
  }
  // one target (a per-step loss) is read without creating a typed array
  const targets: ArrayLike<number> = target.numel() === 1
    ? [target.storage.backend.readScalar(use(target, op), target.offset)]
    : readValues(target, op);
  const weights = weight === null ? null : readValues(weight, op);
  const rows = targets.length;
  const plan: TargetPlan = {
    classes, rows,
    safe: new Array<number>(rows).fill(0), rowWeight: new Array<number>(rows).fill(0), keep: new Array<number>(rows).fill(0),
    anyIgnored: false, totalWeight: 0, keptCount: 0,
  };
  for (let i = 0; i < rows; i++) {
    const t = targets[i];
    if (t === ignoreIndex) {
      plan.anyIgnored = true;
      continue;
    }
    if (t < 0 || t >= classes) {
      throw new Error(`${op}: target ${t} is out of bounds for ${classes} classes (input shape ${shapeStr(input.shape)}, target shape ${shapeStr(target.shape)}); expected class indices in [0, ${classes}) or ignoreIndex ${ignoreIndex}`);
    }
    plan.safe[i] = t;
    plan.keep[i] = 1;
    plan.rowWeight[i] = weights === null ? 1 : weights[t];
    plan.totalWeight += plan.rowWeight[i];
    plan.keptCount++;
  }
  return plan;
}

/** Moves the class dim last and flattens: [C] -> [1, C], [N, C] as is, [N, C, d...] -> [N·d..., C]. */
function classRows(x: Tensor): Tensor {
  const r = x.shape.length;
  if (r === 1) return reshape(x, [[1, x.shape[0]]]);
  if (r === 2) return x;
  const dims = [0, ...Array.from({ length: r - 2 }, (_, i) => i + 2), 1];
  return reshape(permute(x, [dims]), [[-1, x.shape[1]]]);
}

/** The inverse of classRows for a gradient [rows, C]. */
function unclassRows(g: Tensor, shape: number[]): Tensor {
  const r = shape.length;
  if (r === 1) return reshape(g, [shape]);
  if (r === 2) return g;
  const moved = [shape[0], ...shape.slice(2), shape[1]];
  const inverse = [0, r - 1, ...Array.from({ length: r - 2 }, (_, i) => i + 1)];
  return permute(reshape(g, [moved]), [inverse]);
}

/**
 * Negative log-likelihood of log-probabilities `logp` at the planned targets:
 * loss_i = -w[t_i]·logp[i, t_i] (0 where ignored); 'mean' divides the sum by Σ w[t_i] over kept rows.
 * The gradient puts -w[t_i]·g (/ Σw for 'mean') at [i, t_i] and zero elsewhere, and nothing for ignored rows.
 */
function nllFromPlan(logp: Tensor, target: Tensor, plan: TargetPlan, reduction: Reduction): Tensor {
  const rank = logp.shape.length;
  const index = valuesLike(logp, [plan.rows, 1], plan.safe, 'int64');
  const negWeight = valuesLike(logp, [plan.rows, 1], plan.rowWeight.map((w) => -w));
  const keep = plan.anyIgnored ? valuesLike(logp, [plan.rows, 1], plan.keep) : null;
  const masked = (t: Tensor) => (keep === null ? t : where(keep, t, 0));
  // nll_loss_nd: 3-D and higher inputs go through nll_loss2d on [N, C, 1, L]; 'none' is viewed back
  const viewed = rank >= 3 && rank !== 4 && reduction === 'none';
  const noneShape = viewed ? (plan.rows > 0 ? [logp.shape[0], 1, plan.rows / logp.shape[0]] : [logp.shape[0], 0, 0]) : target.shape;
  const out = noGrad(() => {
    // the intermediates are this function's own: each is freed as soon as the next step has consumed it
    const rows = classRows(logp);
    const picked = gatherRaw(rows, 1, index, 'nllLoss');
    if (rows.storage !== logp.storage) freeTemporary(rows, null);
    const weighted = mul(picked, negWeight);
    freeTemporary(picked, null);
    const losses = masked(weighted);
    freeTemporary(weighted, losses);
    if (reduction === 'none') return reshape(losses, [noneShape]);
    const total = sum(losses);
    freeTemporary(losses, null);
    if (reduction === 'sum') return total;
    const mean = div(total, plan.totalWeight);
    freeTemporary(total, null);
    return mean;
  });
  const name = rank >= 3 ? 'NllLoss2DBackward0' : 'NllLossBackward0';
  const result = record(name, out, [logp], (g) => {
    const upstream = reduction === 'none' ? reshape(g, [[plan.rows, 1]]) : reduction === 'mean' ? div(g, plan.totalWeight) : g;
    const rowsGrad = contiguousRaw(masked(mul(negWeight, upstream)), 'nllLoss backward');
    const flat = scatterAddRaw([plan.rows, plan.classes], 1, index, rowsGrad, 'nllLoss backward');
    return [unclassRows(flat, logp.shape)];
  });
  return viewed ? view(result, [target.shape]) : result;
}

function checkTarget(op: string, target: unknown): asserts target is Tensor {
  checkTensor(target, op, 'target');
  if (target.dtype !== 'int64') {
    throw new Error(`${op}: target must be an int64 tensor of class indices, got ${target.dtype} (shape ${shapeStr(target.shape)})`);
  }
}

/** The options object (or a bare class-weight tensor, PyTorch's positional `weight`); unknown keys throw. */
function lossOptions<T extends object>(arg: Tensor | T | undefined, op: string, known: readonly string[]): T {
  if (arg instanceof Tensor) return { weight: arg } as T;
  if (arg !== undefined && (typeof arg !== 'object' || arg === null)) throw new Error(`${op}: expected an options object, got ${String(arg)}`);
  for (const key of Object.keys(arg ?? {})) {
    if (!known.includes(key)) throw new Error(`${op}: unknown option ${JSON.stringify(key)}; expected one of ${known.join(', ')}`);
  }
  return { ...(arg ?? {}) } as T;
}

function checkIgnoreIndex(ignoreIndex: unknown, op: string): number {
  if (!Number.isInteger(ignoreIndex)) throw new Error(`${op}: ignoreIndex must be an integer, got ${String(ignoreIndex)}`);
  return ignoreIndex as number;
}

/** nll_loss on log-probabilities: input [C] with a 0-d target, [N, C] with [N], or [N, C, d...] with [N, d...]. */
export function nllLoss(input: Tensor, target: Tensor, options?: Tensor | NllLossOptions): Tensor {
  const opts = lossOptions<NllLossOptions>(options, 'nllLoss', ['weight', 'ignoreIndex', 'reduction']);
  checkFloat(input, 'nllLoss', 'input');
  checkTarget('nllLoss', target);
  const weight = opts.weight ?? null;
  if (weight !== null) checkFloat(weight, 'nllLoss', 'weight');
  const reduction = checkReduction(opts.reduction ?? 'mean', 'nllLoss');
  const plan = planTargets('nllLoss', input, target, weight, checkIgnoreIndex(opts.ignoreIndex ?? -100, 'nllLoss'));
  return nllFromPlan(input, target, plan, reduction);
}

/**
 * Cross entropy of logits `input` against class indices (int64 target, shaped as input without its class
 * dim) or class probabilities (float32 target shaped as input). With label smoothing ε over C classes:
 * (1 − ε)·nll + ε/C·smooth, where smooth = −Σ_c w_c·logp_c per element, reduced as PyTorch 1.13 does.
 */
export function crossEntropy(input: Tensor, target: Tensor, options?: Tensor | CrossEntropyOptions): Tensor {
  const opts = lossOptions<CrossEntropyOptions>(options, 'crossEntropy', ['weight', 'ignoreIndex', 'reduction', 'labelSmoothing']);
  checkFloat(input, 'crossEntropy', 'input');
  checkTensor(target, 'crossEntropy', 'target');
  const weight = opts.weight ?? null;
  if (weight !== null) checkFloat(weight, 'crossEntropy', 'weight');
  const reduction = checkReduction(opts.reduction ?? 'mean', 'crossEntropy');
  const ignoreIndex = checkIgnoreIndex(opts.ignoreIndex ?? -100, 'crossEntropy');
  const smoothing = opts.labelSmoothing ?? 0;
  if (typeof smoothing !== 'number' || !(smoothing >= 0 && smoothing <= 1)) {
    throw new Error(`crossEntropy: labelSmoothing must be between 0.0 and 1.0, got ${String(smoothing)}`);
  }
  if (input.shape.length === 0) throw new Error(`crossEntropy: input must have at least 1 dimension, got shape ${shapeStr(input.shape)}`);
  const classDim = input.shape.length === 1 ? 0 : 1;
  const classes = input.shape[classDim];
  if (weight !== null && (weight.shape.length !== 1 || weight.shape[0] !== classes)) {
    throw new Error(`crossEntropy: weight must be 1-D with one value per class (${classes}), got shape ${shapeStr(weight.shape)}`);
  }
  const weightView = weight === null || input.shape.length === 1 ? weight : reshape(weight, [input.shape.map((_, i) => (i === classDim ? classes : 1))]);

  if (sameShape(input.shape, target.shape)) {
    if (target.dtype !== 'float32') {
      throw new Error(`crossEntropy: a target shaped as the input ${shapeStr(input.shape)} holds class probabilities and must be float32, got ${target.dtype}`);
    }
    if (ignoreIndex >= 0) throw new Error('crossEntropy: ignoreIndex is not supported for class-probability targets');
    return probabilityCrossEntropy(input, target, weightView, classDim, reduction, smoothing);
  }
  checkTarget('crossEntropy', target);
  const plan = planTargets('crossEntropy', input, target, weight, ignoreIndex);
  const logp = logSoftmaxOp(input, classDim);
  const nll = nllFromPlan(logp, target, plan, reduction);
  if (smoothing === 0) return nll;

  let smooth = neg(sum(weightView === null ? logp : mul(logp, weightView), classDim));
  if (plan.anyIgnored) smooth = where(valuesLike(input, target.shape, plan.keep), smooth, 0);
  let reduced = smooth;
  if (reduction === 'sum') reduced = sum(smooth);
  if (reduction === 'mean') reduced = div(sum(smooth), weight === null ? plan.keptCount : plan.totalWeight);
  return add(mul(nll, 1 - smoothing), mul(reduced, smoothing / classes));
}

function probabilityCrossEntropy(
  input: Tensor, target: Tensor, weightView: Tensor | null, classDim: number, reduction: Reduction, smoothing: number,
): Tensor {
  const classes = input.shape[classDim];
  const logp = logSoftmaxOp(input, classDim);
  const probs = smoothing > 0 ? add(mul(target, 1 - smoothing), smoothing / classes) : target;
  const terms = weightView === null ? mul(logp, probs) : mul(mul(logp, probs), weightView);
  if (reduction === 'none') return neg(sum(terms, classDim));
  const total = neg(sum(terms));
  if (reduction === 'sum') return total;
  // ATen divides by an integer here (div.Scalar), which PyTorch names DivBackward1
  const count = input.numel() === 0 ? 0 : Math.trunc(input.numel() / classes);
  const out = noGrad(() => div(total, count));
  return record('DivBackward1', out, [total], (g) => [div(g, count)]);
}

/**
 * Mean squared error (input − target)², broadcasting the two as PyTorch does.
 * d input = 2·(input − target)·g (÷ numel for 'mean'); d target = −d input.
 */
export function mseLoss(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  checkFloat(input, 'mseLoss', 'input');
  checkFloat(target, 'mseLoss', 'target');
  const reduction = checkReduction(lossOptions<{ reduction?: Reduction }>(options, 'mseLoss', ['reduction']).reduction ?? 'mean', 'mseLoss');
  broadcastShapes(input.shape, target.shape, 'mseLoss');
  const diff = noGrad(() => sub(input, target));
  const n = diff.numel();
  const out = noGrad(() => {
    const sq = square(diff);
    if (reduction === 'none') return sq;
    return reduction === 'sum' ? sum(sq) : div(sum(sq), n);
  });
  return record('MseLossBackward0', out, [input, target], (g) => {
    const grad = mul(diff, mul(g, reduction === 'mean' ? 2 / n : 2));
    return [input.requiresGrad ? grad : null, target.requiresGrad ? neg(grad) : null];
  });
}
