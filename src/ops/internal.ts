/**
 * Plumbing every op shares: checking tensors are usable, allocating results, and calling the raw kernels
 * without autograd. Ops build on these; nothing here records graph nodes.
 */
import type { Backend, BinaryOp, Buf, DType, UnaryOp } from '../backend/types.js';
import { Binary, Reduce } from '../backend/types.js';
import { allocStorage, clock, markPersistent } from '../storage.js';
import { currentBackend } from '../runtime.js';
import { Tensor } from '../tensor.js';
import { broadcastShapes, broadcastStrides, numelBetween, numelOf, sameShape, shapeStr, type Shape } from '../shape.js';

/** The live buffer of `t`, stamped as used now; throws if its storage was freed. */
export function use(t: Tensor, op: string): Buf {
  const storage = t.storage;
  const buf = storage.buf;
  if (buf === null) {
    const why = storage.freedBy === 'step'
      ? 'it was freed automatically after going unused for two training steps (call keep() on tensors you hold across steps)'
      : 'it was disposed';
    throw new Error(`${op}: tensor of shape ${shapeStr(t.shape)} can no longer be used: ${why}`);
  }
  storage.lastUse = clock.step;
  return buf;
}

/** The backend shared by all of `tensors`; mixing kernel sets in one op is an error. */
export function backendOf(op: string, a: Tensor, b?: Tensor | null, c?: Tensor | null): Backend {
  const backend = a.storage.backend;
  if ((b != null && b.storage.backend !== backend) || (c != null && c.storage.backend !== backend)) {
    const names = [a, b, c].filter((t): t is Tensor => t != null).map((t) => t.storage.backend.name);
    throw new Error(`${op}: tensors live on different backends (${names.join(', ')}); move them with torch.tensor(t.tolist()) first`);
  }
  return backend;
}

/** A new contiguous tensor with unspecified contents; fewer than 2**31 elements (kernels index with int32). */
export function emptyTensor(shape: Shape, dtype: DType = 'float32', backend: Backend = currentBackend()): Tensor {
  // the shape's copy and the contiguous strides in one pass (copies of `shape`, so both keep its array kind)
  const dims = shape.slice();
  const strides = shape.slice();
  let n = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    strides[i] = n;
    n *= dims[i];
  }
  if (n > 2147483647) {
    const total = numelOf(shape); // the message's count in the usual order of multiplication
    throw new Error(`alloc: cannot allocate a ${dtype} tensor of shape ${shapeStr(shape)} (${total} elements, ${total * 4} bytes): a tensor holds at most 2**31 - 1 elements`);
  }
  let storage;
  try {
    storage = allocStorage(backend, n, dtype);
  } catch (e) {
    throw new Error(`alloc: cannot allocate a ${dtype} tensor of shape ${shapeStr(shape)} (${n * 4} bytes): ${(e as Error).message}`);
  }
  return new Tensor(storage, dims, strides, 0);
}

export function fullTensor(shape: Shape, value: number, dtype: DType = 'float32', backend: Backend = currentBackend()): Tensor {
  const t = emptyTensor(shape, dtype, backend);
  backend.fill(t.storage.buf!, 0, numelOf(shape), value);
  return t;
}

export function onesLike(t: Tensor): Tensor {
  return fullTensor(t.shape, 1, t.dtype, t.storage.backend);
}

/**
 * Frees `temp` now when it is not `source`: for an op's private intermediate (a contiguous or float copy, a
 * scalar operand) that nothing else can reach once the op is done with it. Otherwise the step clock or the
 * FinalizationRegistry backstop would reclaim it later, at a higher cost.
 */
export function freeTemporary(temp: Tensor, source: Tensor | null): void {
  if (temp !== source) temp.storage.free('dispose');
}

/** `t` itself if contiguous, else a contiguous copy; never recorded by autograd. */
export function contiguousRaw(t: Tensor, op: string): Tensor {
  if (t.isContiguous()) {
    use(t, op);
    return t;
  }
  return cloneTensor(t, op);
}

