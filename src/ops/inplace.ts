/**
 * In-place ops. They run on tensors autograd does not track (`p.data`, optimizer state, results of noGrad):
 * mutating a tensor that requires grad while recording would silently corrupt saved values, so it throws.
 */
import { Binary, Unary, type BinaryOp } from '../backend/types.js';
import { gradMode } from '../autograd/graph.js';
import { Tensor, type TensorOrScalar } from '../tensor.js';
import { asFloat, backendOf, binaryRaw, castRaw, cloneTensor, freeTemporary, fullTensor, SCALAR_SHAPE, SCALAR_STRIDES, unaryRaw, use } from './internal.js';
import { defaultGenerator } from '../random.js';
import { broadcastShapes, broadcastStrides, broadcastsTo, sameShape, shapeStr } from '../shape.js';

function checkMutable(t: Tensor, op: string): void {
  if (gradMode.enabled && t.requiresGrad) {
    throw new Error(
      `${op}: a ${t.isLeaf ? 'leaf ' : ''}tensor that requires grad (shape ${shapeStr(t.shape)}) is being used in an in-place operation; ` +
        'use torch.noGrad(() => ...) or t.data for updates autograd should not see',
    );
  }
}

/** Writes `values` (t's shape, contiguous) into t's possibly strided memory. */
function writeBack(t: Tensor, values: Tensor, op: string): void {
  if (t.numel() === 0) return;
  const src = values.dtype === t.dtype ? values : castRaw(values, t.dtype, op);
  t.storage.backend.copy(t.shape, use(t, op), t.offset, t.strides, use(src, op), src.offset, src.strides);
  freeTemporary(src, values);
}

const codes: Record<string, BinaryOp> = { add_: Binary.add, sub_: Binary.add, mul_: Binary.mul, div_: Binary.div };

/** add_/sub_ (other scaled by alpha; sub_ passes -alpha), mul_, div_ with broadcasting of `other` to t. */
export function binaryInPlace<T extends Tensor>(t: T, op: string, other: TensorOrScalar, alpha: number): T {
  checkMutable(t, op);
  use(t, op);
  let result: Tensor;
  if (typeof other === 'number') {
    if (op === 'div_') {
      const divisor = fullTensor([], other, 'float32', t.storage.backend);
      binaryInPlace(t, op, divisor, 1);
      freeTemporary(divisor, null);
      return t;
    }
    const [scale, shift] = op === 'mul_' ? [other, 0] : [1, other * alpha];
    if (t.isContiguous() && t.dtype === 'float32') {
      const buf = use(t, op);
      t.storage.backend.unary(Unary.affine, buf, t.offset, buf, t.offset, t.numel(), scale, shift);
      return t;
    }
    result = unaryRaw(Unary.affine, t, op, scale, shift);
    writeBack(t, result, op);
    freeTemporary(result, null);
    return t;
  } else {
    if (!(other instanceof Tensor)) throw new Error(`${op}: expected a Tensor or a number, got ${typeof other}`);
    backendOf(op, t, other);
    if (!broadcastsTo(other.shape, t.shape) && !sameShape(broadcastShapes(t.shape, other.shape, op), t.shape)) {
      throw new Error(`${op}: other of shape ${shapeStr(other.shape)} cannot be broadcast to the shape ${shapeStr(t.shape)} of the tensor updated in place`);
    }
    if (t.isContiguous() && t.dtype === 'float32' && t.numel() > 0) {
      // add_/sub_ with alpha scale `other` inside the kernel (addScaled): one pass, no temporary
      const scaledInKernel = alpha !== 1 && codes[op] === Binary.add;
      const b = asFloat(other, op);
      const rank = t.shape.length;
      const bStrides = rank === 0 ? SCALAR_STRIDES
        : sameShape(b.shape, t.shape) ? b.strides : broadcastStrides(b.shape, b.strides, t.shape);
      const buf = use(t, op);
      t.storage.backend.binary(scaledInKernel ? Binary.addScaled : codes[op], rank ? t.shape : SCALAR_SHAPE, buf, t.offset,
        buf, t.offset, rank ? t.strides : SCALAR_STRIDES, use(b, op), b.offset, bStrides, alpha);
      freeTemporary(b, other);
      return t;
    }
    const scaled = alpha === 1 ? other : unaryRaw(Unary.affine, other, op, alpha, 0);
    result = binaryRaw(codes[op], t, scaled, op);
    freeTemporary(scaled, other);
  }
  writeBack(t, result, op);
  freeTemporary(result, null);
  return t;
}

