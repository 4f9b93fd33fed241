/**
 * Shape ops. Views (view, transpose, permute, narrow, select, squeeze, unsqueeze, expand, detach) share the
 * input's storage and differ only in shape, strides and offset; their backward maps the gradient back.
 */
import type { DType } from '../backend/types.js';
import { record, recordMulti } from '../autograd/graph.js';
import { Tensor, type ShapeArgs } from '../tensor.js';
import { castRaw, cloneTensor, fullTensor, use } from './internal.js';
import { checkSize, contiguousStrides, inferShape, normDim, numelOf, parseShape, shapeStr } from '../shape.js';

function viewOf(x: Tensor, shape: number[], strides: number[], offset: number, op: string): Tensor {
  use(x, op);
  return new Tensor(x.storage, shape, strides, offset);
}

export function detach(x: Tensor): Tensor {
  return viewOf(x, x.shape.slice(), x.strides.slice(), x.offset, 'detach');
}

export function view(x: Tensor, args: ShapeArgs): Tensor {
  const shape = inferShape(shapeArgs(args, 'view'), x.numel(), x.shape, 'view');
  if (!x.isContiguous()) {
    throw new Error(
      `view: view size ${shapeStr(shape)} is not compatible with input shape ${shapeStr(x.shape)} and strides ` +
        `${shapeStr(x.strides)} (the input is not contiguous); use reshape() or contiguous() first`,
    );
  }
  const out = viewOf(x, shape, contiguousStrides(shape), x.offset, 'view');
  return record('ViewBackward0', out, [x], (g) => [reshape(g, [x.shape])]);
}

export function reshape(x: Tensor, args: ShapeArgs): Tensor {
  const shape = inferShape(shapeArgs(args, 'reshape'), x.numel(), x.shape, 'reshape');
  if (x.isContiguous()) {
    const out = viewOf(x, shape, contiguousStrides(shape), x.offset, 'reshape');
    return record('ReshapeAliasBackward0', out, [x], (g) => [reshape(g, [x.shape])]);
  }
  const copy = cloneTensor(x, 'reshape');
  const out = new Tensor(copy.storage, shape, contiguousStrides(shape), 0);
  return record('UnsafeViewBackward0', out, [x], (g) => [reshape(g, [x.shape])]);
}

function shapeArgs(args: ShapeArgs, op: string): number[] {
  const list = (args.length === 1 && Array.isArray(args[0]) ? args[0] : args) as number[];
  if (!Array.isArray(list)) throw new Error(`${op}: expected sizes as numbers or one array`);
  for (let i = 0; i < list.length; i++) {
    if (typeof list[i] !== 'number') throw new Error(`${op}: sizes must be integers, got ${String(list[i])} at position ${i}`);
  }
  return list;
}

export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const out = swapped(x, dim0, dim1, 'transpose');
  return record('TransposeBackward0', out, [x], (g) => [transpose(g, dim0, dim1)]);
}

function swapped(x: Tensor, dim0: number, dim1: number, op: string): Tensor {
  const rank = x.shape.length;
  if (rank === 0) return viewOf(x, [], [], x.offset, op);
  const a = normDim(dim0, rank, op);
  const b = normDim(dim1, rank, op);
  const shape = x.shape.slice();
  const strides = x.strides.slice();
  shape[a] = x.shape[b];
  shape[b] = x.shape[a];
  strides[a] = x.strides[b];
  strides[b] = x.strides[a];
  return viewOf(x, shape, strides, x.offset, op);
}

/** `t()`: transpose of a matrix (vectors and scalars are returned as they are). */
export function t(x: Tensor): Tensor {
  if (x.shape.length > 2) throw new Error(`t: expects a tensor with <= 2 dimensions, but got shape ${shapeStr(x.shape)}`);
  const out = x.shape.length < 2 ? viewOf(x, x.shape.slice(), x.strides.slice(), x.offset, 't') : swapped(x, 0, 1, 't');
  return record('TBackward0', out, [x], (g) => [t(g)]);
}

/** `T`: all dimensions reversed. */
export function T(x: Tensor): Tensor {
  return permute(x, [x.shape.map((_, i) => x.shape.length - 1 - i)]);
}

export function permute(x: Tensor, args: ShapeArgs): Tensor {
  const list = shapeArgs(args, 'permute');
  const dims = list.map((d) => normDim(d, x.shape.length, 'permute'));
  if (dims.length !== x.shape.length || new Set(dims).size !== dims.length) {
    throw new Error(`permute: dims ${shapeStr(list)} must be a permutation of the ${x.shape.length} dims of shape ${shapeStr(x.shape)}`);
  }
  const out = viewOf(x, dims.map((d) => x.shape[d]), dims.map((d) => x.strides[d]), x.offset, 'permute');
  const inverse = new Array<number>(dims.length);
  dims.forEach((d, i) => (inverse[d] = i));
  return record('PermuteBackward0', out, [x], (g) => [permute(g, [inverse])]);
}

