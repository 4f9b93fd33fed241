/**
 * Index-driven ops: gather/scatter-add along a dim, row selection (index_select, embedding) and top-k.
 * Index values are validated here, in TypeScript, before any kernel reads through them.
 */
import { record } from '../autograd/graph.js';
import { Tensor } from '../tensor.js';
import { backendOf, contiguousRaw, emptyTensor, fullTensor, readValues, use } from './internal.js';
import { normDim, numelBetween, numelOf, shapeStr, sameShape } from '../shape.js';
import { transpose } from './shape.js';

function checkIndexTensor(index: unknown, op: string): asserts index is Tensor {
  if (!(index instanceof Tensor)) throw new Error(`${op}: index must be an int64 Tensor, got ${typeof index}`);
  if (index.dtype !== 'int64') throw new Error(`${op}: index must be an int64 tensor, got ${index.dtype} (shape ${shapeStr(index.shape)})`);
}

/** Throws unless every index value lies in [0, size). */
export function checkIndexRange(index: Tensor, size: number, op: string, what = 'index'): void {
  const values = readValues(index, op);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < 0 || v >= size) {
      throw new Error(`${op}: ${what} ${v} is out of range for size ${size} (index shape ${shapeStr(index.shape)}); expected values in [0, ${size})`);
    }
  }
}

function splitAt(shape: number[], d: number): [number, number, number] {
  return [numelBetween(shape, 0, d), shape[d], numelBetween(shape, d + 1)];
}

/** gather without autograd; index has x's shape except along `d` (validated by callers). */
export function gatherRaw(x: Tensor, d: number, index: Tensor, op: string): Tensor {
  const xc = contiguousRaw(x, op);
  const ic = contiguousRaw(index, op);
  const backend = backendOf(op, x, index);
  const out = emptyTensor(index.shape, 'float32', backend);
  if (out.numel() === 0) return out;
  if (x.shape.length === 0) {
    backend.gather(out.storage.buf!, 0, use(xc, op), xc.offset, use(ic, op), ic.offset, 1, 1, 1, 1);
    return out;
  }
  const [outer, n, inner] = splitAt(x.shape, d);
  backend.gather(out.storage.buf!, 0, use(xc, op), xc.offset, use(ic, op), ic.offset, outer, n, index.shape[d], inner);
  return out;
}

/** zeros(shape) with src scatter-added at index along `d`; index and src contiguous and the same shape. */
export function scatterAddRaw(shape: number[], d: number, index: Tensor, src: Tensor, op: string): Tensor {
  const backend = backendOf(op, index, src);
  const out = fullTensor(shape, 0, 'float32', backend);
  if (src.numel() === 0) return out;
  if (shape.length === 0) {
    backend.scatterAdd(out.storage.buf!, 0, use(src, op), src.offset, use(index, op), index.offset, 1, 1, 1, 1);
    return out;
  }
  const [outer, n, inner] = splitAt(shape, d);
  backend.scatterAdd(out.storage.buf!, 0, use(src, op), src.offset, use(index, op), index.offset, outer, n, index.shape[d], inner);
  return out;
}

export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  checkIndexTensor(index, 'gather');
  if (x.dtype !== 'float32') throw new Error(`gather: expected a float32 input, got ${x.dtype}`);
  const d = normDim(dim, x.shape.length, 'gather');
  const same = index.shape.length === x.shape.length && index.shape.every((s, i) => i === d || s === x.shape[i]);
  if (!same) {
    throw new Error(`gather: index shape ${shapeStr(index.shape)} must match input shape ${shapeStr(x.shape)} in every dimension except ${d}`);
  }
  checkIndexRange(index, x.shape.length ? x.shape[d] : 1, 'gather');
  const ic = contiguousRaw(index, 'gather');
  const out = gatherRaw(x, d, ic, 'gather');
  return record('GatherBackward0', out, [x], (g) => [scatterAddRaw(x.shape, d, ic, contiguousRaw(g, 'gather'), 'gather backward')]);
}

/** Rows of a 2-D-viewed contiguous tensor picked by a flat index (the embedding kernel). */
function selectRows(x: Tensor, index: Tensor, op: string): Tensor {
  const xc = contiguousRaw(x, op);
  const ic = contiguousRaw(index, op);
  const rowLen = numelOf(x.shape.slice(1));
  const count = index.numel();
  const out = emptyTensor([count, ...x.shape.slice(1)], x.dtype, x.storage.backend);
  if (count * rowLen > 0) x.storage.backend.indexSelect(out.storage.buf!, 0, use(xc, op), xc.offset, use(ic, op), ic.offset, count, rowLen);
  return out;
}

