// The wasmtorch kernel module: flat functions over byte addresses, element counts and element strides.
// Memory above heapBase() belongs to the host-side allocator (src/backend/wasm/allocator.ts); kernels never
// allocate. Built four times from this source: SIMD, and SIMD + relaxed SIMD (ASC_FEATURE_RELAXED_SIMD), each
// with its own memory and with an imported shared one (worker threads run kernels on the same memory).
import { META_BYTES } from './strided';

export { fillF32, fillI32, copy, castF32ToI32, castI32ToF32 } from './layout';
export { unary } from './unary';
export { binary, where } from './binary';
export { reduce, softmax } from './reduce';
export { gather, scatterAdd, indexSelect, indexAdd, topk } from './indexing';
export { gemm, gemmScratchBytes, gemmRowTile, gemmIsBlocked } from './gemm';
export { adamStep, sgdStep, rmspropStep } from './optim';
export { rnnForward, rnnBackward, rnnScratchBytes, rnnThreadScratchBytes } from './rnn';

/** First byte address past the module's static data; the host allocator starts at or above it. */
export function heapBase(): usize {
  return __heap_base;
}

/** Bytes of the strided-iteration area ("meta", see strided.ts) that copy, binary and where expect. */
export function metaBytes(): i32 {
  return META_BYTES;
}

/** 1 when this build uses relaxed SIMD instructions. */
export function relaxedSimd(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 1 : 0;
}