export function contiguous(x: Tensor): Tensor {
  if (x.isContiguous()) {
    use(x, 'contiguous');
    return x;
  }
  return clone(x);
}

export function clone(x: Tensor): Tensor {
  return record('CloneBackward0', cloneTensor(x, 'clone'), [x], (g) => [g]);
}

export function squeeze(x: Tensor, dim?: number): Tensor {
  if (dim === undefined) {
    const keep = x.shape.map((_, i) => i).filter((i) => x.shape[i] !== 1);
    const out = viewOf(x, keep.map((i) => x.shape[i]), keep.map((i) => x.strides[i]), x.offset, 'squeeze');
    return record('SqueezeBackward0', out, [x], (g) => [reshape(g, [x.shape])]);
  }
  const d = normDim(dim, x.shape.length, 'squeeze');
  let out: Tensor;
  if (x.shape.length === 0 || x.shape[d] !== 1) out = viewOf(x, x.shape.slice(), x.strides.slice(), x.offset, 'squeeze');
  else {
    out = viewOf(x, x.shape.filter((_, i) => i !== d), x.strides.filter((_, i) => i !== d), x.offset, 'squeeze');
  }
  return record('SqueezeBackward1', out, [x], (g) => [reshape(g, [x.shape])]);
}

export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normDim(dim, x.shape.length + 1, 'unsqueeze');
  const shape = x.shape.slice();
  const strides = x.strides.slice();
  shape.splice(d, 0, 1);
  strides.splice(d, 0, d < x.shape.length ? x.strides[d] * x.shape[d] : 1);
  const out = viewOf(x, shape, strides, x.offset, 'unsqueeze');
  return record('UnsqueezeBackward0', out, [x], (g) => [squeeze(g, d)]);
}

export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.shape.length === 0) return reshape(x, [[1]]);
  const s = normDim(startDim, x.shape.length, 'flatten');
  const e = normDim(endDim, x.shape.length, 'flatten');
  if (s > e) throw new Error(`flatten: startDim ${startDim} cannot come after endDim ${endDim} (shape ${shapeStr(x.shape)})`);
  if (s === e) {
    use(x, 'flatten');
    return x;
  }
  const shape = [...x.shape.slice(0, s), numelOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, [shape]);
}

export function expand(x: Tensor, args: ShapeArgs): Tensor {
  const target = shapeArgs(args, 'expand');
  if (target.length < x.shape.length) {
    throw new Error(`expand: the number of sizes provided (${target.length}) must be at least the number of dims of shape ${shapeStr(x.shape)}`);
  }
  const lead = target.length - x.shape.length;
  const shape = new Array<number>(target.length);
  const strides = new Array<number>(target.length);
  for (let i = 0; i < target.length; i++) {
    const size = i < lead ? 1 : x.shape[i - lead];
    const want = target[i] === -1 && i >= lead ? size : checkSize(target[i], 'expand');
    if (size !== want && size !== 1) {
      throw new Error(`expand: the expanded size ${want} must match the existing size ${size} at dimension ${i} (shape ${shapeStr(x.shape)} to ${shapeStr(target)})`);
    }
    shape[i] = want;
    strides[i] = i < lead || (size === 1 && want !== 1) ? 0 : x.strides[i - lead];
  }
  const out = viewOf(x, shape, strides, x.offset, 'expand');
  return record('ExpandBackward0', out, [x], (g) => [g]);
}

/** A copy of `list` without entry `d`. */
function without(list: number[], d: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < list.length; k++) if (k !== d) out.push(list[k]);
  return out;
}

function checkIndex(index: unknown, size: number, op: string, dim: number, shape: number[]): number {
  if (typeof index !== 'number' || !Number.isInteger(index) || index < -size || index >= size) {
    throw new Error(`${op}: index ${String(index)} is out of bounds for dimension ${dim} with size ${size} (shape ${shapeStr(shape)})`);
  }
  return index < 0 ? index + size : index;
}

export function select(x: Tensor, dim: number, index: number): Tensor {
  if (x.shape.length === 0) throw new Error('select: cannot index a 0-d tensor');
  const d = normDim(dim, x.shape.length, 'select');
  const i = checkIndex(index, x.shape[d], 'select', d, x.shape);
  const out = viewOf(x, without(x.shape, d), without(x.strides, d), x.offset + i * x.strides[d], 'select');
  return record('SelectBackward0', out, [x], (g) => {
    const full = fullTensor(x.shape, 0, 'float32', g.storage.backend);
    select(full, d, i).copy_(g);
    return [full];
  });
}