/** zeros([rows, ...rowShape]) with g's rows added at index (the embedding gradient). */
function addRows(rows: number, rowShape: number[], index: Tensor, g: Tensor, op: string): Tensor {
  const backend = backendOf(op, index, g);
  const out = fullTensor([rows, ...rowShape], 0, 'float32', backend);
  const gc = contiguousRaw(g, op);
  const ic = contiguousRaw(index, op);
  const rowLen = numelOf(rowShape);
  if (index.numel() * rowLen > 0) backend.indexAdd(out.storage.buf!, 0, use(gc, op), gc.offset, use(ic, op), ic.offset, index.numel(), rowLen);
  return out;
}

export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  checkIndexTensor(index, 'indexSelect');
  if (index.shape.length > 1) throw new Error(`indexSelect: index must be 0-d or 1-d, got shape ${shapeStr(index.shape)}`);
  const d = normDim(dim, x.shape.length, 'indexSelect');
  backendOf('indexSelect', x, index);
  const size = x.shape.length ? x.shape[d] : 1;
  checkIndexRange(index, size, 'indexSelect');
  const moved = d === 0 || x.shape.length === 0 ? x : transpose(x, 0, d);
  const rows = selectRows(x.shape.length === 0 ? x.reshape(1) : moved, index, 'indexSelect');
  const picked = d === 0 ? rows : transpose(rows, 0, d);
  const out = x.shape.length === 0 ? rows.reshape([]) : picked;
  return record('IndexSelectBackward0', out, [x], (g) => {
    const gm = d === 0 ? g : transpose(g, 0, d);
    const summed = addRows(size, moved.shape.slice(1), index, gm, 'indexSelect backward');
    return [d === 0 ? summed : transpose(summed, 0, d)];
  });
}

/**
 * Embedding lookup: weight [num, dim] rows at integer `indices` of any shape -> [...indices.shape, dim].
 * Rows at `paddingIdx` receive no gradient.
 */
export function embedding(indices: Tensor, weight: Tensor, paddingIdx: number | null = null): Tensor {
  checkIndexTensor(indices, 'embedding');
  if (weight.shape.length !== 2) throw new Error(`embedding: weight must be 2-D, got shape ${shapeStr(weight.shape)}`);
  backendOf('embedding', weight, indices);
  checkIndexRange(indices, weight.shape[0], 'embedding', 'index');
  const flat = contiguousRaw(indices, 'embedding');
  const rows = selectRows(weight, flat, 'embedding');
  const out = rows.reshape([...indices.shape, weight.shape[1]]);
  return record('EmbeddingBackward0', out, [null, weight], (g) => {
    const grad = addRows(weight.shape[0], [weight.shape[1]], flat, g.reshape(-1, weight.shape[1]), 'embedding backward');
    if (paddingIdx !== null) grad.select(0, paddingIdx).fill_(0);
    return [null, grad];
  });
}

export function topk(x: Tensor, k: number, dim = -1, largest = true, sorted = true): [Tensor, Tensor] {
  if (x.dtype !== 'float32') throw new Error(`topk: expected a float32 input, got ${x.dtype}`);
  const d = normDim(dim, x.shape.length, 'topk');
  const size = x.shape.length ? x.shape[d] : 1;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k > size) {
    throw new Error(`topk: k (${String(k)}) must be an integer in [0, ${size}] for dimension ${d} of shape ${shapeStr(x.shape)}`);
  }
  if (x.shape.length === 0 && k === 0) throw new Error('topk: k = 0 is not supported on a 0-d tensor (PyTorch returns the element itself there); use k = 1');
  void sorted; // results are always sorted, which satisfies sorted=false too
  const last = x.shape.length === 0 ? x.reshape(1) : d === x.shape.length - 1 ? x : transpose(x, d, -1);
  const xc = contiguousRaw(last, 'topk');
  const rows = numelOf(last.shape.slice(0, -1));
  const outShape = [...last.shape.slice(0, -1), k];
  const backend = x.storage.backend;
  const values = emptyTensor(outShape, 'float32', backend);
  const indices = emptyTensor(outShape, 'int64', backend);
  if (rows * k > 0) {
    backend.topk(values.storage.buf!, 0, indices.storage.buf!, 0, use(xc, 'topk'), xc.offset, rows, size, k, largest);
  }
  const back = (t: Tensor) => (x.shape.length === 0 ? t.reshape([]) : d === x.shape.length - 1 ? t : transpose(t, d, -1));
  const outValues = back(values);
  const outIndices = back(indices);
  record('TopkBackward0', outValues, [x], (g) => {
    const gl = contiguousRaw(x.shape.length === 0 ? g.reshape(1) : d === x.shape.length - 1 ? g : transpose(g, d, -1), 'topk backward');
    return [back(scatterAddRaw(last.shape, last.shape.length - 1, indices, gl, 'topk backward')).contiguous()];
  });
  return [outValues, outIndices];
}

export { sameShape };
