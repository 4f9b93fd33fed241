import { describe, expect, it } from 'vitest';
import { createJsBackend } from '../../src/backend/js/index.js';
import { Binary, Reduce, Unary, type Buf, type UnaryOp } from '../../src/backend/types.js';

const be = createJsBackend();
const fr = Math.fround;

function floats(data: readonly number[]): Buf {
  const buf = be.alloc(data.length, 'float32');
  be.write(buf, 0, data);
  return buf;
}

function ints(data: readonly number[]): Buf {
  const buf = be.alloc(data.length, 'int64');
  be.write(buf, 0, data);
  return buf;
}

/** A deterministic generator of integers in [0, bound). */
function lcg(seed: number): (bound: number) => number {
  let state = seed >>> 0;
  return (bound) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return Math.floor((state / 2 ** 32) * bound);
  };
}

function all(buf: Buf): number[] {
  return Array.from(be.read(buf, 0, buf.length));
}

/** An output buffer prefilled with a sentinel, so untouched elements are visible. */
function sentinel(length: number, dtype: 'float32' | 'int64' = 'float32'): Buf {
  const buf = be.alloc(length, dtype);
  be.fill(buf, 0, length, -7);
  return buf;
}

describe('memory', () => {
  it('counts live bytes, peak and reserved bytes', () => {
    const backend = createJsBackend();
    expect(backend.name).toBe('js');
    const a = backend.alloc(10, 'float32');
    const b = backend.alloc(5, 'int64');
    const empty = backend.alloc(0, 'float32');
    expect(a.length).toBe(10);
    expect(b.dtype).toBe('int64');
    expect(empty.length).toBe(0);
    expect(backend.memoryStats()).toEqual({ bytes: 60, peakBytes: 60, reservedBytes: 60 });
    backend.free(a);
    expect(backend.memoryStats()).toEqual({ bytes: 20, peakBytes: 60, reservedBytes: 20 });
    backend.free(b);
    backend.free(empty);
    expect(backend.memoryStats()).toEqual({ bytes: 0, peakBytes: 60, reservedBytes: 0 });
  });

  it('rejects a double free and an impossible size, naming the bytes', () => {
    const backend = createJsBackend();
    const a = backend.alloc(3, 'float32');
    backend.free(a);
    expect(() => backend.free(a)).toThrow(/already freed/);
    expect(() => backend.alloc(2 ** 40, 'float32')).toThrow(/alloc: cannot allocate 4398046511104 bytes/);
    expect(() => backend.alloc(-1, 'float32')).toThrow(/alloc/);
    expect(backend.memoryStats().bytes).toBe(0);
  });
});

describe('host transfer', () => {
  it('reads copies and writes at offsets', () => {
    const buf = floats([1, 2, 3, 4]);
    const part = be.read(buf, 1, 2);
    expect(part).toBeInstanceOf(Float32Array);
    expect(Array.from(part)).toEqual([2, 3]);
    part[0] = 99;
    expect(be.readScalar(buf, 1)).toBe(2);
    be.write(buf, 2, [0.1, 5]);
    be.writeScalar(buf, 0, -1);
    expect(all(buf)).toEqual([-1, 2, fr(0.1), 5]);
    expect(be.read(buf, 4, 0).length).toBe(0);
  });

  it('stores int64 as int32, truncating toward zero', () => {
    const buf = ints([0, 0, 0, 0]);
    be.write(buf, 0, [2.9, -2.9, 7]);
    be.writeScalar(buf, 3, -0.5);
    expect(be.read(buf, 0, 4)).toBeInstanceOf(Int32Array);
    expect(all(buf)).toEqual([2, -2, 7, 0]);
    be.write(buf, 1, new Int32Array([5, 6]));
    expect(all(buf)).toEqual([2, 5, 6, 0]);
  });
});

