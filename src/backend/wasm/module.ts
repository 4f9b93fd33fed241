/**
 * The compiled kernel module: its embedded bytes and its exports, typed once.
 *
 * ABI (see assembly/): every pointer is a byte address into the module's memory, every count, stride and
 * offset an i32 in elements (all elements are 4 bytes: float32, or int64 stored as int32). `meta` is a
 * scratch area of metaBytes() bytes holding shape and strides in 64-entry i32 slots (assembly/strided.ts).
 */
import { wasmBase64 as relaxedThreadsBase64 } from './generated/relaxed-threads.js';
import { wasmBase64 as relaxedBase64 } from './generated/relaxed.js';
import { wasmBase64 as simdThreadsBase64 } from './generated/simd-threads.js';
import { wasmBase64 as simdBase64 } from './generated/simd.js';

/** The instruction set of a build: WebAssembly SIMD, or SIMD + relaxed SIMD. */
export type WasmVariant = 'simd' | 'relaxed';
/**
 * A compiled build: a variant with its own memory, or (`-threads`) importing a shared memory as `env.memory`,
 * so that worker threads can run kernels on the same tensors (src/backend/wasm/threads.ts).
 */
export type WasmBuild = WasmVariant | 'simd-threads' | 'relaxed-threads';

const BASE64: Record<WasmBuild, string> = {
  simd: simdBase64,
  relaxed: relaxedBase64,
  'simd-threads': simdThreadsBase64,
  'relaxed-threads': relaxedThreadsBase64,
};

/** The build of `variant`, with a shared memory when `shared`. */
export function buildOf(variant: WasmVariant, shared: boolean): WasmBuild {
  return shared ? `${variant}-threads` : variant;
}

/** Pages of the shared memory's fixed maximum (4 GiB, as the unshared builds may grow to). */
export const SHARED_MAXIMUM_PAGES = 65536;

export interface KernelExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  metaBytes(): number;
  relaxedSimd(): number;
  fillF32(out: number, n: number, value: number): void;
  fillI32(out: number, n: number, value: number): void;
  /** meta: slot 0 shape, slot 1 dst strides, slot 2 src strides */
  copy(meta: number, rank: number, dst: number, src: number): void;
  castF32ToI32(dst: number, src: number, n: number): void;
  castI32ToF32(dst: number, src: number, n: number): void;
  unary(op: number, out: number, x: number, n: number, p0: number, p1: number): void;
  /** meta: slot 0 shape, slot 2 a strides, slot 3 b strides; out contiguous */
  binary(op: number, meta: number, rank: number, out: number, a: number, b: number, p0: number): void;
  /** meta: slot 0 shape, slot 2 cond strides, slot 3 a strides, slot 4 b strides; out contiguous */
  where(meta: number, rank: number, out: number, cond: number, a: number, b: number): void;
  reduce(op: number, out: number, x: number, outer: number, n: number, inner: number): void;
  softmax(out: number, x: number, rows: number, cols: number, log: number): void;
  gather(out: number, x: number, index: number, outer: number, n: number, k: number, inner: number): void;
  scatterAdd(out: number, src: number, index: number, outer: number, n: number, k: number, inner: number): void;
  indexSelect(out: number, x: number, index: number, count: number, rowLen: number): void;
  indexAdd(out: number, src: number, index: number, count: number, rowLen: number): void;
  topk(values: number, indices: number, x: number, rows: number, n: number, k: number, largest: number): void;
  gemm(
    batch: number, m: number, n: number, k: number,
    a: number, aBatchStride: number, lda: number, transA: number,
    b: number, bBatchStride: number, ldb: number, transB: number,
    c: number, cBatchStride: number, ldc: number, accumulate: number,
    scratch: number,
  ): void;
  gemmScratchBytes(m: number, n: number, k: number): number;
  /** Rows per micro-tile (MR) of the blocked product: row splits land on multiples of it. */
  gemmRowTile(): number;
  /** 1 when gemm() takes its blocked path for this m×n (k > 0): only then do row/column splits change no bits. */
  gemmIsBlocked(m: number, n: number): number;
  // ---- recurrent (assembly/rnn.ts); absent buffers are address 0 ----
  rnnScratchBytes(mode: number, B: number, H: number): number;
  rnnThreadScratchBytes(mode: number, B: number, H: number, units: number, backward: number): number;
  rnnForward(
    mode: number, T: number, B: number, H: number, reverse: number,
    xProj: number, wHh: number, bIh: number, bHh: number, h0: number, c0: number,
    out: number, hN: number, cN: number, saved: number, scratch: number,
    thread: number, threads: number, sync: number, unitStart: number, unitEnd: number, ownScratch: number,
  ): void;
  rnnBackward(
    mode: number, T: number, B: number, H: number, reverse: number,
    wHh: number, h0: number, c0: number, out: number, saved: number,
    dOut: number, dhN: number, dcN: number,
    dXProj: number, dHProj: number, dh0: number, dc0: number, scratch: number,
    thread: number, threads: number, sync: number, unitStart: number, unitEnd: number, ownScratch: number,
  ): void;
  // ---- optimizers (assembly/optim.ts): `table` holds `count` targets laid out as that file says ----
  adamStep(
    table: number, count: number, beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number,
    eps: number, weightDecay: number, paramScale: number, flags: number,
  ): void;
  sgdStep(
    table: number, count: number, momentum: number, oneMinusDampening: number, weightDecay: number,
    negLr: number, flags: number,
  ): void;
  rmspropStep(
    table: number, count: number, alpha: number, oneMinusAlpha: number, eps: number, weightDecay: number,
    momentum: number, negLr: number, flags: number,
  ): void;
}

