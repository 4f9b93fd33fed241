/**
 * The pure-JS backend: every kernel of the Backend interface over plain typed arrays.
 * It is the benchmark baseline and the oracle the WebAssembly kernels are tested against, so it favours
 * plain loops whose correctness is evident, while keeping the innermost loops on contiguous memory.
 */
import type { Backend, Buf } from '../types.js';
import { JsAllocator, elements } from './buffer.js';
import { binary, where } from './binary.js';
import { gemm } from './gemm.js';
import { gather, indexAdd, indexSelect, scatterAdd } from './indexing.js';
import { cast, copy, fill, truncToInt32 } from './layout.js';
import { adamStep, rmspropStep, sgdStep } from './optim.js';
import { reduce, softmax } from './reduce.js';
import { rnnBackward, rnnForward } from './rnn.js';
import { topk } from './topk.js';
import { unary } from './unary.js';

export { JsBuf } from './buffer.js';

export function createJsBackend(): Backend {
  const allocator = new JsAllocator();
  return {
    name: 'js',

    alloc: (length, dtype) => allocator.alloc(length, dtype),
    free: (buf) => allocator.free(buf),
    memoryStats: () => allocator.stats(),
    readyThreads: () => 1,

    read: (buf, off, n) => elements(buf).slice(off, off + n),
    readScalar: (buf, off) => elements(buf)[off],
    write: (buf, off, data) => writeElements(buf, off, data),
    writeScalar: (buf, off, value) => {
      elements(buf)[off] = buf.dtype === 'int64' ? truncToInt32(value) : value;
    },

    fill,
    copy,
    cast,
    unary,
    binary,
    where,
    reduce,
    softmax,
    gemm,
    gather,
    scatterAdd,
    indexSelect,
    indexAdd,
    topk,

    // ---- recurrent ----
    rnnForward,
    rnnBackward,

    // ---- optimizers ----
    adamStep,
    sgdStep,
    rmspropStep,
  };
}

/** Copies host values into a buffer; int64 buffers get values truncated toward zero (saturating). */
function writeElements(buf: Buf, off: number, data: ArrayLike<number>): void {
  const target = elements(buf);
  if (buf.dtype === 'float32' || data instanceof Int32Array) {
    target.set(data, off);
    return;
  }
  for (let j = 0; j < data.length; j++) target[off + j] = truncToInt32(data[j]);
}
