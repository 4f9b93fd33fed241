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
import { recurrentGates } from '../types.js';
import { SizeClassAllocator } from './allocator.js';
import { COLUMN_TILE, PARALLEL_MIN_FLOPS, ranges, splitGemm, type GemmArgs } from './gemm-split.js';
import {
  buildOf, compiledModule, instantiateKernels, SHARED_MAXIMUM_PAGES, type KernelExports, type WasmVariant,
} from './module.js';
import { createOptimSteps } from './optim.js';
import { callerCanBlock, Job, KernelThreads, numThreads, type JobOp } from './threads.js';

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

/** Marks the recurrent call meeting at `sync` abandoned and wakes the threads waiting there (assembly/sync.ts). */
function abandonCall(i32: Int32Array, sync: number): void {
  Atomics.store(i32, (sync >>> 2) + 3, 1);
  Atomics.notify(i32, (sync >>> 2) + 1);
}

/**
 * A recurrent call runs on several threads only when each step's product (2·B·gates·H·H flops) is at least
 * this: the threads meet at a barrier every step, which must stay small against the step's work.
 */
const RECURRENT_STEP_MIN_FLOPS = 1 << 20;

/** A block of scratch the backend owns: reused across calls, grown on demand, not counted in `bytes`. */
interface Scratch { ptr: number; sizeClass: number; bytes: number }
const noScratch = (): Scratch => ({ ptr: 0, sizeClass: -1, bytes: 0 });

/**
 * The backend over a fresh instance of the `variant` build. With `shared`, its memory is a shared
 * WebAssembly.Memory and large products run on worker threads too (threads.ts, up to numThreads()).
 */