const decoded: Partial<Record<WasmBuild, Uint8Array<ArrayBuffer>>> = {};

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const NodeBuffer = (globalThis as { Buffer?: { from(s: string, enc: string): Uint8Array } }).Buffer;
  if (NodeBuffer !== undefined) {
    const b = NodeBuffer.from(text, 'base64');
    return new Uint8Array(b.buffer as ArrayBuffer, b.byteOffset, b.byteLength);
  }
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The bytes of a build ('simd', 'relaxed', or either with '-threads'). */
export function wasmBytes(build: WasmBuild): Uint8Array<ArrayBuffer> {
  let bytes = decoded[build];
  if (bytes === undefined) {
    const text = BASE64[build];
    if (text === undefined) {
      throw new Error(`wasmBytes: unknown build '${String(build)}', expected one of ${Object.keys(BASE64).join(', ')}`);
    }
    bytes = decodeBase64(text);
    decoded[build] = bytes;
  }
  return bytes;
}

const modules: Partial<Record<WasmBuild, WebAssembly.Module>> = {};

/** Hands in a build compiled asynchronously elsewhere (src/runtime.ts `ready`); later instances use it. */
export function provideCompiledModule(build: WasmBuild, module: WebAssembly.Module): void {
  modules[build] ??= module;
}

/** A build compiled synchronously, once. */
export function compiledModule(build: WasmBuild): WebAssembly.Module {
  let module = modules[build];
  if (module === undefined) {
    try {
      module = new WebAssembly.Module(wasmBytes(build));
    } catch (err) {
      throw new Error(`createWasmBackend: the '${build}' build does not compile on this host ` +
        `(${err instanceof Error ? err.message : String(err)})` +
        (build.startsWith('relaxed') ? '; relaxed SIMD needs Node >= 22, a current browser, or --experimental-wasm-relaxed-simd' : ''));
    }
    modules[build] = module;
  }
  return module;
}

/**
 * A fresh instance of a build: with its own memory, or over `sharedMemory` (a shared WebAssembly.Memory) for
 * a '-threads' build.
 */
export function instantiateKernels(build: WasmBuild, sharedMemory?: WebAssembly.Memory): KernelExports {
  const imports: WebAssembly.Imports = sharedMemory === undefined ? {} : { env: { memory: sharedMemory } };
  // the '-threads' builds export the memory they import, so `memory` is the shared one
  return new WebAssembly.Instance(compiledModule(build), imports).exports as unknown as KernelExports;
}