describe('layout', () => {
  it('fills a range of either dtype', () => {
    const f = floats([1, 2, 3, 4]);
    be.fill(f, 1, 2, 0.5);
    be.fill(f, 4, 0, 9);
    expect(all(f)).toEqual([1, 0.5, 0.5, 4]);
    const i = ints([1, 2, 3]);
    be.fill(i, 0, 3, -3.7);
    expect(all(i)).toEqual([-3, -3, -3]);
  });

  it('copies contiguous, transposed, broadcast and offset views', () => {
    const src = floats([0, 1, 2, 3, 4, 5]); // [2, 3]
    const dst = sentinel(8);
    be.copy([2, 3], dst, 1, [3, 1], src, 0, [3, 1]);
    expect(all(dst)).toEqual([-7, 0, 1, 2, 3, 4, 5, -7]);
    const t = sentinel(6);
    be.copy([3, 2], t, 0, [2, 1], src, 0, [1, 3]); // transpose
    expect(all(t)).toEqual([0, 3, 1, 4, 2, 5]);
    const b = sentinel(6);
    be.copy([2, 3], b, 0, [3, 1], src, 3, [0, 1]); // row 1 broadcast over dim 0
    expect(all(b)).toEqual([3, 4, 5, 3, 4, 5]);
  });

  it('copies broadcast rows and columns (stride 0)', () => {
    const row = floats([1, 2, 3]);
    const out = sentinel(6);
    be.copy([2, 3], out, 0, [3, 1], row, 0, [0, 1]);
    expect(all(out)).toEqual([1, 2, 3, 1, 2, 3]);
    const col = floats([8, 9]);
    be.copy([2, 3], out, 0, [3, 1], col, 0, [1, 0]);
    expect(all(out)).toEqual([8, 8, 8, 9, 9, 9]);
    const scalar = floats([5]);
    be.copy([2, 3], out, 0, [3, 1], scalar, 0, [0, 0]);
    expect(all(out)).toEqual([5, 5, 5, 5, 5, 5]);
  });

  it('copies into a strided destination and handles rank 0, size 0 and int64', () => {
    const src = floats([1, 2, 3, 4]);
    const dst = sentinel(8);
    be.copy([2, 2], dst, 0, [1, 4], src, 0, [2, 1]); // dst is a transposed [2, 4] view
    expect(all(dst)).toEqual([1, 3, -7, -7, 2, 4, -7, -7]);
    be.copy([], dst, 2, [], src, 3, []);
    expect(be.readScalar(dst, 2)).toBe(4);
    be.copy([3, 0, 2], dst, 0, [0, 2, 1], src, 0, [0, 2, 1]);
    expect(be.readScalar(dst, 3)).toBe(-7);
    const i = ints([10, 20, 30, 40, 50, 60]);
    const iOut = sentinel(6, 'int64');
    be.copy([2, 1, 3], iOut, 0, [3, 3, 1], i, 0, [1, 1, 2]);
    expect(all(iOut)).toEqual([10, 30, 50, 20, 40, 60]);
  });

  it('copies a 4-d permutation (odometer over several outer dims)', () => {
    const shape = [2, 3, 2, 2];
    const n = 24;
    const src = floats(Array.from({ length: n }, (_, j) => j));
    const out = sentinel(n);
    // out[a,b,c,d] = src viewed as permute(3,1,0,2) of a [2,3,2,2]... strides of src [1, 4, 12, 2].
    be.copy(shape, out, 0, [12, 4, 2, 1], src, 0, [1, 4, 12, 2]);
    const expected: number[] = [];
    for (let a = 0; a < 2; a++)
      for (let b = 0; b < 3; b++)
        for (let c = 0; c < 2; c++) for (let d = 0; d < 2; d++) expected.push(a + 4 * b + 12 * c + 2 * d);
    expect(all(out)).toEqual(expected);
  });

  it('casts float -> int64 toward zero (saturating, NaN -> 0) and back', () => {
    const f = floats([2.7, -2.7, -0.5, 1e10, -1e10, NaN, Infinity]);
    const i = sentinel(8, 'int64');
    be.cast(i, 1, f, 0, 7);
    expect(all(i)).toEqual([-7, 2, -2, 0, 2147483647, -2147483648, 0, 2147483647]);
    const back = sentinel(3);
    be.cast(back, 0, ints([16777217, -3, 0]), 0, 3);
    expect(all(back)).toEqual([16777216, -3, 0]);
    const same = sentinel(2);
    be.cast(same, 0, f, 1, 2);
    expect(all(same)).toEqual([fr(-2.7), -0.5]);
  });
});