export function createWasmBackend(variant: WasmVariant, options: { shared?: boolean } = {}): Backend {
  const build = buildOf(variant, options.shared === true);
  const sharedMemory = options.shared === true
    ? new WebAssembly.Memory({ initial: 1, maximum: SHARED_MAXIMUM_PAGES, shared: true })
    : undefined;
  const k: KernelExports = instantiateKernels(build, sharedMemory);
  const memory = k.memory;
  const threads = sharedMemory !== undefined ? new KernelThreads(compiledModule(build), sharedMemory) : null;
  let f32 = new Float32Array(memory.buffer);
  let i32 = new Int32Array(memory.buffer);
  const refreshViews = (): void => {
    f32 = new Float32Array(memory.buffer);
    i32 = new Int32Array(memory.buffer);
  };
  const allocator = new SizeClassAllocator(memory, k.heapBase(), refreshViews);
  const meta = allocator.alloc(k.metaBytes(), 'the kernel meta area', false).ptr;
  const metaIndex = meta >>> 2;
  /** gemm scratch per thread: [0] the caller's, [w] worker w's */
  const gemmScratch: Scratch[] = [];
  const recurrentScratch = noScratch();

  /**
   * Grows `scratch` to `need` bytes and returns its address. It is emptied before allocating, so a failed
   * allocation leaves no freed block behind. Callers check `need <= scratch.bytes` first (the hot path).
   */
  const growScratch = (scratch: Scratch, need: number, what: () => string): number => {
    if (scratch.sizeClass >= 0) allocator.free(scratch.ptr, scratch.sizeClass, false);
    Object.assign(scratch, noScratch());
    const block = allocator.alloc(need, what, false);
    Object.assign(scratch, block, { bytes: need });
    return scratch.ptr;
  };

  /** Thread `t`'s scratch for an m×n×k product. */
  const gemmScratchFor = (t: number, m: number, n: number, kk: number): number => {
    const scratch = gemmScratch[t] ??= noScratch();
    const need = k.gemmScratchBytes(m, n, kk);
    return need <= scratch.bytes ? scratch.ptr
      : growScratch(scratch, need, () => `gemm scratch of thread ${t} (m=${m}, n=${n}, k=${kk})`);
  };

  /** Thread t's own scratch for its units of a multi-threaded recurrent call (the same area as its gemm scratch). */
  const recurrentThreadScratchFor = (t: number, mode: RecurrentMode, B: number, H: number, units: number, backward: boolean): number => {
    const scratch = gemmScratch[t] ??= noScratch();
    const need = k.rnnThreadScratchBytes(mode, B, H, units, backward ? 1 : 0);
    return need <= scratch.bytes ? scratch.ptr
      : growScratch(scratch, need, () => `recurrent scratch of thread ${t} (B=${B}, H=${H}, ${units} units)`);
  };

  /** Runs `g` split among the threads that are ready, or returns false to leave it to one thread. */
  const gemmOnThreads = (g: GemmArgs): boolean => {
    if (threads === null) return false;
    const wanted = numThreads();
    if (wanted < 2) return false;
    const parts = splitGemm(g, threads.usable(wanted), k);
    if (parts === null) return false;
    // every scratch first: allocating may grow the memory, which must not happen while workers run
    const scratch = parts.map((p, t) => gemmScratchFor(t, p.m, p.n, p.k));
    for (let t = 1; t < parts.length; t++) {
      const p = parts[t]!;
      threads.post(t, Job.gemm, [p.batch, p.m, p.n, p.k, p.a, p.aBatchStride, p.lda, p.transA,
        p.b, p.bBatchStride, p.ldb, p.transB, p.c, p.cBatchStride, p.ldc, p.accumulate, scratch[t]!]);
    }
    const own = parts[0]!;
    try {
      k.gemm(own.batch, own.m, own.n, own.k, own.a, own.aBatchStride, own.lda, own.transA,
        own.b, own.bBatchStride, own.ldb, own.transB, own.c, own.cBatchStride, own.ldc, own.accumulate, scratch[0]!);
    } finally {
      for (let t = 1; t < parts.length; t++) threads.join(t, 'gemm');
    }
    return true;
  };

  /** The recurrent kernels' scratch (the backend's own, like gemm's): reused, grown on demand, untracked. */
  const recurrentScratchFor = (mode: RecurrentMode, B: number, H: number): number => {
    const need = k.rnnScratchBytes(mode, B, H);
    return need <= recurrentScratch.bytes ? recurrentScratch.ptr
      : growScratch(recurrentScratch, need, () => `recurrent scratch (B=${B}, H=${H})`);
  };

  /**
   * Four i32 words where threads running one recurrent call meet (assembly/sync.ts): the count and the
   * abandoned flag, reset per call; a generation; whether this (the calling) thread may block in atomic.wait.
   */
  const sync = threads !== null ? allocator.alloc(16, 'the kernel threads\' barrier', false).ptr : 0;
  if (threads !== null) i32[(sync >>> 2) + 2] = callerCanBlock ? 1 : 0;

  /**
   * The hidden-unit ranges, one per thread, for a recurrent call, or null to run it on one thread: only where
   * every thread's GEMMs stay on the blocked path, so the result has the same bits as on one thread.
   */
  const recurrentUnits = (mode: RecurrentMode, T: number, B: number, H: number): [number, number][] | null => {
    if (threads === null) return null;
    const wanted = numThreads();
    const G = recurrentGates(mode) * H;
    if (wanted < 2 || 2 * B * G * H < RECURRENT_STEP_MIN_FLOPS || 2 * T * B * G * H < PARALLEL_MIN_FLOPS) return null;
    if (!k.gemmIsBlocked(B, G) || !k.gemmIsBlocked(B, H)) return null;
    const units = ranges(H, threads.usable(wanted), COLUMN_TILE);
    if (units.length < 2 || units.some(([s, e]) => !k.gemmIsBlocked(B, e - s))) return null;
    return units;
  };

  /**
   * Runs a recurrent kernel on every thread: `args(t)` gives worker t's operands; `own` runs thread 0's part.
   * A part that fails marks the call abandoned (the workers do it for theirs), so that no thread waits at the
   * per-step barrier for it; the call then throws once every thread is done.
   */
  const recurrentOnThreads = (op: JobOp, count: number, args: (t: number) => number[], own: () => void): void => {
    i32[sync >>> 2] = 0;
    Atomics.store(i32, (sync >>> 2) + 3, 0);
    for (let t = 1; t < count; t++) threads!.post(t, op, args(t), sync);
    try {
      own();
    } catch (e) {
      abandonCall(i32, sync);
      throw e;
    } finally {
      for (let t = 1; t < count; t++) threads!.join(t, op === Job.rnnForward ? 'rnnForward' : 'rnnBackward');
    }
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
      const { ptr, sizeClass } = allocator.alloc(length * 4, () => `${length} ${dtype} elements`);
      return new WasmBuf(length, dtype, ptr, sizeClass);
    },

    free(buf: Buf): void {
      const b = buf as WasmBuf;
      if (b.ptr < 0) throw new Error(`free: buffer of ${b.length} ${b.dtype} elements was already freed`);
      if (b.sizeClass >= 0) allocator.free(b.ptr, b.sizeClass);
      b.ptr = -1;
    },

    readyThreads: () => (threads === null ? 1 : threads.ready()),
    sharedMemory: threads !== null,

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

    binary(op: BinaryOp, shape, out, outOff, a, aOff, aStrides, b, bOff, bStrides, p0 = 1): void {
      checkRank('binary', shape);
      writeSlot(0, shape);
      writeSlot(2, aStrides);
      writeSlot(3, bStrides);
      k.binary(op, meta, shape.length, addr(out, outOff), addr(a, aOff), addr(b, bOff), p0);
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
      const aAddr = addr(a, aOff);
      const bAddr = addr(b, bOff);
      const cAddr = addr(c, cOff);
      const ta = transA ? 1 : 0;
      const tb = transB ? 1 : 0;
      const acc = accumulate ? 1 : 0;
      if (threads !== null && 2 * batch * m * n * kk >= PARALLEL_MIN_FLOPS && gemmOnThreads({
        batch, m, n, k: kk, a: aAddr, aBatchStride, lda, transA: ta, b: bAddr, bBatchStride, ldb, transB: tb,
        c: cAddr, cBatchStride, ldc, accumulate: acc,
      })) return;
      const scratch = gemmScratchFor(0, m, n, kk);
      k.gemm(batch, m, n, kk, aAddr, aBatchStride, lda, ta, bAddr, bBatchStride, ldb, tb, cAddr, cBatchStride, ldc, acc, scratch);
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
      const rev = reverse ? 1 : 0;
      const xp = addr(xProj, xProjOff), w = addr(wHh, wHhOff), bi = addrOrNone(bIh, bIhOff), bh = addrOrNone(bHh, bHhOff);
      const h = addr(h0, h0Off), c = addrOrNone(c0, c0Off), o = addr(out, outOff);
      const hn = addrOrNone(hN, hNOff), cn = addrOrNone(cN, cNOff), sv = addrOrNone(saved, savedOff);
      const units = recurrentUnits(mode, T, B, H);
      if (units === null) {
        k.rnnForward(mode, T, B, H, rev, xp, w, bi, bh, h, c, o, hn, cn, sv, scratch, 0, 1, 0, 0, H, 0);
        return;
      }
      const own = units.map(([s, e], t) => recurrentThreadScratchFor(t, mode, B, H, e - s, false));
      const args = (t: number): number[] => [mode, T, B, H, rev, xp, w, bi, bh, h, c, o, hn, cn, sv, scratch,
        t, units.length, sync, units[t]![0], units[t]![1], own[t]!];
      recurrentOnThreads(Job.rnnForward, units.length, args, () =>
        k.rnnForward(mode, T, B, H, rev, xp, w, bi, bh, h, c, o, hn, cn, sv, scratch,
          0, units.length, sync, units[0]![0], units[0]![1], own[0]!));
    },

    rnnBackward(mode, T, B, H, reverse, wHh, wHhOff, h0, h0Off, c0, c0Off, out, outOff, saved, savedOff,
      dOut, dOutOff, dhN, dhNOff, dcN, dcNOff, dXProj, dXProjOff, dHProj, dHProjOff, dh0, dh0Off, dc0, dc0Off): void {
      if (B === 0 || H === 0) return;
      const scratch = recurrentScratchFor(mode, B, H);
      const rev = reverse ? 1 : 0;
      const w = addr(wHh, wHhOff), h = addr(h0, h0Off), c = addrOrNone(c0, c0Off), o = addr(out, outOff);
      const sv = addrOrNone(saved, savedOff), dO = addrOrNone(dOut, dOutOff), dhn = addrOrNone(dhN, dhNOff);
      const dcn = addrOrNone(dcN, dcNOff), dx = addr(dXProj, dXProjOff), dhp = addrOrNone(dHProj, dHProjOff);
      const dh = addrOrNone(dh0, dh0Off), dc = addrOrNone(dc0, dc0Off);
      const units = recurrentUnits(mode, T, B, H);
      if (units === null) {
        k.rnnBackward(mode, T, B, H, rev, w, h, c, o, sv, dO, dhn, dcn, dx, dhp, dh, dc, scratch, 0, 1, 0, 0, H, 0);
        return;
      }
      const own = units.map(([s, e], t) => recurrentThreadScratchFor(t, mode, B, H, e - s, true));
      const args = (t: number): number[] => [mode, T, B, H, rev, w, h, c, o, sv, dO, dhn, dcn, dx, dhp, dh, dc, scratch,
        t, units.length, sync, units[t]![0], units[t]![1], own[t]!];
      recurrentOnThreads(Job.rnnBackward, units.length, args, () =>
        k.rnnBackward(mode, T, B, H, rev, w, h, c, o, sv, dO, dhn, dcn, dx, dhp, dh, dc, scratch,
          0, units.length, sync, units[0]![0], units[0]![1], own[0]!));
    },

    // ---- optimizers (src/backend/wasm/optim.ts) ----
    ...createOptimSteps(k, meta, addr),
  };
}