export function fill_<T extends Tensor>(t: T, value: number, op: string): T {
  checkMutable(t, op);
  if (typeof value !== 'number') throw new Error(`${op}: value must be a number, got ${typeof value}`);
  const buf = use(t, op);
  if (t.isContiguous()) t.storage.backend.fill(buf, t.offset, t.numel(), value);
  else writeBack(t, fullTensor(t.shape, value, t.dtype, t.storage.backend), op);
  return t;
}

export function copy_<T extends Tensor>(t: T, src: Tensor): T {
  checkMutable(t, 'copy_');
  if (!(src instanceof Tensor)) throw new Error(`copy_: src must be a Tensor, got ${typeof src}`);
  if (gradMode.enabled && src.requiresGrad) {
    throw new Error(`copy_: copying a tensor that requires grad (shape ${shapeStr(src.shape)}) is not tracked by autograd; use clone(), cat or stack, or detach() the source`);
  }
  backendOf('copy_', t, src);
  if (!sameShape(broadcastShapes(t.shape, src.shape, 'copy_'), t.shape)) {
    throw new Error(`copy_: source of shape ${shapeStr(src.shape)} cannot be broadcast to destination shape ${shapeStr(t.shape)}`);
  }
  if (t.numel() === 0) return t;
  const s = src.dtype === t.dtype ? src : castRaw(src, t.dtype, 'copy_');
  const buf = use(t, 'copy_');
  const overlapping = s.storage === t.storage;
  const from = overlapping ? cloneTensor(s, 'copy_') : s;
  t.storage.backend.copy(t.shape, buf, t.offset, t.strides, use(from, 'copy_'), from.offset, broadcastStrides(from.shape, from.strides, t.shape));
  return t;
}

export function clamp_<T extends Tensor>(t: T, min?: number | null, max?: number | null): T {
  checkMutable(t, 'clamp_');
  if (min == null && max == null) throw new Error('clamp_: at least one of min and max must be given');
  if ((min != null && typeof min !== 'number') || (max != null && typeof max !== 'number')) {
    throw new Error(`clamp_: min and max must be numbers, got ${typeof min} and ${typeof max} (shape ${shapeStr(t.shape)})`);
  }
  writeBack(t, unaryRaw(Unary.clamp, t, 'clamp_', min ?? -Infinity, max ?? Infinity), 'clamp_');
  return t;
}

/** uniform_(low, high) / normal_(mean, std) with the default generator, in row-major order of t. */
export function randomFill_<T extends Tensor>(t: T, op: 'uniform_' | 'normal_', a: number, b: number): T {
  checkMutable(t, op);
  if (t.dtype !== 'float32') throw new Error(`${op}: expected a float32 tensor, got ${t.dtype}`);
  if (typeof a !== 'number' || typeof b !== 'number') {
    throw new Error(`${op}: parameters must be numbers, got ${typeof a} and ${typeof b} (shape ${shapeStr(t.shape)})`);
  }
  if (op === 'uniform_' ? !(a <= b) : !(b >= 0)) {
    throw new Error(op === 'uniform_'
      ? `uniform_: expects a range [from, to] with from <= to, got from=${a}, to=${b}`
      : `normal_: expects std >= 0, got std=${b}`);
  }
  const n = t.numel();
  const values = op === 'uniform_' ? defaultGenerator.uniform(n, a, b) : defaultGenerator.normal(n, a, b);
  const tmp = fullTensor(t.shape, 0, 'float32', t.storage.backend);
  if (n > 0) t.storage.backend.write(tmp.storage.buf!, 0, values);
  writeBack(t, tmp, op);
  return t;
}