describe('unary', () => {
  const specials = [NaN, -0, 0, -2.5, 2.5, Infinity, -Infinity, 1, -1];
  const run = (op: UnaryOp, xs: readonly number[], p0 = 0, p1 = 0): number[] => {
    const x = floats(xs);
    const out = sentinel(xs.length + 1);
    be.unary(op, out, 1, x, 0, xs.length, p0, p1);
    const got = all(out);
    expect(got[0]).toBe(-7);
    return got.slice(1);
  };

  it('computes the elementary functions', () => {
    expect(run(Unary.neg, [1, -0, NaN])).toEqual([-1, 0, NaN]);
    expect(run(Unary.exp, [0, 1, -Infinity, NaN])).toEqual([1, fr(Math.E), 0, NaN]);
    expect(run(Unary.log, [1, 0, -1, 2])).toEqual([0, -Infinity, NaN, fr(Math.LN2)]);
    expect(run(Unary.sqrt, [4, -1, 2, -0])).toEqual([2, NaN, fr(Math.SQRT2), -0]);
    expect(run(Unary.abs, [-3, -0, NaN, -Infinity])).toEqual([3, 0, NaN, Infinity]);
    expect(run(Unary.tanh, [0, Infinity, -Infinity, 1])).toEqual([0, 1, -1, fr(Math.tanh(1))]);
    expect(run(Unary.sigmoid, [0, Infinity, -Infinity, NaN, 2])).toEqual([0.5, 1, 0, NaN, fr(1 / (1 + Math.exp(-2)))]);
    expect(run(Unary.square, [3, -0.5, NaN])).toEqual([9, 0.25, NaN]);
    // exp(100) overflows float32 as in torch's kernel, so sigmoid(-100) is exactly 0
    expect(run(Unary.sigmoid, [-100, 100])).toEqual([0, 1]);
  });

  it('matches torch on relu and sign, NaN and -0 included', () => {
    expect(run(Unary.relu, specials)).toEqual([NaN, -0, 0, 0, 2.5, Infinity, 0, 1, 0]);
    expect(run(Unary.sign, specials)).toEqual([0, 0, 0, -1, 1, 1, -1, 1, -1]);
  });

  it('applies affine with float32 scalars, keeping -0 for a pure scale', () => {
    expect(run(Unary.affine, [1, 2, -0], 1, 0.1)).toEqual([fr(1 + fr(0.1)), fr(2 + fr(0.1)), fr(0.1)]);
    expect(run(Unary.affine, [3, -0], 0.1, 0)).toEqual([fr(3 * fr(0.1)), -0]);
    expect(run(Unary.affine, [1, 2], -1, 5)).toEqual([4, 3]); // rsub
    expect(run(Unary.affine, [1, NaN], 2, 1)).toEqual([3, NaN]);
  });

  it('raises to a scalar power with torch edge cases', () => {
    expect(run(Unary.powScalar, specials, NaN)).toEqual([NaN, NaN, NaN, NaN, NaN, NaN, NaN, 1, NaN]);
    expect(run(Unary.powScalar, specials, Infinity)).toEqual([NaN, 0, 0, Infinity, Infinity, Infinity, Infinity, 1, 1]);
    expect(run(Unary.powScalar, specials, 0)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(run(Unary.powScalar, specials, 0.5)).toEqual([NaN, -0, 0, NaN, fr(Math.sqrt(2.5)), Infinity, NaN, 1, NaN]);
    expect(run(Unary.powScalar, specials, 3)).toEqual([NaN, -0, 0, -15.625, 15.625, Infinity, -Infinity, 1, -1]);
    expect(run(Unary.powScalar, specials, -1)).toEqual([NaN, -Infinity, Infinity, -0.4, 0.4, 0, -0, 1, -1].map(fr));
    expect(run(Unary.powScalar, specials, -2)).toEqual([NaN, Infinity, Infinity, 0.16, 0.16, 0, 0, 1, 1].map(fr));
    expect(run(Unary.powScalar, [-0, 4, Infinity], -0.5)).toEqual([-Infinity, 0.5, 0]);
    expect(run(Unary.powScalar, [-0, 4, -8, -2], 1.5)).toEqual([0, 8, NaN, NaN]);
    expect(run(Unary.powScalar, [2, -2], 2)).toEqual([4, 4]);
  });

  it('computes rdiv, clamp and inRange', () => {
    expect(run(Unary.rdiv, [0, -0, 4, NaN], 2)).toEqual([Infinity, -Infinity, 0.5, NaN]);
    expect(run(Unary.clamp, specials, -1, 1)).toEqual([NaN, -0, 0, -1, 1, 1, -1, 1, -1]);
    expect(run(Unary.clamp, [0, 5], 3, 1)).toEqual([1, 1]); // min > max gives max
    expect(run(Unary.clamp, [-5, 5], -Infinity, 2)).toEqual([-5, 2]);
    expect(run(Unary.clamp, [0, 5], NaN, Infinity)).toEqual([0, 5]); // a NaN bound is ignored
    expect(run(Unary.inRange, [-2, -1, 0, 1, 2, NaN], -1, 1)).toEqual([0, 1, 1, 1, 0, 0]);
  });

  it('compares with a scalar rounded to float32', () => {
    const xs = [0.1, 0.2, NaN, -1];
    expect(run(Unary.eqScalar, xs, 0.1)).toEqual([1, 0, 0, 0]);
    expect(run(Unary.neScalar, xs, 0.1)).toEqual([0, 1, 1, 1]);
    expect(run(Unary.gtScalar, xs, 0.1)).toEqual([0, 1, 0, 0]);
    expect(run(Unary.ltScalar, xs, 0.1)).toEqual([0, 0, 0, 1]);
    expect(run(Unary.geScalar, xs, 0.1)).toEqual([1, 1, 0, 0]);
    expect(run(Unary.leScalar, xs, 0.1)).toEqual([1, 0, 0, 1]);
  });

  it('works in place, on offsets and on zero elements', () => {
    const x = floats([1, 4, 9]);
    be.unary(Unary.sqrt, x, 1, x, 1, 2, 0, 0);
    expect(all(x)).toEqual([1, 2, 3]);
    be.unary(Unary.exp, x, 0, x, 0, 0, 0, 0);
    expect(all(x)).toEqual([1, 2, 3]);
    expect(() => be.unary(99 as UnaryOp, x, 0, x, 0, 1, 0, 0)).toThrow(/unary: unknown op 99/);
  });
});

describe('binary', () => {
  const binaryFlat = (op: number, xs: readonly number[], ys: readonly number[]): number[] => {
    const out = sentinel(xs.length);
    be.binary(op as 0, [xs.length], out, 0, floats(xs), 0, [1], floats(ys), 0, [1]);
    return all(out);
  };

  it('computes arithmetic in float32', () => {
    expect(binaryFlat(Binary.add, [1, 0.1, Infinity], [2, 0.2, -Infinity])).toEqual([3, fr(fr(0.1) + fr(0.2)), NaN]);
    expect(binaryFlat(Binary.sub, [1, -0], [3, 0])).toEqual([-2, -0]);
    expect(binaryFlat(Binary.mul, [1.5, 0, -0], [2, Infinity, 3])).toEqual([3, NaN, -0]);
    expect(binaryFlat(Binary.div, [1, 1, 0, -1], [3, 0, 0, 0])).toEqual([fr(1 / 3), Infinity, NaN, -Infinity]);
  });

  it('matches torch pow, maximum and minimum on special values', () => {
    const xs = [NaN, -0, 0, -2.5, 2.5, Infinity, -Infinity, 1, -1];
    const ys = [NaN, Infinity, -Infinity, 0.5, 2, 0, -0, 3, NaN];
    expect(binaryFlat(Binary.pow, xs, ys)).toEqual([NaN, 0, Infinity, NaN, 6.25, 1, 1, 1, NaN]);
    expect(binaryFlat(Binary.pow, [1, -1, -1, -8, -0], [NaN, Infinity, -Infinity, 1 / 3, -1])).toEqual([1, 1, 1, NaN, -Infinity]);
    expect(binaryFlat(Binary.maximum, xs, ys)).toEqual([NaN, Infinity, 0, 0.5, 2.5, Infinity, -0, 3, NaN]);
    expect(binaryFlat(Binary.minimum, xs, ys)).toEqual([NaN, -0, -Infinity, -2.5, 2, 0, -Infinity, 1, NaN]);
    expect(binaryFlat(Binary.maximum, [-0, 0], [0, -0])).toEqual([-0, 0]);
    expect(binaryFlat(Binary.maximum, [1, NaN], [NaN, 1])).toEqual([NaN, NaN]);
  });

  it('writes comparisons as 1/0 (NaN compares unequal)', () => {
    const xs = [1, 2, 3, NaN];
    const ys = [2, 2, 2, NaN];
    expect(binaryFlat(Binary.eq, xs, ys)).toEqual([0, 1, 0, 0]);
    expect(binaryFlat(Binary.ne, xs, ys)).toEqual([1, 0, 1, 1]);
    expect(binaryFlat(Binary.gt, xs, ys)).toEqual([0, 0, 1, 0]);
    expect(binaryFlat(Binary.lt, xs, ys)).toEqual([1, 0, 0, 0]);
    expect(binaryFlat(Binary.ge, xs, ys)).toEqual([0, 1, 1, 0]);
    expect(binaryFlat(Binary.le, xs, ys)).toEqual([1, 1, 0, 0]);
  });

  it('computes the activation backward ops', () => {
    expect(binaryFlat(Binary.tanhBackward, [0.5, 1, 0], [2, 3, -1])).toEqual([1.5, 0, -1]);
    // 1 - y*y cancels near |y| = 1: rounded once like torch (-4.4282035e-05), not after y*y.
    const y = fr(-0.9998294115066528);
    const dy = fr(-0.12980304658412933);
    expect(binaryFlat(Binary.tanhBackward, [y], [dy])).toEqual([fr(dy * (1 - y * y))]);
    expect(binaryFlat(Binary.sigmoidBackward, [0.5, 1, 0.25], [2, 3, 4])).toEqual([0.5, 0, 0.75]);
    // torch's relu mask is `x <= 0 ? 0 : dy`: a NaN input passes the gradient.
    expect(binaryFlat(Binary.reluBackward, [2, -1, 0, -0, NaN], [5, 5, 5, 5, 5])).toEqual([5, 0, 0, 0, 5]);
  });

  it('broadcasts through stride-0 inputs', () => {
    const a = floats([1, 2, 3, 4, 5, 6]); // [2, 3]
    const row = floats([10, 20, 30]);
    const col = floats([100, 200]);
    const out = sentinel(6);
    be.binary(Binary.add, [2, 3], out, 0, a, 0, [3, 1], row, 0, [0, 1]);
    expect(all(out)).toEqual([11, 22, 33, 14, 25, 36]);
    be.binary(Binary.sub, [2, 3], out, 0, col, 0, [1, 0], row, 0, [0, 1]);
    expect(all(out)).toEqual([90, 80, 70, 190, 180, 170]);
    be.binary(Binary.mul, [2, 3], out, 0, a, 0, [3, 1], floats([2]), 0, [0, 0]);
    expect(all(out)).toEqual([2, 4, 6, 8, 10, 12]);
  });

  it('reads non-contiguous inputs at offsets and writes at an offset', () => {
    const a = floats([9, 1, 2, 3, 4, 5, 6]); // [2, 3] at offset 1
    const out = sentinel(7);
    // left: the transpose [3, 2] of a; right: a [3, 2] view with strides [4, 2] into a 0/1 buffer.
    const right = floats([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
    be.binary(Binary.sub, [3, 2], out, 1, a, 1, [1, 3], right, 1, [4, 2]);
    expect(all(out)).toEqual([-7, 1, 4, 2, 4, 2, 5]);
    const b = floats([1, 2, 3, 4, 5, 6, 7, 8]); // [2, 2, 2]
    const o3 = sentinel(8);
    be.binary(Binary.add, [2, 2, 2], o3, 0, b, 0, [4, 2, 1], b, 0, [1, 2, 4]);
    expect(all(o3)).toEqual([2, 7, 6, 11, 7, 12, 11, 16]);
  });

  it('handles rank 0, size 0 and in-place aliasing', () => {
    const out = sentinel(2);
    be.binary(Binary.mul, [], out, 1, floats([3]), 0, [], floats([4]), 0, []);
    expect(all(out)).toEqual([-7, 12]);
    be.binary(Binary.add, [0, 3], out, 0, floats([]), 0, [3, 1], floats([]), 0, [3, 1]);
    expect(all(out)).toEqual([-7, 12]);
    const x = floats([1, 2, 3, 4]);
    be.binary(Binary.add, [2, 2], x, 0, x, 0, [2, 1], floats([10, 20]), 0, [0, 1]);
    expect(all(x)).toEqual([11, 22, 13, 24]);
    be.binary(Binary.mul, [4], x, 0, x, 0, [1], x, 0, [1]);
    expect(all(x)).toEqual([121, 484, 169, 576]);
  });
});

describe('where', () => {
  it('selects through strides; any nonzero (NaN too) picks a', () => {
    const cond = floats([1, 0, NaN]);
    const a = floats([1, 2]); // broadcast column
    const b = floats([-1]); // scalar
    const out = sentinel(6);
    be.where([2, 3], out, 0, cond, 0, [0, 1], a, 0, [1, 0], b, 0, [0, 0]);
    expect(all(out)).toEqual([1, -1, 1, 2, -1, 2]);
    be.where([0], out, 0, cond, 0, [1], a, 0, [1], b, 0, [1]);
    expect(all(out)).toEqual([1, -1, 1, 2, -1, 2]);
  });
});

describe('reduce', () => {
  // x [outer=2, n=3, inner=2]
  const block = [1, 6, 5, 2, 3, 4, /**/ -1, 0, -1, 9, -3, 9];
  const reduceOf = (op: number, xs: readonly number[], outer: number, n: number, inner: number): number[] => {
    const dtype = op === Reduce.argmax || op === Reduce.argmin ? 'int64' : 'float32';
    const out = sentinel(outer * inner + 1, dtype);
    be.reduce(op as 0, out, 1, floats(xs), 0, outer, n, inner);
    const got = all(out);
    expect(got[0]).toBe(-7);
    return got.slice(1);
  };

  it('reduces the middle axis with inner > 1', () => {
    expect(reduceOf(Reduce.sum, block, 2, 3, 2)).toEqual([9, 12, -5, 18]);
    expect(reduceOf(Reduce.max, block, 2, 3, 2)).toEqual([5, 6, -1, 9]);
    expect(reduceOf(Reduce.min, block, 2, 3, 2)).toEqual([1, 2, -3, 0]);
    expect(reduceOf(Reduce.argmax, block, 2, 3, 2)).toEqual([1, 0, 0, 1]); // first of tied maxima
    expect(reduceOf(Reduce.argmin, block, 2, 3, 2)).toEqual([0, 1, 2, 0]);
  });

  it('reduces rows (inner = 1) and single elements', () => {
    const rows = [3, 1, 3, /**/ -2, -2, 0];
    expect(reduceOf(Reduce.sum, rows, 2, 3, 1)).toEqual([7, -4]);
    expect(reduceOf(Reduce.max, rows, 2, 3, 1)).toEqual([3, 0]);
    expect(reduceOf(Reduce.min, rows, 2, 3, 1)).toEqual([1, -2]);
    expect(reduceOf(Reduce.argmax, rows, 2, 3, 1)).toEqual([0, 2]);
    expect(reduceOf(Reduce.argmin, rows, 2, 3, 1)).toEqual([1, 0]);
    expect(reduceOf(Reduce.argmax, [4], 1, 1, 1)).toEqual([0]);
    expect(reduceOf(Reduce.sum, [4, 5], 1, 1, 2)).toEqual([4, 5]);
    expect(reduceOf(Reduce.sum, [], 1, 0, 2)).toEqual([0, 0]);
    expect(reduceOf(Reduce.sum, [], 0, 3, 2)).toEqual([]);
  });

  it('propagates NaN and counts the first NaN as the extreme', () => {
    const rows = [1, NaN, 3, NaN, /**/ 5, -Infinity, 5, 2];
    expect(reduceOf(Reduce.sum, rows, 2, 4, 1)).toEqual([NaN, -Infinity]);
    expect(reduceOf(Reduce.max, rows, 2, 4, 1)).toEqual([NaN, 5]);
    expect(reduceOf(Reduce.min, rows, 2, 4, 1)).toEqual([NaN, -Infinity]);
    expect(reduceOf(Reduce.argmax, rows, 2, 4, 1)).toEqual([1, 0]);
    expect(reduceOf(Reduce.argmin, rows, 2, 4, 1)).toEqual([1, 1]);
    // the same columns laid out with inner = 2: column 0 = [1, 3, 5, 5], column 1 = [NaN, NaN, -inf, 2]
    const cols = [1, NaN, 3, NaN, 5, -Infinity, 5, 2];
    expect(reduceOf(Reduce.max, cols, 1, 4, 2)).toEqual([5, NaN]);
    expect(reduceOf(Reduce.min, cols, 1, 4, 2)).toEqual([1, NaN]);
    expect(reduceOf(Reduce.argmax, cols, 1, 4, 2)).toEqual([2, 0]);
    expect(reduceOf(Reduce.argmin, cols, 1, 4, 2)).toEqual([0, 0]);
    expect(reduceOf(Reduce.argmax, [2, 2, 2, NaN], 1, 2, 2)).toEqual([0, 1]);
  });

  it('rounds a float64 sum to float32 once', () => {
    expect(reduceOf(Reduce.sum, [0.1, 0.2, 0.3], 1, 3, 1)).toEqual([fr(fr(0.1) + fr(0.2) + fr(0.3))]);
    expect(reduceOf(Reduce.sum, [16777216, 1, 1], 1, 3, 1)).toEqual([16777218]);
  });
});

describe('softmax', () => {
  const softmaxOf = (xs: readonly number[], rows: number, cols: number, log: boolean): number[] => {
    const out = sentinel(rows * cols);
    be.softmax(out, 0, floats(xs), 0, rows, cols, log);
    return all(out);
  };

  it('normalises rows, stably for large inputs', () => {
    const e = Math.exp(1);
    const p = [1 / (1 + e + e * e), e / (1 + e + e * e), (e * e) / (1 + e + e * e)];
    const got = softmaxOf([1, 2, 3, 1000, 1001, 1002], 2, 3, false);
    got.forEach((v, j) => expect(v).toBeCloseTo(p[j % 3], 6));
    const logGot = softmaxOf([1, 2, 3, 1000, 1001, 1002], 2, 3, true);
    logGot.forEach((v, j) => expect(v).toBeCloseTo(Math.log(p[j % 3]), 5));
    expect(softmaxOf([7, -3], 2, 1, false)).toEqual([1, 1]);
    expect(softmaxOf([7, -3], 2, 1, true)).toEqual([0, 0]);
    expect(softmaxOf([], 0, 4, false)).toEqual([]);
  });

  it('matches torch on infinities and NaN', () => {
    const rows = [Infinity, 1, -Infinity, -Infinity, NaN, 1, 1, -Infinity];
    expect(softmaxOf(rows, 4, 2, false)).toEqual([NaN, NaN, NaN, NaN, NaN, NaN, 1, 0]);
    expect(softmaxOf(rows, 4, 2, true)).toEqual([NaN, NaN, NaN, NaN, NaN, NaN, 0, -Infinity]);
  });

  it('works in place', () => {
    const x = floats([0, 0, 0, 0]);
    be.softmax(x, 0, x, 0, 1, 4, false);
    expect(all(x)).toEqual([0.25, 0.25, 0.25, 0.25]);
    be.softmax(x, 0, x, 0, 1, 4, true);
    expect(all(x)).toEqual(new Array(4).fill(fr(-Math.log(4))));
  });
});

describe('gemm', () => {
  /** Small integers from a seed, so every product and sum is exact in float32. */
  const values = (count: number, seed: number): number[] =>
    Array.from({ length: count }, (_, j) => ((j * 7 + seed * 13) % 11) - 5);

  /** Reference C_b = op(A_b)·op(B_b) (+ C_b) from logical indices, written out in full. */
  function reference(
    batch: number, m: number, n: number, k: number,
    A: number[], aOff: number, aBS: number, lda: number, transA: boolean,
    B: number[], bOff: number, bBS: number, ldb: number, transB: boolean,
    C: number[], cOff: number, cBS: number, ldc: number, accumulate: boolean,
  ): number[] {
    const out = C.slice();
    for (let t = 0; t < batch; t++) {
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let dot = 0;
          for (let p = 0; p < k; p++) {
            const a = A[aOff + t * aBS + (transA ? p * lda + i : i * lda + p)];
            const b = B[bOff + t * bBS + (transB ? j * ldb + p : p * ldb + j)];
            dot += a * b;
          }
          const at = cOff + t * cBS + i * ldc + j;
          out[at] = accumulate ? out[at] + dot : dot;
        }
      }
    }
    return out;
  }

  it('multiplies a hand-computed 2x2 product', () => {
    const c = sentinel(4);
    be.gemm(1, 2, 2, 2, floats([1, 2, 3, 4]), 0, 0, 2, false, floats([5, 6, 7, 8]), 0, 0, 2, false, c, 0, 0, 2, false);
    expect(all(c)).toEqual([19, 22, 43, 50]);
    be.gemm(1, 2, 2, 2, floats([1, 2, 3, 4]), 0, 0, 2, true, floats([5, 6, 7, 8]), 0, 0, 2, true, c, 0, 0, 2, true);
    // Aᵀ·Bᵀ = [[1·5+3·6, 1·7+3·8], [2·5+4·6, 2·7+4·8]] = [[23, 31], [34, 46]], added to C.
    expect(all(c)).toEqual([42, 53, 77, 96]);
  });

  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      for (const batchStrides of ['zero', 'nonzero'] as const) {
        for (const accumulate of [false, true]) {
          it(`matches the reference (transA=${transA}, transB=${transB}, ${batchStrides} batch strides, accumulate=${accumulate})`, () => {
            const [batch, m, n, k] = [3, 2, 3, 4];
            // padded leading dimensions and offsets exercise lda/ldb/ldc and buffer offsets
            const lda = (transA ? m : k) + 1;
            const ldb = (transB ? k : n) + 2;
            const ldc = n + 1;
            const aSize = (transA ? k : m) * lda;
            const bSize = (transB ? n : k) * ldb;
            const aBS = batchStrides === 'zero' ? 0 : aSize + 1;
            const bBS = batchStrides === 'zero' ? 0 : bSize + 3;
            const cBS = m * ldc + 2;
            const A = values(2 + aSize + aBS * (batch - 1), 1);
            const B = values(1 + bSize + bBS * (batch - 1), 2);
            const C = values(3 + m * ldc + cBS * (batch - 1), 3);
            const c = floats(C);
            be.gemm(batch, m, n, k, floats(A), 2, aBS, lda, transA, floats(B), 1, bBS, ldb, transB, c, 3, cBS, ldc, accumulate);
            expect(all(c)).toEqual(reference(batch, m, n, k, A, 2, aBS, lda, transA, B, 1, bBS, ldb, transB, C, 3, cBS, ldc, accumulate));
          });
        }
      }
    }
  }

  it('sums into one C when its batch stride is 0 and accumulating', () => {
    const c = floats([1]);
    be.gemm(3, 1, 1, 2, floats([1, 2, 3, 4, 5, 6]), 0, 2, 2, false, floats([1, 1]), 0, 0, 1, false, c, 0, 0, 1, true);
    expect(all(c)).toEqual([1 + 3 + 7 + 11]);
  });

  it('handles k = 0, m = 0 and n = 1 / m = 1 shapes', () => {
    const c = floats([5, 6, 7, 8]);
    be.gemm(1, 2, 2, 0, floats([]), 0, 0, 1, false, floats([]), 0, 0, 2, false, c, 0, 0, 2, false);
    expect(all(c)).toEqual([0, 0, 0, 0]);
    const d = floats([5, 6]);
    be.gemm(1, 1, 2, 0, floats([]), 0, 0, 1, false, floats([]), 0, 0, 2, false, d, 0, 0, 2, true);
    expect(all(d)).toEqual([5, 6]);
    be.gemm(1, 0, 2, 3, floats([]), 0, 0, 3, false, floats([1, 2, 3, 4, 5, 6]), 0, 0, 2, false, d, 0, 0, 2, false);
    expect(all(d)).toEqual([5, 6]);
    const v = sentinel(1);
    be.gemm(1, 1, 1, 3, floats([1, 2, 3]), 0, 0, 3, false, floats([4, 5, 6]), 0, 0, 3, true, v, 0, 0, 1, false);
    expect(all(v)).toEqual([32]);
  });

  it('propagates NaN and inf through zero factors and overwrites garbage in C', () => {
    const c = floats([NaN, NaN]);
    // A = [[0, 1]], B = [[NaN, 2], [3, Infinity]]
    be.gemm(1, 1, 2, 2, floats([0, 1]), 0, 0, 2, false, floats([NaN, 2, 3, Infinity]), 0, 0, 2, false, c, 0, 0, 2, false);
    expect(all(c)).toEqual([NaN, Infinity]);
    const d = floats([NaN]);
    be.gemm(1, 1, 1, 2, floats([0, 0]), 0, 0, 2, false, floats([Infinity, 1]), 0, 0, 2, true, d, 0, 0, 1, false);
    expect(all(d)).toEqual([NaN]);
    be.gemm(1, 1, 1, 2, floats([1, 1]), 0, 0, 2, false, floats([2, 1]), 0, 0, 2, true, d, 0, 0, 1, false);
    expect(all(d)).toEqual([3]);
  });
});

