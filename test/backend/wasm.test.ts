// The WebAssembly backend's kernels against small hand-checked expectations, once per build this engine runs
// (the relaxed-SIMD build needs a V8 flag on Node 20, set here before anything compiles).
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { Binary, Reduce, Unary, type Backend, type Buf, type DType } from '../../src/backend/types';
import {
  createWasmBackend, SizeClassAllocator, sizeClassOf, sizeOfClass, wasmBytes,
} from '../../src/backend/wasm/index';

setFlagsFromString('--experimental-wasm-relaxed-simd');
const variants = (['simd', 'relaxed'] as const).filter((v) => WebAssembly.validate(wasmBytes(v)));

const NaN32 = Number.NaN;
const inf = Number.POSITIVE_INFINITY;

function buf(be: Backend, data: readonly number[], dtype: DType = 'float32'): Buf {
  const b = be.alloc(data.length, dtype);
  be.write(b, 0, data);
  return b;
}

function arr(be: Backend, b: Buf, off = 0, n = b.length - off): number[] {
  return Array.from(be.read(b, off, n));
}

/** Elementwise closeness with NaN == NaN and equal infinities. */
function expectClose(actual: readonly number[], expected: readonly number[], rtol = 1e-6, atol = 1e-7): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i]!;
    if (Number.isNaN(e)) expect(a, `index ${i}`).toBeNaN();
    else if (!Number.isFinite(e)) expect(a, `index ${i}`).toBe(e);
    else expect(Math.abs(a - e), `index ${i}: ${a} vs ${e}`).toBeLessThanOrEqual(atol + rtol * Math.abs(e));
  });
}

const f = Math.fround;

describe('size classes', () => {
  it('round up by at most 12.5% beyond 256 bytes and are monotone', () => {
    let prev = 0;
    for (let bytes = 1; bytes < 1 << 20; bytes += 1 + (bytes >> 4)) {
      const c = sizeClassOf(bytes);
      const size = sizeOfClass(c);
      expect(size).toBeGreaterThanOrEqual(bytes);
      expect(size % 16).toBe(0);
      if (bytes > 256) expect(size).toBeLessThanOrEqual(bytes * 1.125 + 16);
      expect(c).toBeGreaterThanOrEqual(prev);
      prev = c;
    }
  });
});

describe('SizeClassAllocator', () => {
  it('throws naming the bytes when the host refuses to grow, then keeps serving', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 3 });
    let grows = 0;
    const a = new SizeClassAllocator(memory, 100, () => grows++);
    const first = a.alloc(100_000, 'first');
    expect(first.ptr % 16).toBe(0);
    expect(first.ptr).toBeGreaterThanOrEqual(100);
    expect(grows).toBe(1);
    expect(() => a.alloc(150_000, 'second')).toThrow(/cannot allocate 150000 bytes for second: the host refused/);
    const small = a.alloc(64, 'small');
    expect(small.ptr).toBeGreaterThanOrEqual(first.ptr + 100_000);
    a.free(first.ptr, first.sizeClass);
    expect(a.alloc(99_000, 'again').ptr).toBe(first.ptr); // same class: the freed block comes back
    expect(a.bytes).toBe(sizeOfClass(first.sizeClass) + 64);
  });
});

