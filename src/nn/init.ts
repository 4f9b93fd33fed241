/**
 * torch.nn.init: in-place initialisers. Each fills the tensor without recording autograd and draws from the
 * seeded default generator exactly as many values, in the same order, as PyTorch 1.13's initialiser, so a
 * model built after `manualSeed(s)` starts from the same numbers as in PyTorch.
 */
import type { Tensor } from '../tensor.js';
import { noGrad } from '../autograd/graph.js';
import { shapeStr } from '../shape.js';

export type Nonlinearity =
  | 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d' | 'conv_transpose3d'
  | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';
export type FanMode = 'fan_in' | 'fan_out';

/** U(a, b). */
export function uniform_(tensor: Tensor, a = 0, b = 1): Tensor {
  return noGrad(() => tensor.uniform_(a, b));
}

/** N(mean, std²). */
export function normal_(tensor: Tensor, mean = 0, std = 1): Tensor {
  return noGrad(() => tensor.normal_(mean, std));
}

export function constant_(tensor: Tensor, value: number): Tensor {
  return noGrad(() => tensor.fill_(value));
}

export function zeros_(tensor: Tensor): Tensor {
  return constant_(tensor, 0);
}

export function ones_(tensor: Tensor): Tensor {
  return constant_(tensor, 1);
}

/**
 * The recommended gain for a nonlinearity: 1 for linear/conv/sigmoid, 5/3 for tanh, √2 for relu,
 * √(2 / (1 + slope²)) for leaky_relu (slope = param, 0.01 when not given), 3/4 for selu.
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number | null): number {
  switch (nonlinearity) {
    case 'linear': case 'conv1d': case 'conv2d': case 'conv3d':
    case 'conv_transpose1d': case 'conv_transpose2d': case 'conv_transpose3d': case 'sigmoid':
      return 1;
    case 'tanh':
      return 5.0 / 3;
    case 'relu':
      return Math.sqrt(2.0);
    case 'leaky_relu': {
      if (param != null && typeof param !== 'number') throw new Error(`calculateGain: negative_slope ${String(param)} is not a valid number`);
      const slope = param ?? 0.01;
      return Math.sqrt(2.0 / (1 + slope ** 2));
    }
    case 'selu':
      return 3.0 / 4;
    default:
      throw new Error(`calculateGain: unsupported nonlinearity ${JSON.stringify(nonlinearity)}`);
  }
}

/**
 * [fan_in, fan_out] of a weight of shape [out, in, ...kernel]: in·∏kernel and out·∏kernel.
 */
export function calculateFanInAndFanOut(tensor: Tensor): [number, number] {
  if (tensor.shape.length < 2) {
    throw new Error(`init: fan in and fan out can not be computed for a tensor with fewer than 2 dimensions (shape ${shapeStr(tensor.shape)})`);
  }
  let receptive = 1;
  for (const s of tensor.shape.slice(2)) receptive *= s;
  return [tensor.shape[1] * receptive, tensor.shape[0] * receptive];
}

function correctFan(tensor: Tensor, mode: FanMode, op: string): number {
  if (mode !== 'fan_in' && mode !== 'fan_out') throw new Error(`${op}: mode ${JSON.stringify(mode)} not supported, please use one of 'fan_in', 'fan_out'`);
  const [fanIn, fanOut] = calculateFanInAndFanOut(tensor);
  return mode === 'fan_in' ? fanIn : fanOut;
}

function gainOption(gain: number | { gain?: number } | undefined): number {
  return typeof gain === 'object' && gain !== null ? gain.gain ?? 1 : gain ?? 1;
}

/** U(−a, a) with a = gain·√(6 / (fan_in + fan_out)) (Glorot & Bengio). */
export function xavierUniform_(tensor: Tensor, gain?: number | { gain?: number }): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(tensor);
  const std = gainOption(gain) * Math.sqrt(2.0 / (fanIn + fanOut));
  const a = Math.sqrt(3.0) * std;
  return uniform_(tensor, -a, a);
}

/** N(0, std²) with std = gain·√(2 / (fan_in + fan_out)). */
export function xavierNormal_(tensor: Tensor, gain?: number | { gain?: number }): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(tensor);
  const std = gainOption(gain) * Math.sqrt(2.0 / (fanIn + fanOut));
  return normal_(tensor, 0, std);
}

export interface KaimingOptions {
  /** negative slope of the rectifier after this layer (leaky_relu only); default 0 */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
}

function kaimingStd(tensor: Tensor, options: number | KaimingOptions | undefined, op: string): number | null {
  const { a = 0, mode = 'fan_in', nonlinearity = 'leaky_relu' } = typeof options === 'number' ? { a: options } : options ?? {};
  if (tensor.shape.includes(0)) return null; // PyTorch warns and leaves zero-element tensors as they are
  const fan = correctFan(tensor, mode, op);
  return calculateGain(nonlinearity, a) / Math.sqrt(fan);
}

/** U(−bound, bound) with bound = gain·√(3 / fan) (He et al.); `a` may be given positionally. */
export function kaimingUniform_(tensor: Tensor, options?: number | KaimingOptions): Tensor {
  const std = kaimingStd(tensor, options, 'kaimingUniform_');
  if (std === null) return tensor;
  const bound = Math.sqrt(3.0) * std;
  return uniform_(tensor, -bound, bound);
}

/** N(0, std²) with std = gain / √fan. */
export function kaimingNormal_(tensor: Tensor, options?: number | KaimingOptions): Tensor {
  const std = kaimingStd(tensor, options, 'kaimingNormal_');
  if (std === null) return tensor;
  return normal_(tensor, 0, std);
}
