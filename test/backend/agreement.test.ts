// Every kernel of the WebAssembly backend against the pure-JS backend (the oracle) on random shapes: sizes 0,
// 1, odd and large, broadcasting and non-contiguous strides, NaN and infinities; float32 tolerances.
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { createJsBackend } from '../../src/backend/js/index';
import {
  Binary, Reduce, Unary, type Backend, type BinaryOp, type Buf, type DType, type UnaryOp,
} from '../../src/backend/types';
import { createWasmBackend, wasmBytes } from '../../src/backend/wasm/index';

setFlagsFromString('--experimental-wasm-relaxed-simd');
const variants = (['simd', 'relaxed'] as const).filter((v) => WebAssembly.validate(wasmBytes(v)));

/** mulberry32: a small seeded generator, so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SIZES = [0, 1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 33, 64, 127, 1000, 1003, 4099];
const SPECIALS = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0];

/** Random float data in [-scale, scale], with a sprinkling of NaN/inf/±0 when `specials`. */
function data(rand: () => number, n: number, scale = 3, specials = false): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = specials && rand() < 0.05 ? SPECIALS[Math.floor(rand() * SPECIALS.length)]! : (rand() * 2 - 1) * scale;
  }
  return out;
}

/** The same contents on both backends. */
function pair(be: Backend, js: Backend, values: ArrayLike<number>, dtype: DType = 'float32'): [Buf, Buf] {
  const a = be.alloc(values.length, dtype);
  const b = js.alloc(values.length, dtype);
  be.write(a, 0, values);
  js.write(b, 0, values);
  return [a, b];
}

/** NaN where NaN, equal infinities, |a − e| <= atol + rtol·|e| elsewhere. */
function expectAgree(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 2e-6, atol = 1e-6): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const ok = Number.isNaN(e) ? Number.isNaN(a)
      : !Number.isFinite(e) ? a === e
      : Math.abs(a - e) <= atol + rtol * Math.abs(e);
    if (!ok) expect.fail(`${what}: element ${i} is ${a}, the js backend gives ${e}`);
  }
}

function both(be: Backend, js: Backend, w: Buf, j: Buf): [ArrayLike<number>, ArrayLike<number>] {
  return [be.read(w, 0, w.length), js.read(j, 0, j.length)];
}

/** A random shape of rank 0..maxRank with dims drawn from `dims`. */
function shapeOf(rand: () => number, maxRank: number, dims = [0, 1, 1, 2, 3, 4, 5, 7, 9]): number[] {
  const rank = Math.floor(rand() * (maxRank + 1));
  return Array.from({ length: rank }, () => dims[Math.floor(rand() * dims.length)]!);
}

function numel(shape: readonly number[]): number {
  return shape.reduce((p, s) => p * s, 1);
}

/**
 * Strides to read a tensor of `shape` out of a buffer: dims broadcast (stride 0) at random, the rest laid out
 * in a random dim order and optionally with a gap (non-contiguous). Returns strides and the elements needed.
 */
function stridesFor(rand: () => number, shape: readonly number[], broadcast: boolean): { strides: number[]; size: number } {
  const order = shape.map((_, d) => d).sort(() => rand() - 0.5);
  const strides = new Array<number>(shape.length).fill(0);
  let s = 1;
  for (let q = order.length - 1; q >= 0; q--) {
    const d = order[q]!;
    if (broadcast && rand() < 0.3) continue;
    strides[d] = s;
    s *= shape[d]! * (rand() < 0.2 ? 2 : 1);
  }
  const size = shape.some((x) => x === 0) ? 1 : 1 + shape.reduce((acc, n, d) => acc + (n - 1) * strides[d]!, 0);
  return { strides, size };
}

function contiguous(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) { st[d] = s; s *= shape[d]!; }
  return st;
}

const UNARY_PARAMS: Record<string, [number, number][]> = {
  affine: [[2, 1], [1, -0.5], [-1, 3], [0.1, 0]],
  powScalar: [[2, 0], [0.5, 0], [3, 0], [-0.5, 0], [-1, 0], [-2, 0], [1.7, 0], [0, 0], [1, 0]],
  rdiv: [[1, 0], [-2.5, 0]],
  clamp: [[-1, 1], [Number.NEGATIVE_INFINITY, 0.5], [0, Number.POSITIVE_INFINITY], [1, -1]],
  inRange: [[-0.5, 0.5]],
};

