/**
 * Tensor: a strided view of a Storage plus its autograd links. Every method is a one-line delegation to the
 * op that implements it (src/ops/*), where its forward and backward live side by side.
 */
import type { DType } from './backend/types.js';
import { Storage, markPersistent } from './storage.js';
import { Node, noGrad } from './autograd/graph.js';
import { runBackward, type BackwardOptions } from './autograd/backward.js';
import { numelOf, normDim, shapeStr, contiguousStrides } from './shape.js';
import { formatTensor } from './format.js';
import { readValues, use, backendOf, checkGradAssignment, copyInto } from './ops/internal.js';
import * as ew from './ops/elementwise.js';
import * as sh from './ops/shape.js';
import * as red from './ops/reduce.js';
import * as mm from './ops/matmul.js';
import * as sm from './ops/softmax.js';
import * as ix from './ops/indexing.js';
import * as ip from './ops/inplace.js';

export type Scalar = number;
export type TensorOrScalar = Tensor | number;
export type ShapeArgs = number[] | [number[]];
export interface AlphaOption {
  alpha?: number;
}

function tensorArg(x: unknown, op: string): Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${op}: other must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  return x;
}

export class Tensor {
  storage: Storage;
  shape: number[];
  strides: number[];
  offset: number;
  _requiresGrad = false;
  _grad: Tensor | null = null;
  /** the node that produced this tensor (null for leaves) */
  _node: Node | null = null;
  _outputIndex = 0;

  constructor(storage: Storage, shape: number[], strides: number[] = contiguousStrides(shape), offset = 0) {
    this.storage = storage;
    this.shape = shape;
    this.strides = strides;
    this.offset = offset;
  }

