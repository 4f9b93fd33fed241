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
export { backend, setBackend, ready, parallelInfo, type ReadyOptions, type ParallelInfo } from './runtime.js';
export { setNumThreads, numThreads as getNumThreads } from './backend/wasm/threads.js';
export { getRngState, setRngState } from './random.js';
import { noGrad as noGradRaw, enableGrad as enableGradRaw } from './autograd/graph.js';
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
  input(a, 'zip');
  input(b, 'zip');
  const n = Math.min(a.shape[0] ?? 0, b.shape[0] ?? 0);
  for (let i = 0; i < n; i++) yield [a.get(i), b.get(i)];
}

/** Runs `fn` with gradient recording off, like `with torch.no_grad():`. */
export function noGrad<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new Error(`noGrad: expected a function to run without recording gradients, got ${fn === null ? 'null' : typeof fn}`);
  return noGradRaw(fn);
}

/** Runs `fn` with gradient recording on (inside a noGrad block). */
export function enableGrad<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new Error(`enableGrad: expected a function to run with gradients recorded, got ${fn === null ? 'null' : typeof fn}`);
  return enableGradRaw(fn);
}

/** Function forms take their input positionally, so a non-Tensor there must fail here, not inside the op. */
function input(x: unknown, op: string): TensorClass {
  if (!(x instanceof TensorClass)) {
    throw new Error(`${op}: input must be a Tensor, got ${x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x}`);
  }
  return x;
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
export const sum = (x: TensorClass, dim?: number | number[], keepdim = false) => red.sum(input(x, 'sum'), dim, keepdim);
export const mean = (x: TensorClass, dim?: number | number[], keepdim = false) => red.mean(input(x, 'mean'), dim, keepdim);
export const argmax = (x: TensorClass, dim?: number, keepdim = false) => red.argExtreme(input(x, 'argmax'), dim, keepdim, 'argmax');
export const argmin = (x: TensorClass, dim?: number, keepdim = false) => red.argExtreme(input(x, 'argmin'), dim, keepdim, 'argmin');
export const softmax = (x: TensorClass, dim: number) => sm.softmax(input(x, 'softmax'), dim);
export const logSoftmax = (x: TensorClass, dim: number) => sm.logSoftmax(input(x, 'logSoftmax'), dim);
export const topk = (x: TensorClass, k: number, dim = -1, largest = true, sorted = true) => ix.topk(input(x, 'topk'), k, dim, largest, sorted);
export const gather = (x: TensorClass, dim: number, index: TensorClass) => ix.gather(input(x, 'gather'), dim, index);
export const indexSelect = (x: TensorClass, dim: number, index: TensorClass) => ix.indexSelect(input(x, 'indexSelect'), dim, index);
export const transpose = (x: TensorClass, d0: number, d1: number) => sh.transpose(input(x, 'transpose'), d0, d1);
export const reshape = (x: TensorClass, ...shape: number[] | [number[]]) => sh.reshape(input(x, 'reshape'), shape);
export const flatten = (x: TensorClass, start = 0, end = -1) => sh.flatten(input(x, 'flatten'), start, end);
export const squeeze = (x: TensorClass, dim?: number) => sh.squeeze(input(x, 'squeeze'), dim);
export const unsqueeze = (x: TensorClass, dim: number) => sh.unsqueeze(input(x, 'unsqueeze'), dim);
export const clone = (x: TensorClass) => sh.clone(input(x, 'clone'));
export const unbind = (x: TensorClass, dim = 0) => sh.unbind(input(x, 'unbind'), dim);
export const split = (x: TensorClass, sizes: number | number[], dim = 0) => sh.split(input(x, 'split'), sizes, dim);
export const chunk = (x: TensorClass, chunks: number, dim = 0) => sh.chunk(input(x, 'chunk'), chunks, dim);
export function max(x: TensorClass, dim?: number | TensorClass, keepdim = false) {
  input(x, 'max');
  return dim === undefined ? x.max() : typeof dim === 'number' ? x.max(dim, keepdim) : x.max(dim);
}
export function min(x: TensorClass, dim?: number | TensorClass, keepdim = false) {
  input(x, 'min');
  return dim === undefined ? x.min() : typeof dim === 'number' ? x.min(dim, keepdim) : x.min(dim);
}

export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export { save, load, loadMetadata, type SaveOptions, type LoadSource } from './serialization/index.js';
