/**
 * Matrix products on the GEMM kernel. Strided views whose rows or columns are contiguous (transposes,
 * narrowed columns, broadcast batches) go to the kernel as they are, so backward's A·Bᵀ and Aᵀ·B never
 * materialise a transpose.
 */
import type { Buf } from '../backend/types.js';
import { record } from '../autograd/graph.js';
import { Tensor } from '../tensor.js';
import { backendOf, cloneTensor, emptyTensor, freeTemporary, use } from './internal.js';
import { mul } from './elementwise.js';
import { expand, reshape, squeeze, t as transpose2d, transpose, unsqueeze } from './shape.js';
import { broadcastShapes, numelOf, shapeStr } from '../shape.js';

interface Operand {
  buf: Buf;
  offset: number;
  ld: number;
  trans: boolean;
  batchStride: number;
}

/** How the kernel reads a [rows, cols] matrix with the given strides, or null if it needs a copy first. */
function layout(rows: number, cols: number, rowStride: number, colStride: number): { ld: number; trans: boolean } | null {
  if (colStride === 1 || cols === 1) return { ld: rows === 1 ? Math.max(cols, 1) : rowStride, trans: false };
  if (rowStride === 1 || rows === 1) return { ld: cols === 1 ? Math.max(rows, 1) : colStride, trans: true };
  return null;
}

/** Operand for the matrices of a batch-major 3-D tensor [batch, rows, cols]. */
function operand(x: Tensor, op: string): Operand {
  const [, rows, cols] = x.shape;
  const [bs, rs, cs] = x.strides;
  const l = layout(rows, cols, rs, cs);
  if (l === null || (l.trans ? l.ld < rows : l.ld < cols)) {
    const c = cloneTensor(x, op);
    return { buf: c.storage.buf!, offset: 0, ld: cols, trans: false, batchStride: rows * cols };
  }
  return { buf: use(x, op), offset: x.offset, ld: l.ld, trans: l.trans, batchStride: x.shape[0] === 1 ? 0 : bs };
}

/** Raw batched product of [batch|1, m, k] and [batch|1, k, n] -> contiguous [batch, m, n]. */
function gemm3(a: Tensor, b: Tensor, batch: number, op: string): Tensor {
  const backend = backendOf(op, a, b);
  const m = a.shape[1];
  const k = a.shape[2];
  const n = b.shape[2];
  const out = emptyTensor([batch, m, n], 'float32', backend);
  if (batch * m * n === 0) return out;
  if (k === 0) {
    backend.fill(out.storage.buf!, 0, batch * m * n, 0);
    return out;
  }
  const A = operand(a, op);
  const B = operand(b, op);
  backend.gemm(batch, m, n, k,
    A.buf, A.offset, A.batchStride, A.ld, A.trans,
    B.buf, B.offset, B.batchStride, B.ld, B.trans,
    out.storage.buf!, 0, m * n, n, false);
  return out;
}

/** Operand for a 2-D matrix [rows, cols] (the batch-of-one case of `operand`, without a 3-D view). */
function operand2d(x: Tensor, op: string): Operand & { copy: Tensor | null } {
  const rows = x.shape[0];
  const cols = x.shape[1];
  const l = layout(rows, cols, x.strides[0], x.strides[1]);
  if (l === null || (l.trans ? l.ld < rows : l.ld < cols)) {
    const c = cloneTensor(x, op);
    return { buf: c.storage.buf!, offset: 0, ld: cols, trans: false, batchStride: 0, copy: c };
  }
  return { buf: use(x, op), offset: x.offset, ld: l.ld, trans: l.trans, batchStride: 0, copy: null };
}