export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  if (x.shape.length === 0) throw new Error('narrow: cannot narrow a 0-d tensor');
  const d = normDim(dim, x.shape.length, 'narrow');
  const size = x.shape[d];
  const s = typeof start === 'number' && start < 0 ? start + size : start;
  if (typeof s !== 'number' || !Number.isInteger(s) || !Number.isInteger(length) || s < 0 || length < 0 || s + length > size) {
    throw new Error(`narrow: start ${String(start)} and length ${String(length)} are out of range for dimension ${d} of size ${size} (shape ${shapeStr(x.shape)})`);
  }
  const shape = x.shape.slice();
  shape[d] = length;
  const out = viewOf(x, shape, x.strides.slice(), x.offset + s * x.strides[d], 'narrow');
  return record('SliceBackward0', out, [x], (g) => {
    const full = fullTensor(x.shape, 0, 'float32', g.storage.backend);
    narrow(full, d, s, length).copy_(g);
    return [full];
  });
}

export function toDtype(x: Tensor, dtype: DType): Tensor {
  if (dtype !== 'float32' && dtype !== 'int64') throw new Error(`to: unknown dtype ${String(dtype)}; expected 'float32' or 'int64'`);
  if (x.dtype === dtype) {
    use(x, 'to');
    return x;
  }
  return castRaw(x, dtype, 'to');
}

/** Views of every slice along `dim` under one node; the backward stacks their gradients (zeros where none flowed). */
export function unbind(x: Tensor, dim = 0): Tensor[] {
  if (x.shape.length === 0) throw new Error('unbind: cannot unbind a 0-d tensor');
  const d = normDim(dim, x.shape.length, 'unbind');
  const shape = x.shape.filter((_, k) => k !== d);
  const strides = x.strides.filter((_, k) => k !== d);
  const parts = Array.from({ length: x.shape[d] }, (_, i) => viewOf(x, shape.slice(), strides.slice(), x.offset + i * x.strides[d], 'unbind'));
  return recordMulti('UnbindBackward0', parts, [x], (grads) => {
    const full = fullTensor(x.shape, 0, 'float32', x.storage.backend);
    grads.forEach((g, i) => {
      if (g) select(full, d, i).copy_(g);
    });
    return [full];
  });
}

/**
 * Views of consecutive pieces along `dim`: `sizes` as a list, or every piece `sizes` long (the last may be
 * shorter), as torch.split. One node; the backward places each piece's gradient back (zeros where none flowed).
 */
export function split(x: Tensor, sizes: number | number[], dim = 0): Tensor[] {
  if (x.shape.length === 0) throw new Error('split: cannot split a 0-d tensor');
  const d = normDim(dim, x.shape.length, 'split');
  const total = x.shape[d];
  let lengths: number[];
  if (typeof sizes === 'number') {
    if (!Number.isInteger(sizes) || sizes <= 0) throw new Error(`split: split size must be a positive integer, got ${String(sizes)}`);
    lengths = [];
    for (let at = 0; at < total; at += sizes) lengths.push(Math.min(sizes, total - at));
    if (total === 0) lengths.push(0);
  } else {
    if (!Array.isArray(sizes)) throw new Error(`split: sizes must be an integer or an array of integers, got ${sizes === null ? 'null' : typeof sizes}`);
    lengths = sizes.map((n) => checkSize(n, 'split'));
    const sum = lengths.reduce((a, b) => a + b, 0);
    if (sum !== total) throw new Error(`split: sizes ${shapeStr(lengths)} add up to ${sum} but dimension ${d} of shape ${shapeStr(x.shape)} has size ${total}`);
  }
  const starts: number[] = [];
  let at = 0;
  const parts = lengths.map((len) => {
    const shape = x.shape.slice();
    shape[d] = len;
    starts.push(at);
    const part = viewOf(x, shape, x.strides.slice(), x.offset + at * x.strides[d], 'split');
    at += len;
    return part;
  });
  const name = typeof sizes === 'number' ? 'SplitBackward0' : 'SplitWithSizesBackward0';
  return recordMulti(name, parts, [x], (grads) => {
    const full = fullTensor(x.shape, 0, 'float32', x.storage.backend);
    grads.forEach((g, i) => {
      if (g) narrow(full, d, starts[i], lengths[i]).copy_(g);
    });
    return [full];
  });
}

/** `chunks` nearly equal pieces along `dim` (torch.chunk). */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0) throw new Error(`chunk: number of chunks must be a positive integer, got ${String(chunks)}`);
  const d = normDim(dim, x.shape.length, 'chunk');
  return split(x, Math.max(1, Math.ceil(x.shape[d] / chunks)), d);
}

export { parseShape };
