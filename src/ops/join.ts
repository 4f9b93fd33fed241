/** cat and stack: copies into slices of one new tensor; the backward hands each input its slice. */
import { recordMulti } from '../autograd/graph.js';
import { Tensor } from '../tensor.js';
import { emptyTensor, use } from './internal.js';
import { narrow, select } from './shape.js';
import { normDim, shapeStr } from '../shape.js';

function checkList(tensors: unknown, op: string): asserts tensors is Tensor[] {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new Error(`${op}: expected a non-empty array of tensors`);
  for (let i = 0; i < tensors.length; i++) {
    if (!(tensors[i] instanceof Tensor)) throw new Error(`${op}: element ${i} is not a Tensor`);
  }
}

/** Whether `shape` matches `first` in rank and in every dim except `d`. */
function matchesExcept(shape: number[], first: number[], d: number): boolean {
  if (shape.length !== first.length) return false;
  for (let k = 0; k < shape.length; k++) if (k !== d && shape[k] !== first[k]) return false;
  return true;
}

function sameBackend(first: Tensor, t: Tensor, i: number, op: string): void {
  if (t.storage.backend !== first.storage.backend) {
    throw new Error(`${op}: tensor ${i} (shape ${shapeStr(t.shape)}) lives on backend ${t.storage.backend.name} but tensor 0 on ${first.storage.backend.name}; move them with torch.tensor(t.tolist()) first`);
  }
}

/** Copies `src` into the region of `out` starting at `start` along `d`. */
function place(out: Tensor, src: Tensor, d: number, start: number, op: string): void {
  if (src.numel() === 0) return;
  const backend = out.storage.backend;
  if (src.storage.backend !== backend) throw new Error(`${op}: tensors live on different backends`);
  backend.copy(src.shape, out.storage.buf!, out.offset + start * out.strides[d], out.strides, use(src, op), src.offset, src.strides);
}

export function cat(tensors: Tensor[], dim = 0): Tensor {
  checkList(tensors, 'cat');
  const first = tensors[0];
  const rank = first.shape.length;
  if (rank === 0) throw new Error('cat: zero-dimensional tensors cannot be concatenated; use stack');
  const d = normDim(dim, rank, 'cat');
  let total = 0;
  const sizes: number[] = [];
  for (let i = 0; i < tensors.length; i++) {
    const t = tensors[i];
    if (!matchesExcept(t.shape, first.shape, d)) {
      throw new Error(`cat: sizes of tensors must match except in dimension ${d}: tensor 0 has shape ${shapeStr(first.shape)} but tensor ${i} has shape ${shapeStr(t.shape)}`);
    }
    if (t.dtype !== first.dtype) throw new Error(`cat: tensor ${i} has dtype ${t.dtype} but tensor 0 has ${first.dtype}`);
    sameBackend(first, t, i, 'cat');
    sizes.push(t.shape[d]);
    total += t.shape[d];
  }
  const shape = first.shape.slice();
  shape[d] = total;
  const out = emptyTensor(shape, first.dtype, first.storage.backend);
  let start = 0;
  for (let i = 0; i < tensors.length; i++) {
    place(out, tensors[i], d, start, 'cat');
    start += sizes[i];
  }
  return recordMulti('CatBackward0', [out], tensors, ([g]) => {
    let at = 0;
    return sizes.map((size) => {
      const slice = g ? narrow(g, d, at, size) : null;
      at += size;
      return slice;
    });
  })[0];
}

export function stack(tensors: Tensor[], dim = 0): Tensor {
  checkList(tensors, 'stack');
  const first = tensors[0];
  const d = normDim(dim, first.shape.length + 1, 'stack');
  tensors.forEach((t, i) => {
    if (t.shape.length !== first.shape.length || t.shape.some((s, k) => s !== first.shape[k])) {
      throw new Error(`stack: expects each tensor to be equal size, but got ${shapeStr(first.shape)} at entry 0 and ${shapeStr(t.shape)} at entry ${i}`);
    }
    if (t.dtype !== first.dtype) throw new Error(`stack: tensor ${i} has dtype ${t.dtype} but tensor 0 has ${first.dtype}`);
    sameBackend(first, t, i, 'stack');
  });
  const shape = first.shape.slice();
  shape.splice(d, 0, tensors.length);
  const out = emptyTensor(shape, first.dtype, first.storage.backend);
  tensors.forEach((t, i) => {
    if (t.numel() === 0) return;
    const slot = select(out, d, i);
    t.storage.backend.copy(t.shape, out.storage.buf!, slot.offset, slot.strides, use(t, 'stack'), t.offset, t.strides);
  });
  return recordMulti('StackBackward0', [out], tensors, ([g]) => tensors.map((_, i) => (g ? select(g, d, i) : null)))[0];
}