/** Raw product of a [m, k] and b [k, n] -> contiguous [m, n]: gemm3 for one matrix, with no 3-D views. */
function gemm2d(a: Tensor, b: Tensor, op: string): Tensor {
  const backend = backendOf(op, a, b);
  const m = a.shape[0];
  const k = a.shape[1];
  const n = b.shape[1];
  const out = emptyTensor([m, n], 'float32', backend);
  if (m * n === 0) return out;
  if (k === 0) {
    backend.fill(out.storage.buf!, 0, m * n, 0);
    return out;
  }
  const A = operand2d(a, op);
  const B = operand2d(b, op);
  backend.gemm(1, m, n, k,
    A.buf, A.offset, 0, A.ld, A.trans,
    B.buf, B.offset, 0, B.ld, B.trans,
    out.storage.buf!, 0, m * n, n, false);
  if (A.copy !== null) freeTemporary(A.copy, null);
  if (B.copy !== null) freeTemporary(B.copy, null);
  return out;
}

function checkFloat(op: string, a: Tensor, b: Tensor): void {
  if (!(a instanceof Tensor) || !(b instanceof Tensor)) throw new Error(`${op}: expected two Tensors`);
  if (a.dtype !== 'float32' || b.dtype !== 'float32') {
    throw new Error(`${op}: expected float32 tensors, got ${a.dtype} ${shapeStr(a.shape)} and ${b.dtype} ${shapeStr(b.shape)}`);
  }
}

function as3d(x: Tensor): Tensor {
  return new Tensor(x.storage, [1, x.shape[0], x.shape[1]], [0, x.strides[0], x.strides[1]], x.offset);
}

/** a [m, k] · b [k, n]. */
export function mm(a: Tensor, b: Tensor): Tensor {
  checkFloat('mm', a, b);
  if (a.shape.length !== 2 || b.shape.length !== 2) {
    throw new Error(`mm: expected 2-D tensors, got shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
  }
  if (a.shape[1] !== b.shape[0]) {
    throw new Error(`mm: shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)} cannot be multiplied (${a.shape[1]} != ${b.shape[0]})`);
  }
  const out = gemm2d(a, b, 'mm');
  return record('MmBackward0', out, [a, b], (g) => [
    a.requiresGrad ? mmGradLeft(g, b, a) : null,
    b.requiresGrad ? mmGradRight(a, g, b) : null,
  ]);
}

/** A 2-D view whose columns are contiguous (a transpose, like Linear's weight.t()). */
function columnMajor(x: Tensor): boolean {
  return x.strides[0] === 1 && x.strides[1] !== 1 && x.shape[0] > 1 && x.shape[1] > 1;
}

/**
 * d left = g·rightᵀ, produced in the layout of `left` so that accumulating it into a transposed parameter
 * (and through TBackward0) stays a contiguous add, as PyTorch does.
 */
export function mmGradLeft(g: Tensor, right: Tensor, left: Tensor): Tensor {
  return columnMajor(left) ? transpose2d(mm(right, transpose2d(g))) : mm(g, transpose2d(right));
}

/** d right = leftᵀ·g, in the layout of `right` (see mmGradLeft). */
export function mmGradRight(left: Tensor, g: Tensor, right: Tensor): Tensor {
  return columnMajor(right) ? transpose2d(mm(transpose2d(g), left)) : mm(transpose2d(left), g);
}

/** a [B, m, k] · b [B, k, n]. */
export function bmm(a: Tensor, b: Tensor): Tensor {
  checkFloat('bmm', a, b);
  if (a.shape.length !== 3 || b.shape.length !== 3) {
    throw new Error(`bmm: expected 3-D tensors, got shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
  }
  if (a.shape[0] !== b.shape[0] || a.shape[2] !== b.shape[1]) {
    throw new Error(`bmm: shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)} cannot be multiplied (expected [B, m, k] and [B, k, n])`);
  }
  const out = gemm3(a, b, a.shape[0], 'bmm');
  return record('BmmBackward0', out, [a, b], (g) => [
    a.requiresGrad ? bmm(g, transpose(b, 1, 2)) : null,
    b.requiresGrad ? bmm(transpose(a, 1, 2), g) : null,
  ]);
}

