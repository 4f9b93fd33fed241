import { Binary, type Buf, type BinaryOp } from '../types.js';
import { f32 } from './buffer.js';
import { cpow, maximum, minimum } from './scalar-math.js';
import { contiguousStrides, forEachRow, simplifyLoop } from './strided.js';

const fround = Math.fround;

/** out (contiguous, `shape`) = f(a, b), inputs read through strides; see Backend.binary. */
export function binary(
  op: BinaryOp, shape: readonly number[],
  out: Buf, outOff: number,
  a: Buf, aOff: number, aStrides: readonly number[],
  b: Buf, bOff: number, bStrides: readonly number[], p0 = 1,
): void {
  const loop = simplifyLoop(shape, [contiguousStrides(shape), aStrides, bStrides]);
  if (loop === null) return;
  const o = f32(out);
  const x = f32(a);
  const y = f32(b);
  const rank = loop.shape.length;
  const n = loop.shape[rank - 1];
  const xs = loop.strides[1][rank - 1];
  const ys = loop.strides[2][rank - 1];
  forEachRow(loop, [outOff, aOff, bOff], ([oi, xi, yi]) => binaryRow(op, n, o, oi, x, xi, xs, y, yi, ys, p0));
}

/**
 * One row of `binary`: n outputs from o[oi] on (contiguous; the output's innermost stride after
 * simplification is always 1), inputs stepping by xs and ys. One loop per op keeps the op switch out of
 * the element loop.
 */
function binaryRow(
  op: BinaryOp, n: number, o: Float32Array, oi: number,
  x: Float32Array, xi: number, xs: number, y: Float32Array, yi: number, ys: number, p0: number,
): void {
  const end = oi + n;
  switch (op) {
    case Binary.add: for (; oi < end; oi++, xi += xs, yi += ys) o[oi] = x[xi] + y[yi]; return;
    case Binary.sub: for (; oi < end; oi++, xi += xs, yi += ys) o[oi] = x[xi] - y[yi]; return;
    case Binary.mul: for (; oi < end; oi++, xi += xs, yi += ys) o[oi] = x[xi] * y[yi]; return;
    case Binary.div: for (; oi < end; oi++, xi += xs, yi += ys) o[oi] = x[xi] / y[yi]; return;
    case Binary.pow: for (; oi < end; oi++, xi += xs, yi += ys) o[oi] = cpow(x[xi], y[yi]); return;
    case Binary.maximum: for (; oi < end; oi++, xi += xs, yi += ys) o[oi] = maximum(x[xi], y[yi]); return;
    case Binary.minimum: for (; oi < end; oi++, xi += xs, yi += ys) o[oi] = minimum(x[xi], y[yi]); return;
    case Binary.eq: for (; oi < end; oi++, xi += xs, yi += ys) o[oi] = x[xi] === y[yi] ? 1 : 0; return;
    case Binary.ne: for (; oi < end; oi++, xi += xs, yi += ys) o[oi] = x[xi] !== y[yi] ? 1 : 0; return;
    case Binary.gt: for (; oi < end; oi++, xi += xs, yi += ys) o[oi] = x[xi] > y[yi] ? 1 : 0; return;
    case Binary.lt: for (; oi < end; oi++, xi += xs, yi += ys) o[oi] = x[xi] < y[yi] ? 1 : 0; return;
    case Binary.ge: for (; oi < end; oi++, xi += xs, yi += ys) o[oi] = x[xi] >= y[yi] ? 1 : 0; return;
    case Binary.le: for (; oi < end; oi++, xi += xs, yi += ys) o[oi] = x[xi] <= y[yi] ? 1 : 0; return;
    // dy * (1 - y*y) rounded once: PyTorch's compiled kernel fuses it the same way, which matters
    // where 1 - y*y cancels (|y| near 1).
    case Binary.tanhBackward:
      for (; oi < end; oi++, xi += xs, yi += ys) {
        const t = x[xi];
        o[oi] = y[yi] * (1 - t * t);
      }
      return;
    // PyTorch computes dy * (1 - y) * y, left to right.
    case Binary.sigmoidBackward:
      for (; oi < end; oi++, xi += xs, yi += ys) {
        const s = x[xi];
        o[oi] = fround(y[yi] * fround(1 - s)) * s;
      }
      return;
    // PyTorch masks with `x <= 0 ? 0 : dy`, so a NaN input passes dy through (x > 0 would drop it).
    case Binary.reluBackward:
      for (; oi < end; oi++, xi += xs, yi += ys) o[oi] = x[xi] <= 0 ? 0 : y[yi];
      return;
    // the scalar and the product rounded to float32, as the affine unary op does
    case Binary.addScaled: {
      const s = fround(p0);
      for (; oi < end; oi++, xi += xs, yi += ys) o[oi] = x[xi] + fround(s * y[yi]);
      return;
    }
    default:
      throw new Error(`binary: unknown op ${op as number} (expected a value of Binary)`);
  }
}

/** out (contiguous) = cond != 0 ? a : b, all read through strides (a NaN cond selects a). */
export function where(
  shape: readonly number[],
  out: Buf, outOff: number,
  cond: Buf, condOff: number, condStrides: readonly number[],
  a: Buf, aOff: number, aStrides: readonly number[],
  b: Buf, bOff: number, bStrides: readonly number[],
): void {
  const loop = simplifyLoop(shape, [contiguousStrides(shape), condStrides, aStrides, bStrides]);
  if (loop === null) return;
  const o = f32(out);
  const c = f32(cond);
  const x = f32(a);
  const y = f32(b);
  const rank = loop.shape.length;
  const n = loop.shape[rank - 1];
  const cs = loop.strides[1][rank - 1];
  const xs = loop.strides[2][rank - 1];
  const ys = loop.strides[3][rank - 1];
  forEachRow(loop, [outOff, condOff, aOff, bOff], ([oi, ci, xi, yi]) => {
    for (let j = 0; j < n; j++, oi++, ci += cs, xi += xs, yi += ys) o[oi] = c[ci] !== 0 ? x[xi] : y[yi];
  });
}
