/**
 * The WebAssembly backend: the `Backend` interface over the AssemblyScript kernels (assembly/).
 *
 * Buffers are blocks of the module's linear memory handed out by a size-class allocator. Every kernel call
 * turns (buffer, element offset) into a byte address and passes counts and strides straight through; shapes
 * and strides travel in a scratch area ("meta") written through a cached Int32Array view, so a call allocates
 * nothing on the JS heap. Views are re-created after the memory grows (growth detaches them).
 */
import type {
  Backend, BackendName, BinaryOp, Buf, DType, MemoryStats, RecurrentMode, ReduceOp, UnaryOp,
} from '../types.js';
import { SizeClassAllocator } from './allocator.js';
import { instantiateKernels, type KernelExports, type WasmVariant } from './module.js';
import { createOptimSteps } from './optim.js';

/** Shape/stride slots in the meta area hold this many entries (assembly/strided.ts MAX_RANK). */
const MAX_RANK = 64;

/** A block of wasm memory; `ptr` is its byte address, -1 once freed. */
class WasmBuf implements Buf {
  constructor(
    readonly length: number,
    readonly dtype: DType,
    public ptr: number,
    readonly sizeClass: number,
  ) {}
}

/** int64 values are stored as int32: truncation toward zero, saturated, NaN -> 0 (as the js backend). */
function toInt32(x: number): number {
  if (x !== x) return 0;
  if (x <= -2147483648) return -2147483648;
  if (x >= 2147483647) return 2147483647;
  return Math.trunc(x);
}

/** Byte address of element `off` of `buf`. */
function addr(buf: Buf, off: number): number {
  return (buf as WasmBuf).ptr + off * 4;
}

/** Byte address of element `off` of `buf`, or 0 for an absent buffer (the recurrent kernels' "none"). */
function addrOrNone(buf: Buf | null, off: number): number {
  return buf === null ? 0 : (buf as WasmBuf).ptr + off * 4;
}

