/** softmax and log-softmax along a dim (the kernel works on rows; other dims are moved last). */
import { record } from '../autograd/graph.js';
import type { Tensor } from '../tensor.js';
import { contiguousRaw, emptyTensor, use } from './internal.js';
import { exp, mul, sub } from './elementwise.js';
import { sum } from './reduce.js';
import { transpose } from './shape.js';
import { normDim, numelOf, shapeStr } from '../shape.js';

function rowwise(x: Tensor, dim: number, log: boolean, op: string): Tensor {
  if (x.dtype !== 'float32') throw new Error(`${op}: expected a float32 input, got ${x.dtype} (shape ${shapeStr(x.shape)})`);
  const d = normDim(dim, x.shape.length, op);
  const lastDim = Math.max(x.shape.length - 1, 0);
  const moved = d === lastDim ? x : transpose(x, d, lastDim);
  const xc = contiguousRaw(moved, op);
  const cols = x.shape.length ? moved.shape[lastDim] : 1;
  const rows = cols === 0 ? 0 : numelOf(moved.shape) / cols;
  const out = emptyTensor(moved.shape, 'float32', x.storage.backend);
  if (rows * cols > 0) x.storage.backend.softmax(out.storage.buf!, 0, use(xc, op), xc.offset, rows, cols, log);
  return d === lastDim ? out : transpose(out, d, lastDim);
}

/** y = exp(x) / sum(exp(x)); dx = y · (dy − Σ dy·y). */
export function softmax(x: Tensor, dim: number): Tensor {
  const y = rowwise(x, dim, false, 'softmax');
  return record('SoftmaxBackward0', y, [x], (g) => [mul(y, sub(g, sum(mul(g, y), dim, true)))]);
}

/** y = x − log Σ exp(x); dx = dy − exp(y) · Σ dy. */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  const y = rowwise(x, dim, true, 'logSoftmax');
  return record('LogSoftmaxBackward0', y, [x], (g) => [sub(g, mul(exp(y), sum(g, dim, true)))]);
}