function dot(a: Tensor, b: Tensor): Tensor {
  if (a.shape[0] !== b.shape[0]) {
    throw new Error(`matmul: 1-D tensors must have the same length for a dot product, got shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
  }
  const raw = gemm3(as3d(unsqueezeRaw(a, 0)), as3d(unsqueezeRaw(b, 1)), 1, 'dot');
  const out = new Tensor(raw.storage, []);
  return record('DotBackward0', out, [a, b], (g) => [a.requiresGrad ? mul(b, g) : null, b.requiresGrad ? mul(a, g) : null]);
}

function mv(a: Tensor, v: Tensor): Tensor {
  if (a.shape[1] !== v.shape[0]) {
    throw new Error(`matmul: shapes ${shapeStr(a.shape)} and ${shapeStr(v.shape)} cannot be multiplied (${a.shape[1]} != ${v.shape[0]})`);
  }
  const raw = gemm3(as3d(a), as3d(unsqueezeRaw(v, 1)), 1, 'mv');
  const out = new Tensor(raw.storage, [a.shape[0]]);
  return record('MvBackward0', out, [a, v], (g) => [
    a.requiresGrad ? mm(unsqueeze(g, 1), unsqueeze(v, 0)) : null,
    v.requiresGrad ? mv(transpose2d(a), g) : null,
  ]);
}

function unsqueezeRaw(x: Tensor, dim: 0 | 1): Tensor {
  return dim === 0
    ? new Tensor(x.storage, [1, x.shape[0]], [x.shape[0] * x.strides[0], x.strides[0]], x.offset)
    : new Tensor(x.storage, [x.shape[0], 1], [x.strides[0], 1], x.offset);
}

/** torch.matmul: dot, matrix-vector, matrix product, or batched with broadcast batch dims. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkFloat('matmul', a, b);
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra === 0 || rb === 0) throw new Error(`matmul: both arguments need at least 1 dimension, got shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
  const inner = b.shape[Math.max(rb - 2, 0)];
  if (a.shape[ra - 1] !== inner) {
    throw new Error(`matmul: shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)} cannot be multiplied (${a.shape[ra - 1]} != ${inner})`);
  }
  if (ra === 1 && rb === 1) return dot(a, b);
  if (ra === 2 && rb === 1) return mv(a, b);
  if (ra === 1 && rb === 2) return named(squeeze(mm(unsqueeze(a, 0), b), 0), 'SqueezeBackward3');
  if (ra === 2 && rb === 2) return mm(a, b);
  // batched: a vector operand becomes a matrix and its dimension is dropped at the end
  const A = ra === 1 ? unsqueeze(a, 0) : a;
  const B = rb === 1 ? unsqueeze(b, 1) : b;
  const m = A.shape[A.shape.length - 2];
  const k = A.shape[A.shape.length - 1];
  const n = B.shape[B.shape.length - 1];
  if (B.shape[B.shape.length - 2] !== k) {
    throw new Error(`matmul: shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)} cannot be multiplied (${k} != ${B.shape[B.shape.length - 2]})`);
  }
  let out: Tensor;
  if (rb <= 2) {
    // [..., m, k] · [k, n]: fold the batch into rows, one GEMM
    out = reshape(mm(reshape(A, [[-1, k]]), B), [[...A.shape.slice(0, -1), n]]);
  } else {
    let batchShape: number[];
    try {
      batchShape = broadcastShapes(A.shape.slice(0, -2), B.shape.slice(0, -2), 'matmul');
    } catch {
      throw new Error(`matmul: batch dimensions of shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)} cannot be broadcast together`);
    }
    const batch = numelOf(batchShape);
    const A3 = reshape(expand(A, [[...batchShape, m, k]]), [[batch, m, k]]);
    const B3 = reshape(expand(B, [[...batchShape, k, n]]), [[batch, k, n]]);
    out = reshape(bmm(A3, B3), [[...batchShape, m, n]]);
  }
  if (ra === 1) out = squeeze(out, -2);
  if (rb === 1) out = squeeze(out, -1);
  // PyTorch's matmul ends batched products in an unsafe view (a clone when it folded a 2-D lhs)
  return named(out, ra === 2 ? 'CloneBackward0' : 'UnsafeViewBackward0');
}

/** Names the node that produced `t` as PyTorch's composite op would (only when autograd recorded one). */
function named(t: Tensor, name: string): Tensor {
  if (t._node !== null) t._node.name = name;
  return t;
}