/** A contiguous copy of `t`'s values, not tracked by autograd. */
export function cloneTensor(t: Tensor, op = 'clone'): Tensor {
  const src = use(t, op);
  const out = emptyTensor(t.shape, t.dtype, t.storage.backend);
  if (out.numel() > 0) t.storage.backend.copy(t.shape, out.storage.buf!, 0, out.strides, src, t.offset, t.strides);
  return out;
}

/** A copy of the values in row-major order. */
export function readValues(t: Tensor, op: string): Float32Array | Int32Array {
  const c = contiguousRaw(t, op);
  const values = c.storage.backend.read(c.storage.buf!, c.offset, c.numel());
  freeTemporary(c, t);
  return values;
}

/** Raw unary kernel over a contiguous copy of x (float32). */
export function unaryRaw(code: UnaryOp, x: Tensor, op: string, p0 = 0, p1 = 0): Tensor {
  const c = contiguousRaw(x, op);
  const xc = asFloat(c, op);
  const backend = xc.storage.backend;
  const out = emptyTensor(x.shape, 'float32', backend);
  backend.unary(code, out.storage.buf!, 0, xc.storage.buf!, xc.offset, numelOf(out.shape), p0, p1);
  freeTemporary(xc, c);
  freeTemporary(c, x);
  return out;
}

/** Shape and strides handed to kernels for 0-d operands (kernels never write them). */
export const SCALAR_SHAPE: readonly number[] = Object.freeze([1]);
export const SCALAR_STRIDES: readonly number[] = Object.freeze([0]);

/** Raw broadcasting binary kernel (float32 result). */
export function binaryRaw(code: BinaryOp, a: Tensor, b: Tensor, op: string): Tensor {
  const backend = backendOf(op, a, b);
  const af = asFloat(a, op);
  const bf = asFloat(b, op);
  const same = sameShape(a.shape, b.shape);
  const shape = same ? a.shape : broadcastShapes(a.shape, b.shape, op);
  const out = emptyTensor(shape, 'float32', backend);
  if (numelOf(shape) > 0) binaryInto(code, out, af, bf, same, op);
  freeTemporary(af, a);
  freeTemporary(bf, b);
  return out;
}

/** The kernel call of binaryRaw: `out` (contiguous, the broadcast shape) = f(af, bf), both float32. */
function binaryInto(code: BinaryOp, out: Tensor, af: Tensor, bf: Tensor, same: boolean, op: string): void {
  const backend = out.storage.backend;
  const shape = out.shape;
  const bufA = use(af, op);
  const bufB = use(bf, op);
  if (shape.length === 0) {
    backend.binary(code, SCALAR_SHAPE, out.storage.buf!, 0, bufA, af.offset, SCALAR_STRIDES, bufB, bf.offset, SCALAR_STRIDES);
  } else {
    backend.binary(
      code, shape, out.storage.buf!, 0,
      bufA, af.offset, same || sameShape(af.shape, shape) ? af.strides : broadcastStrides(af.shape, af.strides, shape),
      bufB, bf.offset, same || sameShape(bf.shape, shape) ? bf.strides : broadcastStrides(bf.shape, bf.strides, shape),
    );
  }
}

/** int64 tensors take part in float maths as float32 copies (PyTorch promotes int with float to float). */
export function asFloat(t: Tensor, op: string): Tensor {
  if (t.dtype === 'float32') return t;
  return castRaw(t, 'float32', op);
}

export function castRaw(t: Tensor, dtype: DType, op: string): Tensor {
  const c = contiguousRaw(t, op);
  const out = emptyTensor(t.shape, dtype, t.storage.backend);
  if (out.numel() > 0) c.storage.backend.cast(out.storage.buf!, 0, c.storage.buf!, c.offset, out.numel());
  freeTemporary(c, t);
  return out;
}