describe.each(variants)('wasm (%s build) agrees with the js backend', (variant) => {
  const be = createWasmBackend(variant);
  const js = createJsBackend();

  it('fill, cast', () => {
    const rand = rng(1);
    for (const n of SIZES) {
      const [w, j] = pair(be, js, data(rand, n + 2));
      be.fill(w, 1, n, -2.5);
      js.fill(j, 1, n, -2.5);
      expectAgree(`fill ${n}`, ...both(be, js, w, j), 0, 0);
      const ints = Array.from({ length: n }, () => Math.floor((rand() - 0.5) * 2e6));
      const [wi, ji] = pair(be, js, ints, 'int64');
      const [wf, jf] = pair(be, js, data(rand, n, 1e4, true));
      be.cast(wf, 0, wi, 0, n);
      js.cast(jf, 0, ji, 0, n);
      expectAgree(`cast int->float ${n}`, ...both(be, js, wf, jf), 0, 0);
      const [wf2, jf2] = pair(be, js, data(rand, n, 1e4, true));
      be.cast(wi, 0, wf2, 0, n);
      js.cast(ji, 0, jf2, 0, n);
      expectAgree(`cast float->int ${n}`, ...both(be, js, wi, ji), 0, 0);
    }
  });

  it('strided copy over random ranks, permutations, gaps and broadcasts', () => {
    const rand = rng(2);
    for (let t = 0; t < 300; t++) {
      const shape = shapeOf(rand, 5);
      const src = stridesFor(rand, shape, true);
      const dst = rand() < 0.5 ? { strides: contiguous(shape), size: Math.max(1, numel(shape)) } : stridesFor(rand, shape, false);
      const dtype: DType = rand() < 0.3 ? 'int64' : 'float32';
      const [ws, js_] = pair(be, js, data(rand, src.size + 3, 100), dtype);
      const [wd, jd] = pair(be, js, data(rand, dst.size + 3, 100), dtype);
      be.copy(shape, wd, 1, dst.strides, ws, 2, src.strides);
      js.copy(shape, jd, 1, dst.strides, js_, 2, src.strides);
      expectAgree(`copy ${JSON.stringify([shape, dst.strides, src.strides])}`, ...both(be, js, wd, jd), 0, 0);
    }
    // a large transpose
    const [ws, jsb] = pair(be, js, data(rand, 300 * 257));
    const [wd, jd] = pair(be, js, new Float32Array(300 * 257));
    be.copy([257, 300], wd, 0, [300, 1], ws, 0, [1, 257]);
    js.copy([257, 300], jd, 0, [300, 1], jsb, 0, [1, 257]);
    expectAgree('copy transpose 300x257', ...both(be, js, wd, jd), 0, 0);
  });

  it.each(Object.entries(Unary))('unary %s', (name, op) => {
    const rand = rng(3 + op);
    const params = UNARY_PARAMS[name] ?? (name.endsWith('Scalar') ? [[0.5, 0], [0, 0], [-1, 0]] : [[0, 0]]);
    for (const [p0, p1] of params) {
      for (const n of SIZES) {
        const scale = name === 'exp' || name === 'sigmoid' || name === 'tanh' ? 30 : 3;
        const x = data(rand, n, scale, true);
        if (name.endsWith('Scalar')) for (let i = 0; i < n; i += 3) x[i] = p0; // make equality happen
        const [wx, jx] = pair(be, js, x);
        const [wo, jo] = pair(be, js, new Float32Array(n));
        be.unary(op as UnaryOp, wo, 0, wx, 0, n, p0, p1);
        js.unary(op as UnaryOp, jo, 0, jx, 0, n, p0, p1);
        const rtol = name === 'powScalar' ? 4e-6 : 2e-6;
        expectAgree(`unary ${name}(${p0}, ${p1}) n=${n}`, ...both(be, js, wo, jo), rtol, 1e-37);
        // in place, at an odd offset
        if (n > 1) {
          be.unary(op as UnaryOp, wx, 1, wx, 1, n - 1, p0, p1);
          js.unary(op as UnaryOp, jx, 1, jx, 1, n - 1, p0, p1);
          expectAgree(`unary ${name} in place n=${n}`, ...both(be, js, wx, jx), rtol, 1e-37);
        }
      }
    }
  });

  it.each(Object.entries(Binary))('binary %s with broadcasting and strides', (name, op) => {
    const rand = rng(100 + op);
    const p0 = name === 'addScaled' ? -0.37 : undefined; // the scalar of add_/sub_ with alpha
    for (let t = 0; t < 120; t++) {
      const shape = t < 4 ? [[1003], [0], [], [31, 65]][t]! : shapeOf(rand, 4);
      const sa = t < 4 ? { strides: contiguous(shape), size: Math.max(1, numel(shape)) } : stridesFor(rand, shape, true);
      const sb = stridesFor(rand, shape, t >= 4);
      const n = numel(shape);
      const scale = name === 'pow' ? 2 : 3;
      const a = data(rand, sa.size, scale, true);
      const b = data(rand, sb.size, scale, true);
      if (name === 'pow') for (let i = 0; i < b.length; i += 2) b[i] = Math.round(b[i]!);
      if (['eq', 'ne', 'ge', 'le'].includes(name)) for (let i = 0; i < Math.min(a.length, b.length); i += 2) b[i] = a[i]!;
      const [wa, ja] = pair(be, js, a);
      const [wb, jb] = pair(be, js, b);
      const [wo, jo] = pair(be, js, new Float32Array(n));
      be.binary(op as BinaryOp, shape, wo, 0, wa, 0, sa.strides, wb, 0, sb.strides, p0);
      js.binary(op as BinaryOp, shape, jo, 0, ja, 0, sa.strides, jb, 0, sb.strides, p0);
      // the backward formulas cancel (1 − y²): float32 rounding of y² (as PyTorch) against the oracle's float64
      const atol = name.endsWith('Backward') ? 1e-6 : 1e-37;
      expectAgree(`binary ${name} ${JSON.stringify([shape, sa.strides, sb.strides])}`, ...both(be, js, wo, jo), 4e-6, atol);
    }
    // in place into a (contiguous), b broadcast along rows
    const [wa, ja] = pair(be, js, data(rand, 7 * 131));
    const [wb, jb] = pair(be, js, data(rand, 131));
    be.binary(op as BinaryOp, [7, 131], wa, 0, wa, 0, [131, 1], wb, 0, [0, 1], p0);
    js.binary(op as BinaryOp, [7, 131], ja, 0, ja, 0, [131, 1], jb, 0, [0, 1], p0);
    expectAgree(`binary ${name} in place`, ...both(be, js, wa, ja), 4e-6, name.endsWith('Backward') ? 1e-6 : 1e-37);
  });

  it('where with broadcasting and strides', () => {
    const rand = rng(200);
    for (let t = 0; t < 150; t++) {
      const shape = t === 0 ? [1001] : shapeOf(rand, 4);
      const sc = stridesFor(rand, shape, t > 0);
      const sa = stridesFor(rand, shape, t > 0);
      const sb = stridesFor(rand, shape, t > 0);
      const cond = data(rand, sc.size, 1, true).map((v) => (Number.isNaN(v) || rand() < 0.5 ? v : 0));
      const [wc, jc] = pair(be, js, cond);
      const [wa, ja] = pair(be, js, data(rand, sa.size, 3, true));
      const [wb, jb] = pair(be, js, data(rand, sb.size, 3, true));
      const [wo, jo] = pair(be, js, new Float32Array(numel(shape)));
      be.where(shape, wo, 0, wc, 0, sc.strides, wa, 0, sa.strides, wb, 0, sb.strides);
      js.where(shape, jo, 0, jc, 0, sc.strides, ja, 0, sa.strides, jb, 0, sb.strides);
      expectAgree(`where ${JSON.stringify(shape)}`, ...both(be, js, wo, jo), 0, 0);
    }
  });

  it.each(Object.entries(Reduce))('reduce %s over [outer, n, inner]', (name, op) => {
    const rand = rng(300 + op);
    const dims = [1, 2, 3, 4, 5, 8, 13];
    const cases: [number, number, number][] = [[1, 1000, 1], [3, 1003, 1], [2, 1001, 5], [1, 4099, 8], [7, 1, 9]];
    for (let t = 0; t < 60; t++) cases.push([dims[t % 7]!, dims[(t * 3) % 7]! * (t % 2 ? 1 : 9), dims[(t * 5) % 7]!]);
    const isArg = op >= Reduce.argmax;
    for (const [outer, n, inner] of cases) {
      for (const specials of [false, true]) {
        const x = data(rand, outer * n * inner, 3, specials);
        if (isArg) for (let i = 0; i < x.length; i += 5) x[i] = Math.round(x[i]!); // ties
        const [wx, jx] = pair(be, js, x);
        const dtype: DType = isArg ? 'int64' : 'float32';
        const [wo, jo] = pair(be, js, new Float32Array(outer * inner), dtype);
        be.reduce(op, wo, 0, wx, 0, outer, n, inner);
        js.reduce(op, jo, 0, jx, 0, outer, n, inner);
        // sums: float32 rounding of n terms of magnitude <= 3
        const atol = op === Reduce.sum ? 3e-6 * n : 0;
        expectAgree(`reduce ${name} [${outer}, ${n}, ${inner}]`, ...both(be, js, wo, jo), isArg ? 0 : 2e-6, atol);
      }
    }
  });

  it('softmax and log-softmax rows', () => {
    const rand = rng(400);
    for (const cols of [1, 2, 3, 4, 7, 8, 31, 1000, 1003]) {
      for (const rows of [1, 3]) {
        for (const specials of [false, true]) {
          const x = data(rand, rows * cols, 20, false);
          if (specials) for (let i = 0; i < x.length; i += 4) x[i] = rand() < 0.8 ? Number.NEGATIVE_INFINITY : Number.NaN;
          for (const log of [false, true]) {
            const [wx, jx] = pair(be, js, x);
            const [wo, jo] = pair(be, js, new Float32Array(rows * cols));
            be.softmax(wo, 0, wx, 0, rows, cols, log);
            js.softmax(jo, 0, jx, 0, rows, cols, log);
            expectAgree(`softmax log=${log} [${rows}, ${cols}]`, ...both(be, js, wo, jo), 4e-6, 1e-7);
          }
        }
      }
    }
  });

  it('gemm over random sizes, transposes, batch strides and accumulation', () => {
    const rand = rng(500);
    const dims = [0, 1, 2, 3, 5, 8, 13, 17, 33, 64, 67];
    const pick = (): number => dims[Math.floor(rand() * dims.length)]!;
    const cases: number[][] = [[1, 129, 257, 65], [2, 100, 3, 300]];
    for (let t = 0; t < 60; t++) cases.push([1 + Math.floor(rand() * 3), pick(), pick(), pick()]);
    for (const [batch, m, n, k] of cases) {
      const transA = rand() < 0.5;
      const transB = rand() < 0.5;
      const accumulate = rand() < 0.3;
      const lda = (transA ? m : k) + (rand() < 0.3 ? 3 : 0);
      const ldb = (transB ? k : n) + (rand() < 0.3 ? 2 : 0);
      const ldc = n + (rand() < 0.3 ? 1 : 0);
      const aRows = transA ? k : m;
      const bRows = transB ? n : k;
      const aBatch = rand() < 0.3 ? 0 : aRows * lda;
      const bBatch = rand() < 0.3 ? 0 : bRows * ldb;
      const cBatch = m * ldc;
      const [wa, ja] = pair(be, js, data(rand, batch * aRows * lda + 1));
      const [wb, jb] = pair(be, js, data(rand, batch * bRows * ldb + 1));
      const [wc, jc] = pair(be, js, data(rand, batch * cBatch + 1));
      be.gemm(batch, m, n, k, wa, 1, aBatch, lda, transA, wb, 1, bBatch, ldb, transB, wc, 1, cBatch, ldc, accumulate);
      js.gemm(batch, m, n, k, ja, 1, aBatch, lda, transA, jb, 1, bBatch, ldb, transB, jc, 1, cBatch, ldc, accumulate);
      expectAgree(`gemm ${JSON.stringify({ batch, m, n, k, transA, transB, accumulate })}`,
        ...both(be, js, wc, jc), 1e-5, 1e-5 * Math.sqrt(k + 1) * 9);
    }
  });

  it('gather, scatterAdd, indexSelect, indexAdd', () => {
    const rand = rng(600);
    const cases: [number, number, number, number][] = [[1, 1000, 700, 1], [2, 5, 3, 1003], [1, 1, 1, 1], [3, 0, 0, 2]];
    for (let t = 0; t < 40; t++) cases.push([1 + (t % 4), 1 + (t % 7), t % 6, 1 + (t % 5) * (t % 3)]);
    for (const [outer, n, k, inner] of cases) {
      const index = Array.from({ length: outer * k * inner }, () => Math.floor(rand() * n));
      const [wi, ji] = pair(be, js, index, 'int64');
      const [wx, jx] = pair(be, js, data(rand, outer * n * inner, 3, true));
      const [wo, jo] = pair(be, js, new Float32Array(outer * k * inner));
      be.gather(wo, 0, wx, 0, wi, 0, outer, n, k, inner);
      js.gather(jo, 0, jx, 0, ji, 0, outer, n, k, inner);
      expectAgree(`gather ${[outer, n, k, inner]}`, ...both(be, js, wo, jo), 0, 0);
      be.scatterAdd(wx, 0, wo, 0, wi, 0, outer, n, k, inner);
      js.scatterAdd(jx, 0, jo, 0, ji, 0, outer, n, k, inner);
      expectAgree(`scatterAdd ${[outer, n, k, inner]}`, ...both(be, js, wx, jx), 1e-6, 1e-6);
    }
    for (const [rowsX, count, rowLen] of [[10, 1000, 7], [1000, 3, 1001], [1, 5, 1], [4, 0, 3], [5, 6, 0], [300, 301, 64]] as const) {
      const index = Array.from({ length: count }, () => Math.floor(rand() * rowsX));
      const [wi, ji] = pair(be, js, index, 'int64');
      for (const dtype of ['float32', 'int64'] as const) {
        const [wx, jx] = pair(be, js, data(rand, rowsX * rowLen, 100).map(Math.round), dtype);
        const [wo, jo] = pair(be, js, new Float32Array(count * rowLen), dtype);
        be.indexSelect(wo, 0, wx, 0, wi, 0, count, rowLen);
        js.indexSelect(jo, 0, jx, 0, ji, 0, count, rowLen);
        expectAgree(`indexSelect ${dtype} ${[rowsX, count, rowLen]}`, ...both(be, js, wo, jo), 0, 0);
      }
      const [wx, jx] = pair(be, js, data(rand, rowsX * rowLen, 3, true));
      const [ws, jsrc] = pair(be, js, data(rand, count * rowLen));
      be.indexAdd(wx, 0, ws, 0, wi, 0, count, rowLen);
      js.indexAdd(jx, 0, jsrc, 0, ji, 0, count, rowLen);
      expectAgree(`indexAdd ${[rowsX, count, rowLen]}`, ...both(be, js, wx, jx), 1e-6, 1e-6);
    }
  });

  it('topk, largest and smallest, with ties and NaN', () => {
    const rand = rng(700);
    const cases: [number, number, number][] = [[1, 1000, 10], [2, 1003, 1003], [3, 5, 0], [4, 1, 1], [2, 4099, 37]];
    for (let t = 0; t < 40; t++) cases.push([1 + (t % 3), 1 + t * 3, 1 + Math.floor(rand() * (1 + t * 3))]);
    for (const [rows, n, k] of cases) {
      const x = data(rand, rows * n, 3, true).map((v) => (rand() < 0.3 ? Math.round(v) : v));
      for (const largest of [true, false]) {
        const [wx, jx] = pair(be, js, x);
        const [wv, jv] = pair(be, js, new Float32Array(rows * k));
        const [wi, ji] = pair(be, js, new Int32Array(rows * k), 'int64');
        be.topk(wv, 0, wi, 0, wx, 0, rows, n, k, largest);
        js.topk(jv, 0, ji, 0, jx, 0, rows, n, k, largest);
        expectAgree(`topk values ${[rows, n, k, largest]}`, ...both(be, js, wv, jv), 0, 0);
        expectAgree(`topk indices ${[rows, n, k, largest]}`, ...both(be, js, wi, ji), 0, 0);
      }
    }
  });
});