describe.each(variants)('wasm backend (%s build)', (variant) => {
  const be = createWasmBackend(variant);

  it('names itself after the build', () => {
    expect(be.name).toBe(variant === 'simd' ? 'wasm-simd' : 'wasm-relaxed-simd');
  });

  describe('memory', () => {
    it('transfers float32 and int64 values with offsets', () => {
      const a = be.alloc(5, 'float32');
      be.write(a, 1, [1.5, -2, 3]);
      be.writeScalar(a, 4, 0.1);
      expect(arr(be, a, 1, 3)).toEqual([1.5, -2, 3]);
      expect(be.readScalar(a, 4)).toBe(f(0.1));
      const b = be.alloc(3, 'int64');
      be.write(b, 0, [7, -3.9, 2.5]);
      expect(be.read(b, 0, 3)).toBeInstanceOf(Int32Array);
      expect(arr(be, b)).toEqual([7, -3, 2]);
      be.free(a);
      be.free(b);
    });

    it('reuses freed blocks: reservedBytes stays flat over many mixed allocations', () => {
      const sizes = [1, 3, 17, 100, 1000, 4097, 65536, 250_000];
      const round = (): void => {
        const live = sizes.map((n, i) => be.alloc(n, i % 2 ? 'int64' : 'float32'));
        for (const b of live.reverse()) be.free(b);
      };
      round();
      const reserved = be.memoryStats().reservedBytes;
      const bytesBefore = be.memoryStats().bytes;
      for (let i = 0; i < 200; i++) round();
      expect(be.memoryStats().reservedBytes).toBe(reserved);
      expect(be.memoryStats().bytes).toBe(bytesBefore);
      expect(be.memoryStats().peakBytes).toBeGreaterThanOrEqual(sizes.reduce((s, n) => s + 4 * n, 0));
    });

    it('keeps data and working views across memory growth', () => {
      const keep = buf(be, [1, 2, 3, 4, 5]);
      const before = be.memoryStats().reservedBytes;
      const big = be.alloc(8 << 20, 'float32'); // 32 MiB forces a grow
      expect(be.memoryStats().reservedBytes).toBeGreaterThan(before);
      expect(arr(be, keep)).toEqual([1, 2, 3, 4, 5]);
      be.fill(big, (8 << 20) - 2, 2, 9);
      expect(arr(be, big, (8 << 20) - 2, 2)).toEqual([9, 9]);
      be.writeScalar(keep, 0, 42);
      expect(be.readScalar(keep, 0)).toBe(42);
      be.free(big);
      be.free(keep);
    });

    it('throws an Error naming the bytes for an impossible request and stays usable', () => {
      expect(() => be.alloc(2 ** 31, 'float32')).toThrow(/8589934592 bytes/);
      expect(() => be.alloc(1.5, 'float32')).toThrow(/non-negative integer/);
      const ok = buf(be, [1, 2]);
      expect(arr(be, ok)).toEqual([1, 2]);
      be.free(ok);
    });

    it('counts live buffers in bytes, but not its own scratch (meta area, gemm panels)', () => {
      const fresh = createWasmBackend(variant);
      expect(fresh.memoryStats().bytes).toBe(0);
      const a = fresh.alloc(100 * 100, 'float32');
      const c = fresh.alloc(100 * 100, 'float32');
      const block = sizeOfClass(sizeClassOf(40000)); // size-class rounded
      expect(fresh.memoryStats().bytes).toBe(2 * block);
      fresh.gemm(1, 100, 100, 100, a, 0, 0, 100, false, a, 0, 0, 100, true, c, 0, 0, 100, false);
      expect(fresh.memoryStats().bytes).toBe(2 * block);
      fresh.free(a);
      fresh.free(c);
      expect(fresh.memoryStats()).toMatchObject({ bytes: 0, peakBytes: 2 * block });
    });

    it('handles zero-length buffers and rejects a double free', () => {
      const z = be.alloc(0, 'float32');
      expect(be.read(z, 0, 0).length).toBe(0);
      be.free(z);
      const b = be.alloc(4, 'float32');
      be.free(b);
      expect(() => be.free(b)).toThrow(/already freed/);
    });
  });

  describe('layout', () => {
    it('fills with float and int values, odd lengths and offsets', () => {
      const a = buf(be, [0, 0, 0, 0, 0, 0, 0]);
      be.fill(a, 1, 5, -1.25);
      expect(arr(be, a)).toEqual([0, -1.25, -1.25, -1.25, -1.25, -1.25, 0]);
      const b = buf(be, [0, 0, 0], 'int64');
      be.fill(b, 0, 3, 7);
      expect(arr(be, b)).toEqual([7, 7, 7]);
    });

    it('copies contiguous, transposed, broadcast, rank-0 and empty shapes', () => {
      const src = buf(be, [1, 2, 3, 4, 5, 6]); // [2, 3]
      const dst = be.alloc(6, 'float32');
      be.copy([2, 3], dst, 0, [3, 1], src, 0, [3, 1]);
      expect(arr(be, dst)).toEqual([1, 2, 3, 4, 5, 6]);
      be.copy([3, 2], dst, 0, [2, 1], src, 0, [1, 3]); // transpose
      expect(arr(be, dst)).toEqual([1, 4, 2, 5, 3, 6]);
      be.copy([2, 3], dst, 0, [3, 1], src, 1, [0, 2]); // expand a strided row
      expect(arr(be, dst)).toEqual([2, 4, 6, 2, 4, 6]);
      be.copy([], dst, 5, [], src, 0, []);
      expect(be.readScalar(dst, 5)).toBe(1);
      be.copy([0, 3], dst, 0, [3, 1], src, 0, [3, 1]);
      expect(arr(be, dst)).toEqual([2, 4, 6, 2, 4, 1]);
      const isrc = buf(be, [5, 6, 7, 8], 'int64');
      const idst = be.alloc(4, 'int64');
      be.copy([2, 2], idst, 0, [1, 2], isrc, 0, [2, 1]);
      expect(arr(be, idst)).toEqual([5, 7, 6, 8]);
    });

    it('casts float32 <-> int64, truncating toward zero', () => {
      const x = buf(be, [1.9, -1.9, 0, 2.5, -0.5, 1e10, NaN32]);
      const i = be.alloc(7, 'int64');
      be.cast(i, 0, x, 0, 7);
      expect(arr(be, i)).toEqual([1, -1, 0, 2, 0, 2147483647, 0]);
      const back = be.alloc(7, 'float32');
      be.cast(back, 0, i, 0, 7);
      expect(arr(be, back)).toEqual([1, -1, 0, 2, 0, 2147483648, 0]);
    });
  });

  describe('unary', () => {
    const xs = [-2, -0.5, 0, 0.5, 3, NaN32, inf, -inf, 1e-3];
    const run = (op: number, p0 = 0, p1 = 0, data = xs): number[] => {
      const x = buf(be, data);
      const out = be.alloc(data.length, 'float32');
      be.unary(op as never, out, 0, x, 0, data.length, p0, p1);
      return arr(be, out);
    };
    const map = (fn: (v: number) => number, data = xs): number[] => data.map((v) => f(fn(f(v))));

    it.each([
      ['neg', Unary.neg, (v: number) => -v],
      ['exp', Unary.exp, Math.exp],
      ['log', Unary.log, Math.log],
      ['sqrt', Unary.sqrt, Math.sqrt],
      ['abs', Unary.abs, Math.abs],
      ['tanh', Unary.tanh, Math.tanh],
      ['sigmoid', Unary.sigmoid, (v: number) => 1 / (1 + Math.exp(-v))],
      ['relu', Unary.relu, (v: number) => (Number.isNaN(v) ? v : Math.max(v, 0))],
      ['sign', Unary.sign, (v: number) => (v > 0 ? 1 : v < 0 ? -1 : 0)],
      ['square', Unary.square, (v: number) => v * v],
    ])('%s', (_name, op, fn) => {
      expectClose(run(op), map(fn));
    });

    it('parametrised ops', () => {
      expectClose(run(Unary.affine, 2, 1), map((v) => 2 * v + 1));
      expectClose(run(Unary.rdiv, 3), map((v) => 3 / v));
      expectClose(run(Unary.clamp, -1, 1), map((v) => (Number.isNaN(v) ? v : Math.min(Math.max(v, -1), 1))));
      expectClose(run(Unary.clamp, -inf, 0.25), map((v) => (Number.isNaN(v) ? v : Math.min(v, 0.25))));
      expect(run(Unary.eqScalar, 0.5)).toEqual([0, 0, 0, 1, 0, 0, 0, 0, 0]);
      expect(run(Unary.neScalar, 0.5)).toEqual([1, 1, 1, 0, 1, 1, 1, 1, 1]);
      expect(run(Unary.gtScalar, 0)).toEqual([0, 0, 0, 1, 1, 0, 1, 0, 1]);
      expect(run(Unary.ltScalar, 0)).toEqual([1, 1, 0, 0, 0, 0, 0, 1, 0]);
      expect(run(Unary.geScalar, 0)).toEqual([0, 0, 1, 1, 1, 0, 1, 0, 1]);
      expect(run(Unary.leScalar, 0)).toEqual([1, 1, 1, 0, 0, 0, 0, 1, 0]);
      expect(run(Unary.inRange, -0.5, 0.5)).toEqual([0, 1, 1, 1, 0, 0, 0, 0, 1]);
      for (const p of [2, 1, 0.5, -1, 3, 0, 1.5, -2.5]) {
        expectClose(run(Unary.powScalar, p), map((v) => (p === 0.5 ? Math.sqrt(v) : v ** p)), 2e-6);
      }
    });

    it('runs in place and on long inputs with tails (exp/tanh/sigmoid to ~1 ulp)', () => {
      const n = 1003;
      const data = Array.from({ length: n }, (_, i) => (i - 500) / 25);
      const x = buf(be, data);
      be.unary(Unary.tanh, x, 0, x, 0, n, 0, 0);
      expectClose(arr(be, x), map(Math.tanh, data), 3e-7, 1e-30);
      const y = buf(be, data);
      be.unary(Unary.exp, y, 0, y, 0, n, 0, 0);
      expectClose(arr(be, y), map(Math.exp, data), 3e-7, 1e-30);
      const s = buf(be, data);
      be.unary(Unary.sigmoid, s, 0, s, 0, n, 0, 0);
      expectClose(arr(be, s), map((v) => 1 / (1 + Math.exp(-v)), data), 3e-7, 1e-30);
    });

    it('exp saturates like float32: denormals, overflow to inf, underflow to 0', () => {
      expectClose(run(Unary.exp, 0, 0, [-100, 88.7, 88.73, 89, -104]), [3.7835e-44, f(Math.exp(88.7)), inf, inf, 0],
        1e-4, 1e-45);
    });
  });

  describe('binary', () => {
    const run = (op: number, shape: number[], a: number[], as: number[], b: number[], bs: number[]): number[] => {
      const ab = buf(be, a);
      const bb = buf(be, b);
      const n = shape.reduce((p, s) => p * s, 1);
      const out = be.alloc(n, 'float32');
      be.binary(op as never, shape, out, 0, ab, 0, as, bb, 0, bs);
      return arr(be, out);
    };
    const a = [1, -2, 3, NaN32, 0, 5];
    const b = [2, 2, -1, 1, 0, NaN32];

    it('computes every op elementwise with PyTorch NaN semantics', () => {
      const same = (op: number): number[] => run(op, [6], a, [1], b, [1]);
      expectClose(same(Binary.add), [3, 0, 2, NaN32, 0, NaN32]);
      expectClose(same(Binary.sub), [-1, -4, 4, NaN32, 0, NaN32]);
      expectClose(same(Binary.mul), [2, -4, -3, NaN32, 0, NaN32]);
      expectClose(same(Binary.div), [0.5, -1, -3, NaN32, NaN32, NaN32]);
      expectClose(same(Binary.pow), [1, 4, 1 / 3, NaN32, 1, NaN32]);
      expectClose(same(Binary.maximum), [2, 2, 3, NaN32, 0, NaN32]);
      expectClose(same(Binary.minimum), [1, -2, -1, NaN32, 0, NaN32]);
      expect(same(Binary.eq)).toEqual([0, 0, 0, 0, 1, 0]);
      expect(same(Binary.ne)).toEqual([1, 1, 1, 1, 0, 1]);
      expect(same(Binary.gt)).toEqual([0, 0, 1, 0, 0, 0]);
      expect(same(Binary.lt)).toEqual([1, 1, 0, 0, 0, 0]);
      expect(same(Binary.ge)).toEqual([0, 0, 1, 0, 1, 0]);
      expect(same(Binary.le)).toEqual([1, 1, 0, 0, 1, 0]);
      expectClose(same(Binary.tanhBackward), [0, -6, 8, NaN32, 0, NaN32]);
      expectClose(same(Binary.sigmoidBackward), [0, -12, 6, NaN32, 0, NaN32]);
      expectClose(run(Binary.reluBackward, [5], [1, -1, 0, 2, NaN32], [1], [5, NaN32, 7, NaN32, 3], [1]), [5, 0, 0, NaN32, 3]);
    });

    it('broadcasts scalars, rows and columns, and reads strided inputs', () => {
      expect(run(Binary.add, [2, 3], [1, 2, 3, 4, 5, 6], [3, 1], [10], [0, 0])).toEqual([11, 12, 13, 14, 15, 16]);
      expect(run(Binary.sub, [2, 3], [10], [0, 0], [1, 2, 3, 4, 5, 6], [3, 1])).toEqual([9, 8, 7, 6, 5, 4]);
      expect(run(Binary.mul, [2, 3], [1, 2, 3, 4, 5, 6], [3, 1], [1, 10, 100], [0, 1])).toEqual([1, 20, 300, 4, 50, 600]);
      expect(run(Binary.add, [2, 3], [1, 2, 3, 4, 5, 6], [3, 1], [10, 20], [1, 0])).toEqual([11, 12, 13, 24, 25, 26]);
      // a transposed: a is stored [3, 2]
      expect(run(Binary.add, [2, 3], [1, 2, 3, 4, 5, 6], [1, 2], [0], [0, 0])).toEqual([1, 3, 5, 2, 4, 6]);
      // outer product of a column and a row
      expect(run(Binary.mul, [3, 2], [1, 2, 3], [1, 0], [10, 100], [0, 1])).toEqual([10, 100, 20, 200, 30, 300]);
      expect(run(Binary.add, [], [1], [], [2], [])).toEqual([3]);
      expect(run(Binary.add, [0, 5], [1], [0, 0], [2], [0, 0])).toEqual([]);
    });

    it('runs long rows with tails and in place', () => {
      const n = 1001;
      const x = buf(be, Array.from({ length: n }, (_, i) => i));
      const y = buf(be, Array.from({ length: n }, (_, i) => 2 * i));
      be.binary(Binary.add, [n], x, 0, x, 0, [1], y, 0, [1]);
      expect(arr(be, x)).toEqual(Array.from({ length: n }, (_, i) => 3 * i));
      be.binary(Binary.mul, [7, 143], y, 0, x, 0, [143, 1], y, 0, [143, 1]);
      expect(arr(be, y)).toEqual(Array.from({ length: n }, (_, i) => 6 * i * i));
    });
  });

  it('where selects through strides; NaN conditions count as true', () => {
    const cond = buf(be, [1, 0, NaN32, -0]);
    const a = buf(be, [1, 2, 3, 4]);
    const b = buf(be, [9]);
    const out = be.alloc(4, 'float32');
    be.where([4], out, 0, cond, 0, [1], a, 0, [1], b, 0, [0]);
    expect(arr(be, out)).toEqual([1, 9, 3, 9]);
    const big = be.alloc(8, 'float32');
    be.where([2, 4], big, 0, cond, 0, [1, 0], a, 0, [0, 1], b, 0, [0, 0]);
    expect(arr(be, big)).toEqual([1, 2, 3, 4, 9, 9, 9, 9]);
  });

  describe('reduce and softmax', () => {
    const x = [3, 1, 4, 1, 5, 9, 2, 6]; // [2, 2, 2] or [2, 4]
    const red = (op: number, outer: number, n: number, inner: number, data = x): number[] => {
      const xb = buf(be, data);
      const out = be.alloc(outer * inner, op >= Reduce.argmax ? 'int64' : 'float32');
      be.reduce(op as never, out, 0, xb, 0, outer, n, inner);
      return arr(be, out);
    };

    it('reduces rows (inner = 1) and columns (inner > 1)', () => {
      expect(red(Reduce.sum, 2, 4, 1)).toEqual([9, 22]);
      expect(red(Reduce.max, 2, 4, 1)).toEqual([4, 9]);
      expect(red(Reduce.min, 2, 4, 1)).toEqual([1, 2]);
      expect(red(Reduce.argmax, 2, 4, 1)).toEqual([2, 1]);
      expect(red(Reduce.argmin, 2, 4, 1)).toEqual([1, 2]);
      expect(red(Reduce.sum, 1, 2, 4)).toEqual([8, 10, 6, 7]);
      expect(red(Reduce.max, 1, 2, 4)).toEqual([5, 9, 4, 6]);
      expect(red(Reduce.argmin, 1, 2, 4)).toEqual([0, 0, 1, 0]);
      expect(red(Reduce.argmax, 2, 2, 2)).toEqual([1, 0, 0, 0]);
      expect(red(Reduce.sum, 1, 8, 1)).toEqual([31]);
    });

    it('propagates NaN; arg ops pick the first NaN or the first extreme', () => {
      const d = [1, NaN32, 3, NaN32, 3, 0, 0, 0, 0, 0];
      expect(red(Reduce.max, 1, 5, 1, d.slice(0, 5))[0]).toBeNaN();
      expect(red(Reduce.argmax, 1, 5, 1, d.slice(0, 5))).toEqual([1]);
      expect(red(Reduce.argmin, 1, 5, 1, d.slice(0, 5))).toEqual([1]);
      expect(red(Reduce.argmax, 1, 3, 1, [3, 5, 5])).toEqual([1]);
      // columns: [5, 2] with a NaN in column 0 at row 1 and ties in column 1
      const c = [1, 7, NaN32, 7, 3, 2, NaN32, 8, 0, 8];
      expect(red(Reduce.argmax, 1, 5, 2, c)).toEqual([1, 3]);
      const m = red(Reduce.min, 1, 5, 2, c);
      expect(m[0]).toBeNaN();
      expect(m[1]).toBe(2);
      // 4-lane column path
      const c4 = [1, 2, 3, 4, 5, NaN32, 0, 4, NaN32, 9, 0, 4];
      expect(red(Reduce.argmax, 1, 3, 4, c4)).toEqual([2, 1, 0, 0]);
      expect(red(Reduce.argmin, 1, 3, 4, c4)).toEqual([2, 1, 1, 0]);
    });

    it('sums long rows accurately', () => {
      const n = 100_003;
      const d = Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) / 1000);
      const exact = d.reduce((s, v) => s + f(v), 0);
      expectClose(red(Reduce.sum, 1, n, 1, d), [exact], 1e-6);
      const rows = Math.floor(n / 7);
      const cols = Array.from({ length: 7 }, (_, c) => {
        let t = 0;
        for (let r = 0; r < rows; r++) t += f(d[r * 7 + c]!);
        return t;
      });
      expectClose(red(Reduce.sum, 1, rows, 7, d.slice(0, rows * 7)), cols, 1e-6);
    });

    it('softmax and log-softmax rows, max-subtracted', () => {
      const xb = buf(be, [1, 2, 3, 1000, 1000, -inf, NaN32, 0, 0]);
      const out = be.alloc(9, 'float32');
      be.softmax(out, 0, xb, 0, 3, 3, false);
      const e = [Math.exp(-2), Math.exp(-1), 1];
      const s = e[0]! + e[1]! + e[2]!;
      expectClose(arr(be, out), [...e.map((v) => v / s), 0.5, 0.5, 0, NaN32, NaN32, NaN32]);
      be.softmax(out, 0, xb, 0, 3, 3, true);
      expectClose(arr(be, out), [...e.map((v) => Math.log(v / s)), -Math.log(2), -Math.log(2), -inf, NaN32, NaN32, NaN32]);
    });
  });

  it('gemm: plain, transposed, batched, accumulating', () => {
    const a = buf(be, [1, 2, 3, 4, 5, 6]); // [2, 3]
    const b = buf(be, [1, 0, 0, 1, 1, 1]); // [3, 2]
    const c = be.alloc(4, 'float32');
    be.gemm(1, 2, 2, 3, a, 0, 0, 3, false, b, 0, 0, 2, false, c, 0, 0, 2, false);
    expect(arr(be, c)).toEqual([4, 5, 10, 11]);
    be.gemm(1, 2, 2, 3, a, 0, 0, 3, false, b, 0, 0, 2, false, c, 0, 0, 2, true);
    expect(arr(be, c)).toEqual([8, 10, 20, 22]);
    // Aᵀ·A (3×3) from A stored [2, 3]
    const c3 = be.alloc(9, 'float32');
    be.gemm(1, 3, 3, 2, a, 0, 0, 3, true, a, 0, 0, 3, false, c3, 0, 0, 3, false);
    expect(arr(be, c3)).toEqual([17, 22, 27, 22, 29, 36, 27, 36, 45]);
    // A·Aᵀ, batch of 2 with a broadcast B
    const c2 = be.alloc(8, 'float32');
    be.gemm(2, 2, 2, 3, a, 0, 0, 3, false, a, 0, 0, 3, true, c2, 0, 4, 2, false);
    expect(arr(be, c2)).toEqual([14, 32, 32, 77, 14, 32, 32, 77]);
  });

  describe('indexing', () => {
    it('gather and scatterAdd over [outer, n, inner]', () => {
      const x = buf(be, [10, 11, 12, 13, 14, 15]); // [1, 3, 2]
      const idx = buf(be, [2, 0, 0, 0], 'int64'); // [1, 2, 2]
      const out = be.alloc(4, 'float32');
      be.gather(out, 0, x, 0, idx, 0, 1, 3, 2, 2);
      expect(arr(be, out)).toEqual([14, 11, 10, 11]);
      const acc = buf(be, [0, 0, 0, 0, 0, 0]);
      be.scatterAdd(acc, 0, out, 0, idx, 0, 1, 3, 2, 2);
      expect(arr(be, acc)).toEqual([10, 22, 0, 0, 14, 0]);
      const rows = buf(be, [1, 2, 3, 4, 5, 6]); // [2, 3], inner = 1
      const ri = buf(be, [2, 2, 0, 1], 'int64'); // [2, 2]
      const g = be.alloc(4, 'float32');
      be.gather(g, 0, rows, 0, ri, 0, 2, 3, 2, 1);
      expect(arr(be, g)).toEqual([3, 3, 4, 5]);
    });

    it('indexSelect and indexAdd over rows, repeated indices accumulating', () => {
      const x = buf(be, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]); // [2, 5]
      const idx = buf(be, [1, 0, 1], 'int64');
      const out = be.alloc(15, 'float32');
      be.indexSelect(out, 0, x, 0, idx, 0, 3, 5);
      expect(arr(be, out)).toEqual([6, 7, 8, 9, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      const acc = buf(be, new Array(10).fill(0));
      be.indexAdd(acc, 0, out, 0, idx, 0, 3, 5);
      expect(arr(be, acc)).toEqual([1, 2, 3, 4, 5, 12, 14, 16, 18, 20]);
      const ids = buf(be, [5, 6, 7, 8], 'int64');
      const ii = buf(be, [1, 1, 0], 'int64');
      const io = be.alloc(6, 'int64');
      be.indexSelect(io, 0, ids, 0, ii, 0, 3, 2);
      expect(arr(be, io)).toEqual([7, 8, 7, 8, 5, 6]);
    });

    it('topk sorted, ties by lower index, NaN ranked highest', () => {
      const x = buf(be, [1, NaN32, 3, 3, NaN32, 2, 0, 5, 5, 1]); // [2, 5]
      const v = be.alloc(6, 'float32');
      const i = be.alloc(6, 'int64');
      be.topk(v, 0, i, 0, x, 0, 2, 5, 3, true);
      expectClose(arr(be, v), [NaN32, NaN32, 3, 5, 5, 2]);
      expect(arr(be, i)).toEqual([1, 4, 2, 2, 3, 0]);
      be.topk(v, 0, i, 0, x, 0, 2, 5, 3, false);
      expectClose(arr(be, v), [1, 3, 3, 0, 1, 2]);
      expect(arr(be, i)).toEqual([0, 2, 3, 1, 4, 0]);
      const all = be.alloc(5, 'float32');
      const alli = be.alloc(5, 'int64');
      be.topk(all, 0, alli, 0, x, 0, 1, 5, 5, false);
      expect(arr(be, alli)).toEqual([0, 2, 3, 1, 4]);
    });
  });
});