/** dst += src in place (same shape; dst may be strided, as a .grad the program assigned); accumulates gradients. */
export function addInPlace(dst: Tensor, src: Tensor): void {
  const backend = backendOf('grad accumulation', dst, src);
  const out = use(dst, 'grad accumulation');
  if (dst.numel() === 0) return;
  if (!dst.isContiguous()) {
    // the binary kernel writes a contiguous result: sum into one, then copy it into dst's layout
    const sum = binaryRaw(Binary.add, dst, src, 'grad accumulation');
    backend.copy(dst.shape, out, dst.offset, dst.strides, use(sum, 'grad accumulation'), sum.offset, sum.strides);
    freeTemporary(sum, null);
    return;
  }
  const s = use(src, 'grad accumulation');
  if (dst.shape.length === 0) {
    backend.binary(Binary.add, SCALAR_SHAPE, out, dst.offset, out, dst.offset, SCALAR_STRIDES, s, src.offset, SCALAR_STRIDES);
    return;
  }
  backend.binary(Binary.add, dst.shape, out, dst.offset, out, dst.offset, dst.strides,
    s, src.offset, sameShape(src.shape, dst.shape) ? src.strides : broadcastStrides(src.shape, src.strides, dst.shape));
}

/** Sums a broadcast gradient back down to `shape` (the adjoint of broadcasting). */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  let cur = contiguousRaw(g, 'sumToShape');
  const lead = cur.shape.length - shape.length;
  if (lead > 0) {
    const n = numelBetween(cur.shape, 0, lead);
    if (n === 1) {
      // leading dimensions of size 1 (a bias's gradient from a batch of one): the same values, as a view
      cur = new Tensor(cur.storage, cur.shape.slice(lead), cur.strides.slice(lead), cur.offset);
    } else {
      const next = reduceRaw(Reduce.sum, cur, 1, n, numelBetween(cur.shape, lead), cur.shape.slice(lead));
      freeIfNotOf(cur, g);
      cur = next;
    }
  }
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1 && cur.shape[d] !== 1) {
      const outShape = cur.shape.slice();
      outShape[d] = 1;
      const next = reduceRaw(Reduce.sum, cur, numelBetween(cur.shape, 0, d), cur.shape[d], numelBetween(cur.shape, d + 1), outShape);
      freeIfNotOf(cur, g);
      cur = next;
    }
  }
  return cur;
}

/** Frees an intermediate of sumToShape unless it holds g's own buffer: an op may hand one gradient to several inputs. */
function freeIfNotOf(cur: Tensor, g: Tensor): void {
  if (cur.storage !== g.storage) cur.storage.free('dispose');
}

/** Raw reduction of a contiguous tensor viewed as [outer, n, inner], result shaped `outShape`. */
export function reduceRaw(code: number, x: Tensor, outer: number, n: number, inner: number, outShape: Shape, dtype: DType = 'float32'): Tensor {
  const backend = x.storage.backend;
  const out = emptyTensor(outShape, dtype, backend);
  if (outer * inner > 0) backend.reduce(code as 0, out.storage.buf!, 0, use(x, 'reduce'), x.offset, outer, n, inner);
  return out;
}

export function checkGradAssignment(t: Tensor, g: Tensor): void {
  if (!(g instanceof Tensor)) throw new Error('grad: assigned value must be a Tensor or null');
  if (!sameShape(t.shape, g.shape)) {
    throw new Error(`grad: assigned grad has shape ${shapeStr(g.shape)} but the tensor has shape ${shapeStr(t.shape)}`);
  }
  if (g.dtype !== t.dtype) throw new Error(`grad: assigned grad has dtype ${g.dtype} but the tensor has dtype ${t.dtype}`);
  backendOf('grad', t, g);
}

/**
 * `t.data = value`: same shape and dtype copies the values into t's storage (keeping its identity, as
 * optimizers hold it); otherwise t takes over value's storage and shape.
 */
export function copyInto(t: Tensor, value: Tensor, op: string): void {
  if (!(value instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${typeof value}`);
  if (sameShape(t.shape, value.shape) && t.dtype === value.dtype && t.isContiguous()) {
    const backend = backendOf(op, t, value);
    const dst = use(t, op);
    if (t.numel() > 0) backend.copy(t.shape, dst, t.offset, t.strides, use(value, op), value.offset, value.strides);
    return;
  }
  use(value, op);
  const wasPersistent = t.storage.persistent;
  t.storage = value.storage;
  t.shape = value.shape.slice();
  t.strides = value.strides.slice();
  t.offset = value.offset;
  if (wasPersistent) markPersistent(t.storage);
}
