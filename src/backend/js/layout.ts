import type { Buf } from '../types.js';
import { elements, f32, i32 } from './buffer.js';
import { forEachRow, simplifyLoop } from './strided.js';

/** Sets elements [off, off + n) to `value` (truncated to an integer for int64 buffers). */
export function fill(out: Buf, off: number, n: number, value: number): void {
  const data = elements(out);
  data.fill(out.dtype === 'int64' ? truncToInt32(value) : value, off, off + n);
}

/** Strided copy between buffers of one dtype; see Backend.copy. */
export function copy(
  shape: readonly number[],
  dst: Buf, dstOff: number, dstStrides: readonly number[],
  src: Buf, srcOff: number, srcStrides: readonly number[],
): void {
  const loop = simplifyLoop(shape, [dstStrides, srcStrides]);
  if (loop === null) return;
  const d = elements(dst);
  const s = elements(src);
  const rank = loop.shape.length;
  const n = loop.shape[rank - 1];
  const ds = loop.strides[0][rank - 1];
  const ss = loop.strides[1][rank - 1];
  forEachRow(loop, [dstOff, srcOff], ([di, si]) => {
    if (ds === 1 && ss === 1) {
      d.set(s.subarray(si, si + n), di);
      return;
    }
    for (let j = 0; j < n; j++, di += ds, si += ss) d[di] = s[si];
  });
}

/**
 * Contiguous conversion of n elements. float32 -> int64 truncates toward zero and saturates to the
 * int32 range of the storage (NaN -> 0, as WebAssembly's i32.trunc_sat_f32_s); int64 -> float32 rounds.
 */
export function cast(dst: Buf, dstOff: number, src: Buf, srcOff: number, n: number): void {
  if (dst.dtype === src.dtype) {
    elements(dst).set(elements(src).subarray(srcOff, srcOff + n), dstOff);
    return;
  }
  if (dst.dtype === 'float32') {
    const d = f32(dst);
    const s = i32(src);
    for (let j = 0; j < n; j++) d[dstOff + j] = s[srcOff + j];
    return;
  }
  const d = i32(dst);
  const s = f32(src);
  for (let j = 0; j < n; j++) d[dstOff + j] = truncToInt32(s[srcOff + j]);
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** Truncation toward zero, saturated to int32, NaN -> 0. */
export function truncToInt32(x: number): number {
  if (x !== x) return 0;
  if (x <= INT32_MIN) return INT32_MIN;
  if (x >= INT32_MAX) return INT32_MAX;
  return Math.trunc(x);
}