  // ---- facts ----
  get dtype(): DType {
    return this.storage.dtype;
  }
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    if (dim === undefined) return this.shape.slice();
    return this.shape[normDim(dim, this.shape.length, 'size')];
  }
  dim(): number {
    return this.shape.length;
  }
  get ndim(): number {
    return this.shape.length;
  }
  numel(): number {
    return numelOf(this.shape);
  }
  isContiguous(): boolean {
    let expected = 1;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      if (this.shape[i] !== 1 && this.strides[i] !== expected) return false;
      expected *= this.shape[i];
    }
    return true;
  }

  // ---- autograd ----
  get requiresGrad(): boolean {
    return this._requiresGrad;
  }
  set requiresGrad(flag: boolean) {
    this.requiresGrad_(flag);
  }
  requiresGrad_(flag = true): this {
    if (typeof flag !== 'boolean') throw new Error(`requiresGrad_: flag must be true or false, got ${flag === null ? 'null' : typeof flag}`);
    if (!this.isLeaf && !flag) {
      throw new Error('requiresGrad_: you can only change requiresGrad flags of leaf tensors; use detach() on a non-leaf');
    }
    if (flag && this.dtype !== 'float32') {
      throw new Error(`requiresGrad_: only float32 tensors can require gradients (got ${this.dtype}, shape ${shapeStr(this.shape)})`);
    }
    this._requiresGrad = flag;
    return this;
  }
  get grad(): Tensor | null {
    return this._grad;
  }
  set grad(g: Tensor | null) {
    if (g !== null) checkGradAssignment(this, g);
    this._grad = g;
    if (g !== null && this.storage.persistent) markPersistent(g.storage);
  }
  get gradFn(): string | null {
    return this._node === null ? null : this._node.name;
  }
  get isLeaf(): boolean {
    return this._node === null;
  }
  /** @internal attach the node that produced this tensor */
  _attach(node: Node, outputIndex: number): void {
    this._node = node;
    this._outputIndex = outputIndex;
    this._requiresGrad = true;
  }
  backward(gradient?: Tensor | null, options?: BackwardOptions): void {
    use(this, 'backward');
    if (gradient != null) {
      if (!(gradient instanceof Tensor)) throw new Error(`backward: gradient must be a Tensor or null, got ${typeof gradient}`);
      backendOf('backward', this, gradient);
      use(gradient, 'backward');
      if (gradient.dtype !== this.dtype) {
        throw new Error(`backward: gradient has dtype ${gradient.dtype} (shape ${shapeStr(gradient.shape)}) but the output has dtype ${this.dtype} (shape ${shapeStr(this.shape)})`);
      }
    }
    runBackward(this, gradient, options);
  }
  retainGrad(): this {
    if (!this._requiresGrad) throw new Error("retainGrad: can't retain the gradient of a tensor that does not require grad");
    const node = this._node;
    if (node === null) return this;
    node.retained ??= Array.from({ length: node.numOutputs }, () => []);
    if (!node.retained[this._outputIndex].includes(this)) node.retained[this._outputIndex].push(this);
    return this;
  }
  detach(): Tensor {
    return sh.detach(this);
  }
  /** A view sharing storage that autograd does not track; assigning replaces the values (as PyTorch's `.data =`). */
  get data(): Tensor {
    return sh.detach(this);
  }
  set data(value: Tensor) {
    noGrad(() => copyInto(this, value, 'data'));
  }

  // ---- lifetime ----
  /** Frees the storage now (every view of it becomes unusable). */
  dispose(): void {
    this.storage.free('dispose');
  }
  [Symbol.dispose](): void {
    this.dispose();
  }
  /** Exempts this tensor's storage from automatic reclamation by the step clock. */
  keep(): this {
    use(this, 'keep');
    markPersistent(this.storage);
    return this;
  }

  // ---- reading ----
  item(): number {
    if (this.numel() !== 1) {
      throw new Error(`item: a Tensor with ${this.numel()} elements cannot be converted to a scalar (shape ${shapeStr(this.shape)})`);
    }
    // the one element sits at the offset whatever the strides: read it without a copy
    return this.storage.backend.readScalar(use(this, 'item'), this.offset);
  }
  toArray(): Float32Array | Int32Array {
    return readValues(this, 'toArray');
  }
  tolist(): unknown {
    const values = readValues(this, 'tolist');
    const build = (dim: number, base: number): unknown => {
      if (dim === this.shape.length) return values[base];
      const stride = numelOf(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim] }, (_, i) => build(dim + 1, base + i * stride));
    };
    return build(0, 0);
  }
  toString(): string {
    const values = readValues(this, 'toString');
    return formatTensor(values, this.shape, this.dtype, { gradFn: this.gradFn, requiresGrad: this.isLeaf && this._requiresGrad });
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  // ---- indexing and iteration ----
  get(i: number): Tensor {
    return sh.select(this, 0, i);
  }
  select(dim: number, index: number): Tensor {
    return sh.select(this, dim, index);
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return sh.narrow(this, dim, start, length);
  }
  *[Symbol.iterator](): IterableIterator<Tensor> {
    if (this.shape.length === 0) throw new Error('iteration over a 0-d tensor');
    for (let i = 0; i < this.shape[0]; i++) yield sh.select(this, 0, i);
  }
  unbind(dim = 0): Tensor[] {
    return sh.unbind(this, dim);
  }
  split(sizes: number | number[], dim = 0): Tensor[] {
    return sh.split(this, sizes, dim);
  }
  chunk(chunks: number, dim = 0): Tensor[] {
    return sh.chunk(this, chunks, dim);
  }
  gather(dim: number, index: Tensor): Tensor {
    return ix.gather(this, dim, index);
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return ix.indexSelect(this, dim, index);
  }

  // ---- shape ----
  view(...shape: ShapeArgs): Tensor {
    return sh.view(this, shape);
  }
  reshape(...shape: ShapeArgs): Tensor {
    return sh.reshape(this, shape);
  }
  viewAs(other: Tensor): Tensor {
    return sh.view(this, [tensorArg(other, 'viewAs').shape]);
  }
  transpose(dim0: number, dim1: number): Tensor {
    return sh.transpose(this, dim0, dim1);
  }
  t(): Tensor {
    return sh.t(this);
  }
  get T(): Tensor {
    return sh.T(this);
  }
  permute(...dims: ShapeArgs): Tensor {
    return sh.permute(this, dims);
  }
  contiguous(): Tensor {
    return sh.contiguous(this);
  }
  clone(): Tensor {
    return sh.clone(this);
  }
  squeeze(dim?: number): Tensor {
    return sh.squeeze(this, dim);
  }
  unsqueeze(dim: number): Tensor {
    return sh.unsqueeze(this, dim);
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return sh.flatten(this, startDim, endDim);
  }
  expand(...shape: ShapeArgs): Tensor {
    return sh.expand(this, shape);
  }
  expandAs(other: Tensor): Tensor {
    return sh.expand(this, [tensorArg(other, 'expandAs').shape]);
  }
  float(): Tensor {
    return sh.toDtype(this, 'float32');
  }
  long(): Tensor {
    return sh.toDtype(this, 'int64');
  }
  to(dtype: DType): Tensor {
    return sh.toDtype(this, dtype);
  }

  // ---- elementwise maths ----
  add(other: TensorOrScalar, options?: AlphaOption): Tensor {
    return ew.add(this, other, options?.alpha);
  }
  sub(other: TensorOrScalar, options?: AlphaOption): Tensor {
    return ew.sub(this, other, options?.alpha);
  }
  mul(other: TensorOrScalar): Tensor {
    return ew.mul(this, other);
  }
  div(other: TensorOrScalar): Tensor {
    return ew.div(this, other);
  }
  neg(): Tensor {
    return ew.neg(this);
  }
  pow(exponent: TensorOrScalar): Tensor {
    return ew.pow(this, exponent);
  }
  exp(): Tensor {
    return ew.exp(this);
  }
  log(): Tensor {
    return ew.log(this);
  }
  sqrt(): Tensor {
    return ew.sqrt(this);
  }
  abs(): Tensor {
    return ew.abs(this);
  }
  square(): Tensor {
    return ew.square(this);
  }
  tanh(): Tensor {
    return ew.tanh(this);
  }
  sigmoid(): Tensor {
    return ew.sigmoid(this);
  }
  relu(): Tensor {
    return ew.relu(this);
  }
  clamp(min?: number | null | { min?: number | null; max?: number | null }, max?: number | null): Tensor {
    return ew.clamp(this, min, max);
  }
  maximum(other: Tensor): Tensor {
    return ew.maximum(this, other);
  }
  minimum(other: Tensor): Tensor {
    return ew.minimum(this, other);
  }
  eq(other: TensorOrScalar): Tensor {
    return ew.compare('eq', this, other);
  }
  ne(other: TensorOrScalar): Tensor {
    return ew.compare('ne', this, other);
  }
  gt(other: TensorOrScalar): Tensor {
    return ew.compare('gt', this, other);
  }
  lt(other: TensorOrScalar): Tensor {
    return ew.compare('lt', this, other);
  }
  ge(other: TensorOrScalar): Tensor {
    return ew.compare('ge', this, other);
  }
  le(other: TensorOrScalar): Tensor {
    return ew.compare('le', this, other);
  }

  // ---- matrix products ----
  matmul(other: Tensor): Tensor {
    return mm.matmul(this, other);
  }
  mm(other: Tensor): Tensor {
    return mm.mm(this, other);
  }
  bmm(other: Tensor): Tensor {
    return mm.bmm(this, other);
  }

  // ---- reductions ----
  sum(dim?: number | number[], keepdim = false): Tensor {
    return red.sum(this, dim, keepdim);
  }
  mean(dim?: number | number[], keepdim = false): Tensor {
    return red.mean(this, dim, keepdim);
  }
  max(): Tensor;
  max(other: Tensor): Tensor;
  max(dim: number, keepdim?: boolean): [Tensor, Tensor];
  max(dim?: number | Tensor, keepdim = false): Tensor | [Tensor, Tensor] {
    if (dim instanceof Tensor) return ew.maximum(this, dim);
    return dim === undefined ? red.maxAll(this, 'max') : red.maxDim(this, dim, keepdim, 'max');
  }
  min(): Tensor;
  min(other: Tensor): Tensor;
  min(dim: number, keepdim?: boolean): [Tensor, Tensor];
  min(dim?: number | Tensor, keepdim = false): Tensor | [Tensor, Tensor] {
    if (dim instanceof Tensor) return ew.minimum(this, dim);
    return dim === undefined ? red.maxAll(this, 'min') : red.maxDim(this, dim, keepdim, 'min');
  }
  argmax(dim?: number, keepdim = false): Tensor {
    return red.argExtreme(this, dim, keepdim, 'argmax');
  }
  argmin(dim?: number, keepdim = false): Tensor {
    return red.argExtreme(this, dim, keepdim, 'argmin');
  }
  topk(k: number, dim = -1, largest = true, sorted = true): [Tensor, Tensor] {
    return ix.topk(this, k, dim, largest, sorted);
  }
  softmax(dim: number): Tensor {
    return sm.softmax(this, dim);
  }
  logSoftmax(dim: number): Tensor {
    return sm.logSoftmax(this, dim);
  }

  // ---- in place (on tensors autograd does not track) ----
  add_(other: TensorOrScalar, options?: AlphaOption): this {
    return ip.binaryInPlace(this, 'add_', other, options?.alpha ?? 1);
  }
  sub_(other: TensorOrScalar, options?: AlphaOption): this {
    return ip.binaryInPlace(this, 'sub_', other, -(options?.alpha ?? 1));
  }
  mul_(other: TensorOrScalar): this {
    return ip.binaryInPlace(this, 'mul_', other, 1);
  }
  div_(other: TensorOrScalar): this {
    return ip.binaryInPlace(this, 'div_', other, 1);
  }
  zero_(): this {
    return ip.fill_(this, 0, 'zero_');
  }
  fill_(value: number): this {
    return ip.fill_(this, value, 'fill_');
  }
  copy_(src: Tensor): this {
    return ip.copy_(this, src);
  }
  clamp_(min?: number | null | { min?: number | null; max?: number | null }, max?: number | null): this {
    if (typeof min === 'object' && min !== null) return ip.clamp_(this, min.min, min.max);
    return ip.clamp_(this, min, max);
  }
  /** Fills with U(low, high) from the seeded generator (what nn's default initialisation uses). */
  uniform_(low = 0, high = 1): this {
    return ip.randomFill_(this, 'uniform_', low, high);
  }
  /** Fills with N(mean, std²) from the seeded generator. */
  normal_(mean = 0, std = 1): this {
    return ip.randomFill_(this, 'normal_', mean, std);
  }
}