describe('indexing', () => {
  it('gathers along the middle axis and scatters the adjoint back', () => {
    // x [outer=2, n=3, inner=2], index [2, k=2, 2]
    const x = floats([0, 1, 2, 3, 4, 5, /**/ 10, 11, 12, 13, 14, 15]);
    const index = ints([2, 0, 2, 1, /**/ 0, 0, 1, 2]);
    const out = sentinel(9);
    be.gather(out, 1, x, 0, index, 0, 2, 3, 2, 2);
    expect(all(out)).toEqual([-7, 4, 1, 4, 3, 10, 11, 12, 15]);
    const grad = floats([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    be.scatterAdd(grad, 1, floats([1, 2, 3, 4, 5, 6, 7, 8]), 0, index, 0, 2, 3, 2, 2);
    expect(all(grad)).toEqual([0, 0, 2, 0, 4, 4, 0, /**/ 5, 6, 7, 0, 0, 8]);
  });

  it('gathers with k = 0 and with inner = 1 (e.g. picking class scores)', () => {
    const scores = floats([0.1, 0.7, 0.2, 0.5, 0.3, 0.2]); // [2, 3]
    const out = sentinel(2);
    be.gather(out, 0, scores, 0, ints([1, 0]), 0, 2, 3, 1, 1);
    expect(all(out)).toEqual([fr(0.7), 0.5]);
    be.gather(out, 0, scores, 0, ints([]), 0, 2, 3, 0, 1);
    expect(all(out)).toEqual([fr(0.7), 0.5]);
  });

  it('selects rows of either dtype and index-adds rows with repeats', () => {
    const table = floats([0, 1, 2, 3, 4, 5]); // [3, 2]
    const picked = sentinel(8);
    be.indexSelect(picked, 2, table, 0, ints([9, 2, 0, 2]), 1, 3, 2);
    expect(all(picked)).toEqual([-7, -7, 4, 5, 0, 1, 4, 5]);
    const tokens = ints([7, 8, 9]);
    const tokOut = sentinel(2, 'int64');
    be.indexSelect(tokOut, 0, tokens, 0, ints([2, 2]), 0, 2, 1);
    expect(all(tokOut)).toEqual([9, 9]);
    const grad = floats([0, 0, 0, 0, 0, 0]);
    be.indexAdd(grad, 0, floats([1, 2, 3, 4, 5, 6]), 0, ints([2, 0, 2]), 0, 3, 2);
    expect(all(grad)).toEqual([3, 4, 0, 0, 6, 8]);
    be.indexAdd(grad, 0, floats([]), 0, ints([]), 0, 0, 2);
    expect(all(grad)).toEqual([3, 4, 0, 0, 6, 8]);
  });
});

describe('topk', () => {
  const topkOf = (xs: readonly number[], rows: number, n: number, k: number, largest: boolean): [number[], number[]] => {
    const values = sentinel(rows * k);
    const indices = sentinel(rows * k, 'int64');
    be.topk(values, 0, indices, 0, floats(xs), 0, rows, n, k, largest);
    return [all(values), all(indices)];
  };

  it('sorts the k largest or smallest per row, ties by lower index', () => {
    const rows = [2, 1, 2, 2, 1, /**/ 0, 5, -1, 5, 3];
    expect(topkOf(rows, 2, 5, 3, true)).toEqual([[2, 2, 2, 5, 5, 3], [0, 2, 3, 1, 3, 4]]);
    expect(topkOf(rows, 2, 5, 3, false)).toEqual([[1, 1, 2, -1, 0, 3], [1, 4, 0, 2, 0, 4]]);
    expect(topkOf(rows, 2, 5, 1, true)).toEqual([[2, 5], [0, 1]]);
    expect(topkOf(rows, 2, 5, 1, false)).toEqual([[1, -1], [1, 2]]);
    expect(topkOf([4], 1, 1, 1, true)).toEqual([[4], [0]]);
    expect(topkOf([4, 3], 1, 2, 0, true)).toEqual([[], []]);
  });

  it('ranks NaN above every number', () => {
    const row = [1, NaN, 3, 3, NaN, -1];
    expect(topkOf(row, 1, 6, 6, true)).toEqual([[NaN, NaN, 3, 3, 1, -1], [1, 4, 2, 3, 0, 5]]);
    expect(topkOf(row, 1, 6, 6, false)).toEqual([[-1, 1, 3, 3, NaN, NaN], [5, 0, 2, 3, 1, 4]]);
    expect(topkOf(row, 1, 6, 1, true)).toEqual([[NaN], [1]]);
    expect(topkOf(row, 1, 6, 1, false)).toEqual([[-1], [5]]);
    expect(topkOf([-Infinity, -Infinity], 1, 2, 2, true)).toEqual([[-Infinity, -Infinity], [0, 1]]);
  });
});

describe('random strided layouts against an element-by-element reference', () => {
  /** Index tuples of `shape` in row-major order. */
  function indexTuples(shape: readonly number[]): number[][] {
    let tuples: number[][] = [[]];
    for (const size of shape) {
      const next: number[][] = [];
      for (const t of tuples) for (let i = 0; i < size; i++) next.push([...t, i]);
      tuples = next;
    }
    return tuples;
  }
  const dot = (index: readonly number[], strides: readonly number[]): number =>
    index.reduce((acc, i, d) => acc + i * strides[d], 0);

  /** Strides of a random permuted, sometimes padded, optionally broadcast layout of `shape`. */
  function randomLayout(
    shape: readonly number[], rand: (bound: number) => number, broadcast: boolean,
  ): { strides: number[]; span: number } {
    const order = shape.map((_, d) => d);
    for (let i = order.length - 1; i > 0; i--) {
      const j = rand(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    const strides = new Array<number>(shape.length).fill(0);
    let step = 1;
    for (const d of order) {
      if (broadcast && rand(4) === 0) continue;
      strides[d] = step;
      step *= shape[d] + rand(2);
    }
    return { strides, span: step };
  }

  it('copy and binary agree with the reference on 200 random layouts', () => {
    const rand = lcg(42);
    for (let trial = 0; trial < 200; trial++) {
      const rank = rand(5);
      const shape = Array.from({ length: rank }, () => rand(4) + (trial % 7 === 0 ? 0 : 1));
      const a = randomLayout(shape, rand, true);
      const b = randomLayout(shape, rand, true);
      const dst = randomLayout(shape, rand, false);
      const aOff = rand(3);
      const bOff = rand(3);
      const aData = Array.from({ length: aOff + a.span + 1 }, () => rand(100) - 50);
      const bData = Array.from({ length: bOff + b.span + 1 }, () => rand(100) - 50);
      const tuples = indexTuples(shape);
      const count = tuples.length;

      const out = sentinel(count + 1);
      be.binary(Binary.sub, shape, out, 1, floats(aData), aOff, a.strides, floats(bData), bOff, b.strides);
      const want = tuples.map((t) => aData[aOff + dot(t, a.strides)] - bData[bOff + dot(t, b.strides)]);
      expect(all(out), `binary shape [${shape}] strides [${a.strides}] [${b.strides}]`).toEqual([-7, ...want]);

      const copied = floats(new Array(dst.span + 2).fill(-7));
      be.copy(shape, copied, 1, dst.strides, floats(aData), aOff, a.strides);
      const expected = new Array(dst.span + 2).fill(-7);
      for (const t of tuples) expected[1 + dot(t, dst.strides)] = aData[aOff + dot(t, a.strides)];
      expect(all(copied), `copy shape [${shape}] strides [${dst.strides}] <- [${a.strides}]`).toEqual(expected);
    }
  });

  it('topk agrees with a full sort for selection and sort paths', () => {
    const rand = lcg(7);
    for (const [n, k] of [[10, 1], [10, 3], [100, 64], [100, 65], [70, 70], [5, 5]]) {
      for (const largest of [true, false]) {
        const rows = 3;
        const data = Array.from({ length: rows * n }, () => (rand(20) === 0 ? NaN : rand(9) - 4));
        const values = sentinel(rows * k);
        const indices = sentinel(rows * k, 'int64');
        be.topk(values, 0, indices, 0, floats(data), 0, rows, n, k, largest);
        const wantValues: number[] = [];
        const wantIndices: number[] = [];
        for (let r = 0; r < rows; r++) {
          const key = (j: number): number => {
            const v = data[r * n + j];
            const rank = Number.isNaN(v) ? Infinity : v;
            return largest ? -rank : rank;
          };
          const order = Array.from({ length: n }, (_, j) => j).sort((p, q) => key(p) - key(q) || p - q);
          for (const j of order.slice(0, k)) {
            wantValues.push(data[r * n + j]);
            wantIndices.push(j);
          }
        }
        expect(all(values), `values n=${n} k=${k} largest=${largest}`).toEqual(wantValues);
        expect(all(indices), `indices n=${n} k=${k} largest=${largest}`).toEqual(wantIndices);
      }
    }
  });
});
