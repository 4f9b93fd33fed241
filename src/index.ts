/** wasmtorch: PyTorch's tensor, autograd, nn and optim API over WebAssembly SIMD kernels. */
import { Tensor as TensorClass } from './tensor.js';
import { FloatTensor } from './creation.js';
import { liveStorages } from './storage.js';
import { currentBackend } from './runtime.js';
import * as ew from './ops/elementwise.js';
import * as red from './ops/reduce.js';
import * as mmOps from './ops/matmul.js';
import * as sm from './ops/softmax.js';
import * as ix from './ops/indexing.js';
import * as sh from './ops/shape.js';
import type { TensorOrScalar } from './tensor.js';

export type { DType, BackendName } from './backend/types.js';
export { backend, setBackend, ready } from './runtime.js';
export { noGrad, enableGrad } from './autograd/graph.js';
export {
  tensor, LongTensor, zeros, ones, full, empty, eye, arange, rand, randn, randint, randperm,
  zerosLike, onesLike, manualSeed, type CreateOptions,
} from './creation.js';
export { cat, stack } from './ops/join.js';

/**
 * `torch.Tensor(data)` builds a float32 tensor (as Python's `torch.Tensor(list)`); `x instanceof torch.Tensor`
 * tests for a tensor.
 */
export const Tensor = function Tensor(data: Parameters<typeof FloatTensor>[0], ...sizes: number[]): TensorClass {
  return FloatTensor(data, ...sizes);
} as unknown as typeof TensorClass & ((data: Parameters<typeof FloatTensor>[0], ...sizes: number[]) => TensorClass);
Object.defineProperty(Tensor, Symbol.hasInstance, { value: (x: unknown) => x instanceof TensorClass });
Object.defineProperty(Tensor, 'prototype', { value: TensorClass.prototype });
export type Tensor = TensorClass;

/** Live tensor storages and the bytes the active backend holds for them. */
export function memory(): { tensors: number; bytes: number; peakBytes: number } {
  const stats = currentBackend().memoryStats();
  return { tensors: liveStorages(), bytes: stats.bytes, peakBytes: stats.peakBytes };
}

/** Pairs the rows of two tensors (Python's `zip(a, b)` over tensors). */
export function* zip(a: TensorClass, b: TensorClass): IterableIterator<[TensorClass, TensorClass]> {
  const n = Math.min(a.shape[0] ?? 0, b.shape[0] ?? 0);
  for (let i = 0; i < n; i++) yield [a.get(i), b.get(i)];
}

// function forms of the tensor methods
export const add = (a: TensorClass, b: TensorOrScalar, options?: { alpha?: number }) => ew.add(a, b, options?.alpha);
export const sub = (a: TensorClass, b: TensorOrScalar, options?: { alpha?: number }) => ew.sub(a, b, options?.alpha);
export const mul = (a: TensorClass, b: TensorOrScalar) => ew.mul(a, b);
export const div = (a: TensorClass, b: TensorOrScalar) => ew.div(a, b);
export const neg = (x: TensorClass) => ew.neg(x);
export const pow = (x: TensorClass, e: TensorOrScalar) => ew.pow(x, e);
export const exp = (x: TensorClass) => ew.exp(x);
export const log = (x: TensorClass) => ew.log(x);
export const sqrt = (x: TensorClass) => ew.sqrt(x);
export const abs = (x: TensorClass) => ew.abs(x);
export const tanh = (x: TensorClass) => ew.tanh(x);
export const sigmoid = (x: TensorClass) => ew.sigmoid(x);
export const relu = (x: TensorClass) => ew.relu(x);
export const clamp = (x: TensorClass, min?: number | null, max?: number | null) => ew.clamp(x, min, max);
export const maximum = (a: TensorClass, b: TensorClass) => ew.maximum(a, b);
export const minimum = (a: TensorClass, b: TensorClass) => ew.minimum(a, b);
export const where = (cond: TensorClass, a: TensorOrScalar, b: TensorOrScalar) => ew.where(cond, a, b);
export const eq = (a: TensorClass, b: TensorOrScalar) => ew.compare('eq', a, b);
export const ne = (a: TensorClass, b: TensorOrScalar) => ew.compare('ne', a, b);
export const gt = (a: TensorClass, b: TensorOrScalar) => ew.compare('gt', a, b);
export const lt = (a: TensorClass, b: TensorOrScalar) => ew.compare('lt', a, b);
export const ge = (a: TensorClass, b: TensorOrScalar) => ew.compare('ge', a, b);
export const le = (a: TensorClass, b: TensorOrScalar) => ew.compare('le', a, b);
export const matmul = (a: TensorClass, b: TensorClass) => mmOps.matmul(a, b);
export const mm = (a: TensorClass, b: TensorClass) => mmOps.mm(a, b);
export const bmm = (a: TensorClass, b: TensorClass) => mmOps.bmm(a, b);
export const sum = (x: TensorClass, dim?: number | number[], keepdim = false) => red.sum(x, dim, keepdim);
export const mean = (x: TensorClass, dim?: number | number[], keepdim = false) => red.mean(x, dim, keepdim);
export const argmax = (x: TensorClass, dim?: number, keepdim = false) => red.argExtreme(x, dim, keepdim, 'argmax');
export const argmin = (x: TensorClass, dim?: number, keepdim = false) => red.argExtreme(x, dim, keepdim, 'argmin');
export const softmax = (x: TensorClass, dim: number) => sm.softmax(x, dim);
export const logSoftmax = (x: TensorClass, dim: number) => sm.logSoftmax(x, dim);
export const topk = (x: TensorClass, k: number, dim = -1, largest = true, sorted = true) => ix.topk(x, k, dim, largest, sorted);
export const gather = (x: TensorClass, dim: number, index: TensorClass) => ix.gather(x, dim, index);
export const indexSelect = (x: TensorClass, dim: number, index: TensorClass) => ix.indexSelect(x, dim, index);
export const transpose = (x: TensorClass, d0: number, d1: number) => sh.transpose(x, d0, d1);
export const reshape = (x: TensorClass, ...shape: number[] | [number[]]) => sh.reshape(x, shape);
export const flatten = (x: TensorClass, start = 0, end = -1) => sh.flatten(x, start, end);
export const squeeze = (x: TensorClass, dim?: number) => sh.squeeze(x, dim);
export const unsqueeze = (x: TensorClass, dim: number) => sh.unsqueeze(x, dim);
export const clone = (x: TensorClass) => sh.clone(x);
export const unbind = (x: TensorClass, dim = 0) => sh.unbind(x, dim);
export const split = (x: TensorClass, sizes: number | number[], dim = 0) => sh.split(x, sizes, dim);
export const chunk = (x: TensorClass, chunks: number, dim = 0) => sh.chunk(x, chunks, dim);
export function max(x: TensorClass, dim?: number | TensorClass, keepdim = false) {
  return dim === undefined ? x.max() : typeof dim === 'number' ? x.max(dim, keepdim) : x.max(dim);
}
export function min(x: TensorClass, dim?: number | TensorClass, keepdim = false) {
  return dim === undefined ? x.min() : typeof dim === 'number' ? x.min(dim, keepdim) : x.min(dim);
}

export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export { save, load, type SaveOptions, type LoadSource } from './serialization/index.js';