export function createWasmBackend(variant: WasmVariant): Backend {
  const k: KernelExports = instantiateKernels(variant);
  const memory = k.memory;
  let f32 = new Float32Array(memory.buffer);
  let i32 = new Int32Array(memory.buffer);
  const refreshViews = (): void => {
    f32 = new Float32Array(memory.buffer);
    i32 = new Int32Array(memory.buffer);
  };
  const allocator = new SizeClassAllocator(memory, k.heapBase(), refreshViews);
  const meta = allocator.alloc(k.metaBytes(), 'the kernel meta area', false).ptr;
  const metaIndex = meta >>> 2;
  let gemmScratch = { ptr: 0, sizeClass: -1, bytes: 0 };
  let recurrentScratch = { ptr: 0, sizeClass: -1, bytes: 0 };

  /** The recurrent kernels' scratch (the backend's own, like gemm's): reused, grown on demand, untracked. */
  const recurrentScratchFor = (mode: RecurrentMode, B: number, H: number): number => {
    const need = k.rnnScratchBytes(mode, B, H);
    if (need > recurrentScratch.bytes) {
      if (recurrentScratch.sizeClass >= 0) allocator.free(recurrentScratch.ptr, recurrentScratch.sizeClass, false);
      recurrentScratch = { ptr: 0, sizeClass: -1, bytes: 0 };
      const block = allocator.alloc(need, `recurrent scratch (B=${B}, H=${H})`, false);
      recurrentScratch = { ...block, bytes: need };
    }
    return recurrentScratch.ptr;
  };

  /** Writes `values` into meta slot `slot`. */
  const writeSlot = (slot: number, values: readonly number[]): void => {
    const base = metaIndex + slot * MAX_RANK;
    for (let d = 0; d < values.length; d++) i32[base + d] = values[d]!;
  };

  const checkRank = (op: string, shape: readonly number[]): void => {
    if (shape.length > MAX_RANK) {
      throw new Error(`${op}: rank ${shape.length} (shape [${shape.join(', ')}]) exceeds the wasm backend's ${MAX_RANK}`);
    }
  };

  const name: BackendName = variant === 'simd' ? 'wasm-simd' : 'wasm-relaxed-simd';

  return {
    name,

    alloc(length: number, dtype: DType): Buf {
      if (!Number.isInteger(length) || length < 0) {
        throw new Error(`alloc: length must be a non-negative integer, got ${length} (${dtype})`);
      }
      if (length === 0) return new WasmBuf(0, dtype, 0, -1);
      const { ptr, sizeClass } = allocator.alloc(length * 4, `${length} ${dtype} elements`);
      return new WasmBuf(length, dtype, ptr, sizeClass);
    },

    free(buf: Buf): void {
      const b = buf as WasmBuf;
      if (b.ptr < 0) throw new Error(`free: buffer of ${b.length} ${b.dtype} elements was already freed`);
      if (b.sizeClass >= 0) allocator.free(b.ptr, b.sizeClass);
      b.ptr = -1;
    },

    memoryStats(): MemoryStats {
      return { bytes: allocator.bytes, peakBytes: allocator.peakBytes, reservedBytes: allocator.reservedBytes };
    },

    read(buf: Buf, off: number, n: number): Float32Array | Int32Array {
      const start = addr(buf, off) >>> 2;
      return buf.dtype === 'float32' ? f32.slice(start, start + n) : i32.slice(start, start + n);
    },

    readScalar(buf: Buf, off: number): number {
      const i = addr(buf, off) >>> 2;
      return buf.dtype === 'float32' ? f32[i]! : i32[i]!;
    },

    write(buf: Buf, off: number, data: ArrayLike<number>): void {
      const start = addr(buf, off) >>> 2;
      if (buf.dtype === 'float32') f32.set(data, start);
      else if (data instanceof Int32Array) i32.set(data, start);
      else for (let i = 0; i < data.length; i++) i32[start + i] = toInt32(data[i]!);
    },

    writeScalar(buf: Buf, off: number, value: number): void {
      const i = addr(buf, off) >>> 2;
      if (buf.dtype === 'float32') f32[i] = value;
      else i32[i] = toInt32(value);
    },

    fill(out: Buf, off: number, n: number, value: number): void {
      if (out.dtype === 'float32') k.fillF32(addr(out, off), n, value);
      else k.fillI32(addr(out, off), n, toInt32(value));
    },

    copy(shape, dst, dstOff, dstStrides, src, srcOff, srcStrides): void {
      checkRank('copy', shape);
      writeSlot(0, shape);
      writeSlot(1, dstStrides);
      writeSlot(2, srcStrides);
      k.copy(meta, shape.length, addr(dst, dstOff), addr(src, srcOff));
    },

    cast(dst: Buf, dstOff: number, src: Buf, srcOff: number, n: number): void {
      const d = addr(dst, dstOff);
      const s = addr(src, srcOff);
      if (dst.dtype === src.dtype) {
        if (d !== s) {
          const from = s >>> 2;
          i32.copyWithin(d >>> 2, from, from + n);
        }
      } else if (dst.dtype === 'int64') k.castF32ToI32(d, s, n);
      else k.castI32ToF32(d, s, n);
    },

    unary(op: UnaryOp, out: Buf, outOff: number, x: Buf, xOff: number, n: number, p0: number, p1: number): void {
      k.unary(op, addr(out, outOff), addr(x, xOff), n, p0, p1);
    },

    binary(op: BinaryOp, shape, out, outOff, a, aOff, aStrides, b, bOff, bStrides): void {
      checkRank('binary', shape);
      writeSlot(0, shape);
      writeSlot(2, aStrides);
      writeSlot(3, bStrides);
      k.binary(op, meta, shape.length, addr(out, outOff), addr(a, aOff), addr(b, bOff));
    },

    where(shape, out, outOff, cond, condOff, condStrides, a, aOff, aStrides, b, bOff, bStrides): void {
      checkRank('where', shape);
      writeSlot(0, shape);
      writeSlot(2, condStrides);
      writeSlot(3, aStrides);
      writeSlot(4, bStrides);
      k.where(meta, shape.length, addr(out, outOff), addr(cond, condOff), addr(a, aOff), addr(b, bOff));
    },

    reduce(op: ReduceOp, out, outOff, x, xOff, outer, n, inner): void {
      k.reduce(op, addr(out, outOff), addr(x, xOff), outer, n, inner);
    },

    softmax(out, outOff, x, xOff, rows, cols, log): void {
      k.softmax(addr(out, outOff), addr(x, xOff), rows, cols, log ? 1 : 0);
    },

    gemm(batch, m, n, kk, a, aOff, aBatchStride, lda, transA, b, bOff, bBatchStride, ldb, transB,
      c, cOff, cBatchStride, ldc, accumulate): void {
      if (batch === 0 || m === 0 || n === 0) return;
      const need = k.gemmScratchBytes(m, n, kk);
      if (need > gemmScratch.bytes) {
        // the scratch is the backend's own: reused across calls, grown on demand, not counted in `bytes`
        if (gemmScratch.sizeClass >= 0) allocator.free(gemmScratch.ptr, gemmScratch.sizeClass, false);
        gemmScratch = { ptr: 0, sizeClass: -1, bytes: 0 };
        const block = allocator.alloc(need, `gemm scratch (m=${m}, n=${n}, k=${kk})`, false);
        gemmScratch = { ...block, bytes: need };
      }
      k.gemm(batch, m, n, kk,
        addr(a, aOff), aBatchStride, lda, transA ? 1 : 0,
        addr(b, bOff), bBatchStride, ldb, transB ? 1 : 0,
        addr(c, cOff), cBatchStride, ldc, accumulate ? 1 : 0,
        gemmScratch.ptr);
    },

    gather(out, outOff, x, xOff, index, indexOff, outer, n, kk, inner): void {
      k.gather(addr(out, outOff), addr(x, xOff), addr(index, indexOff), outer, n, kk, inner);
    },

    scatterAdd(out, outOff, src, srcOff, index, indexOff, outer, n, kk, inner): void {
      k.scatterAdd(addr(out, outOff), addr(src, srcOff), addr(index, indexOff), outer, n, kk, inner);
    },

    indexSelect(out, outOff, x, xOff, index, indexOff, count, rowLen): void {
      k.indexSelect(addr(out, outOff), addr(x, xOff), addr(index, indexOff), count, rowLen);
    },

    indexAdd(out, outOff, src, srcOff, index, indexOff, count, rowLen): void {
      k.indexAdd(addr(out, outOff), addr(src, srcOff), addr(index, indexOff), count, rowLen);
    },

    topk(values, valuesOff, indices, indicesOff, x, xOff, rows, n, kk, largest): void {
      k.topk(addr(values, valuesOff), addr(indices, indicesOff), addr(x, xOff), rows, n, kk, largest ? 1 : 0);
    },

    // ---- recurrent ----
    rnnForward(mode, T, B, H, reverse, xProj, xProjOff, wHh, wHhOff, bIh, bIhOff, bHh, bHhOff,
      h0, h0Off, c0, c0Off, out, outOff, hN, hNOff, cN, cNOff, saved, savedOff): void {
      if (B === 0 || H === 0) return;
      const scratch = recurrentScratchFor(mode, B, H);
      k.rnnForward(mode, T, B, H, reverse ? 1 : 0,
        addr(xProj, xProjOff), addr(wHh, wHhOff), addrOrNone(bIh, bIhOff), addrOrNone(bHh, bHhOff),
        addr(h0, h0Off), addrOrNone(c0, c0Off),
        addr(out, outOff), addrOrNone(hN, hNOff), addrOrNone(cN, cNOff), addrOrNone(saved, savedOff), scratch);
    },

    rnnBackward(mode, T, B, H, reverse, wHh, wHhOff, h0, h0Off, c0, c0Off, out, outOff, saved, savedOff,
      dOut, dOutOff, dhN, dhNOff, dcN, dcNOff, dXProj, dXProjOff, dHProj, dHProjOff, dh0, dh0Off, dc0, dc0Off): void {
      if (B === 0 || H === 0) return;
      const scratch = recurrentScratchFor(mode, B, H);
      k.rnnBackward(mode, T, B, H, reverse ? 1 : 0,
        addr(wHh, wHhOff), addr(h0, h0Off), addrOrNone(c0, c0Off), addr(out, outOff), addrOrNone(saved, savedOff),
        addrOrNone(dOut, dOutOff), addrOrNone(dhN, dhNOff), addrOrNone(dcN, dcNOff),
        addr(dXProj, dXProjOff), addrOrNone(dHProj, dHProjOff), addrOrNone(dh0, dh0Off), addrOrNone(dc0, dc0Off), scratch);
    },

    // ---- optimizers (src/backend/wasm/optim.ts) ----
    ...createOptimSteps(k, meta, addr),
  };
}
