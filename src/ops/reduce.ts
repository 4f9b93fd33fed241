/** Reductions: sum, mean, max/min (whole, or along a dim with indices), argmax/argmin. */
import { Reduce } from '../backend/types.js';
import { record } from '../autograd/graph.js';
import { Tensor } from '../tensor.js';
import { castRaw, contiguousRaw, freeTemporary, reduceRaw } from './internal.js';
import { div, mul, compare } from './elementwise.js';
import { expand, reshape } from './shape.js';
import { gatherRaw, scatterAddRaw } from './indexing.js';
import { normDim, numelBetween, numelOf, shapeStr } from '../shape.js';

function normDims(dim: number | number[], rank: number, op: string): number[] {
  if (typeof dim === 'number') return [normDim(dim, rank, op)];
  const dims = (Array.isArray(dim) ? dim : [dim]).map((d) => normDim(d, rank, op));
  if (new Set(dims).size !== dims.length) throw new Error(`${op}: dim ${shapeStr(dims)} appears multiple times in the list of dims`);
  return dims.sort((a, b) => a - b);
}

/** Sum over `dims` (sorted) keeping them as size 1; the raw kernel one dim at a time. */
function sumKeep(x: Tensor, dims: number[], op: string): Tensor {
  let cur = contiguousRaw(x, op);
  if (cur.dtype !== 'float32') cur = castRaw(cur, 'float32', op);
  for (const d of dims) {
    const shape = cur.shape.slice();
    shape[d] = 1;
    cur = reduceRaw(Reduce.sum, cur, numelBetween(cur.shape, 0, d), cur.shape[d], numelBetween(cur.shape, d + 1), shape);
  }
  return cur;
}

/** The sum of every element as a 0-d float32 tensor: sumKeep over the flattened input, without the views. */
function sumAllRaw(x: Tensor, op: string): Tensor {
  const c = contiguousRaw(x, op);
  const f = c.dtype === 'float32' ? c : castRaw(c, 'float32', op);
  if (f !== c) freeTemporary(c, x);
  const out = reduceRaw(Reduce.sum, f, 1, numelOf(x.shape), 1, []);
  freeTemporary(f, x);
  return out;
}

function dropDims(shape: number[], dims: number[]): number[] {
  return shape.filter((_, i) => !dims.includes(i));
}

function intLike(out: Tensor, x: Tensor, op: string): Tensor {
  return x.dtype === 'int64' ? castRaw(out, 'int64', op) : out;
}

export function sum(x: Tensor, dim?: number | number[], keepdim = false): Tensor {
  if (dim === undefined) {
    const total = sumAllRaw(x, 'sum');
    const out = intLike(total, x, 'sum');
    freeTemporary(total, out);
    return record('SumBackward0', out, [x], (g) => [expand(g, [x.shape])]);
  }
  const dims = normDims(dim, x.shape.length, 'sum');
  const kept = sumKeep(x, x.shape.length === 0 ? [] : dims, 'sum');
  const out = intLike(keepdim ? kept : reshape(kept, [dropDims(kept.shape, dims)]), x, 'sum');
  return record('SumBackward1', out, [x], (g) => [expand(reshape(g, [kept.shape]), [x.shape])]);
}

export function mean(x: Tensor, dim?: number | number[], keepdim = false): Tensor {
  if (x.dtype !== 'float32') throw new Error(`mean: expected a float32 tensor, got ${x.dtype} (shape ${shapeStr(x.shape)}); call .float() first`);
  if (dim === undefined) {
    const n = x.numel();
    const total = sumAllRaw(x, 'mean');
    const out = div(total, n);
    freeTemporary(total, null);
    return record('MeanBackward0', out, [x], (g) => [div(expand(g, [x.shape]), n)]);
  }
  const dims = normDims(dim, x.shape.length, 'mean');
  const n = dims.reduce((p, d) => p * (x.shape[d] ?? 1), 1);
  const kept = div(sumKeep(x, x.shape.length === 0 ? [] : dims, 'mean'), n);
  const out = keepdim ? kept : reshape(kept, [dropDims(kept.shape, dims)]);
  return record('MeanBackward1', out, [x], (g) => [div(expand(reshape(g, [kept.shape]), [x.shape]), n)]);
}

/** max() / min() of all elements; the gradient is shared evenly among ties (PyTorch 1.13). */
export function maxAll(x: Tensor, kind: 'max' | 'min'): Tensor {
  if (x.numel() === 0) throw new Error(`${kind}: expected a non-empty tensor, got shape ${shapeStr(x.shape)}; specify a dim`);
  const flat = contiguousRaw(x, kind);
  const out = intLike(reduceRaw(kind === 'max' ? Reduce.max : Reduce.min, flat.dtype === 'float32' ? flat : castRaw(flat, 'float32', kind), 1, x.numel(), 1, []), x, kind);
  return record(kind === 'max' ? 'MaxBackward1' : 'MinBackward1', out, [x], (g) => {
    // a NaN result came from the NaNs, which then share the gradient
    const mask = Number.isNaN(out.item()) ? compare('ne', x, x) : compare('eq', x, out);
    return [mul(mask, div(g, sum(mask)))];
  });
}

/** max(dim) / min(dim): [values, indices]; the gradient flows to the selected index only. */
export function maxDim(x: Tensor, dim: number, keepdim: boolean, kind: 'max' | 'min'): [Tensor, Tensor] {
  const d = normDim(dim, x.shape.length, kind);
  if (x.shape.length > 0 && x.shape[d] === 0) {
    throw new Error(`${kind}: cannot reduce over a zero-size dimension ${d} (shape ${shapeStr(x.shape)})`);
  }
  const keptIdx = argKeep(x, d, kind === 'max' ? 'argmax' : 'argmin');
  const keptVal = intLike(gatherRaw(x.dtype === 'float32' ? x : castRaw(x, 'float32', kind), d, keptIdx, kind), x, kind);
  const outShape = x.shape.length === 0 ? [] : keepdim ? keptIdx.shape : dropDims(keptIdx.shape, [d]);
  const values = reshape(keptVal, [outShape]);
  const indices = reshape(keptIdx, [outShape]);
  record(kind === 'max' ? 'MaxBackward0' : 'MinBackward0', values, [x], (g) => [
    scatterAddRaw(x.shape, d, keptIdx, contiguousRaw(reshape(g, [keptIdx.shape]), kind), kind),
  ]);
  return [values, indices];
}

function argKeep(x: Tensor, d: number, kind: 'argmax' | 'argmin'): Tensor {
  const c = contiguousRaw(x, kind);
  const f = c.dtype === 'float32' ? c : castRaw(c, 'float32', kind);
  if (x.shape.length === 0) return reduceRaw(kind === 'argmax' ? Reduce.argmax : Reduce.argmin, f, 1, 1, 1, [], 'int64');
  const shape = x.shape.slice();
  shape[d] = 1;
  return reduceRaw(kind === 'argmax' ? Reduce.argmax : Reduce.argmin, f,
    numelBetween(x.shape, 0, d), x.shape[d], numelBetween(x.shape, d + 1), shape, 'int64');
}

export function argExtreme(x: Tensor, dim: number | undefined, keepdim: boolean, kind: 'argmax' | 'argmin'): Tensor {
  if (dim === undefined) {
    if (x.numel() === 0) throw new Error(`${kind}: expected a non-empty tensor, got shape ${shapeStr(x.shape)}`);
    const idx = argKeep(reshape(x, [[-1]]), 0, kind);
    return reshape(idx, [keepdim ? x.shape.map(() => 1) : []]);
  }
  const d = normDim(dim, x.shape.length, kind);
  if (x.shape.length > 0 && x.shape[d] === 0) throw new Error(`${kind}: cannot reduce over a zero-size dimension ${d} (shape ${shapeStr(x.shape)})`);
  const idx = argKeep(x, d, kind);
  return keepdim || x.shape.length === 0 ? idx : reshape(idx, [dropDims(idx.shape, [d])]);
}
