import type { Buf } from '../types.js';
import { elements, f32, i32 } from './buffer.js';

/** out[o, j, i] = x[o, index[o, j, i], i]; x [outer, n, inner], index and out [outer, k, inner]. */
export function gather(out: Buf, outOff: number, x: Buf, xOff: number, index: Buf, indexOff: number,
  outer: number, n: number, k: number, inner: number): void {
  const o = elements(out);
  const v = elements(x);
  const ix = i32(index);
  for (let r = 0; r < outer; r++) {
    const xBlock = xOff + r * n * inner;
    for (let j = 0; j < k; j++) {
      const pos = (r * k + j) * inner;
      for (let i = 0; i < inner; i++) o[outOff + pos + i] = v[xBlock + ix[indexOff + pos + i] * inner + i];
    }
  }
}

/** The adjoint of gather: out[o, index[o, j, i], i] += src[o, j, i]; out [outer, n, inner] (float32). */
export function scatterAdd(out: Buf, outOff: number, src: Buf, srcOff: number, index: Buf, indexOff: number,
  outer: number, n: number, k: number, inner: number): void {
  const o = f32(out);
  const s = f32(src);
  const ix = i32(index);
  for (let r = 0; r < outer; r++) {
    const outBlock = outOff + r * n * inner;
    for (let j = 0; j < k; j++) {
      const pos = (r * k + j) * inner;
      for (let i = 0; i < inner; i++) o[outBlock + ix[indexOff + pos + i] * inner + i] += s[srcOff + pos + i];
    }
  }
}

/** out[r, :] = x[index[r], :] for r < count, rows of rowLen elements of either dtype. */
export function indexSelect(out: Buf, outOff: number, x: Buf, xOff: number, index: Buf, indexOff: number,
  count: number, rowLen: number): void {
  const o = elements(out);
  const v = elements(x);
  const ix = i32(index);
  if (rowLen === 1) {
    for (let r = 0; r < count; r++) o[outOff + r] = v[xOff + ix[indexOff + r]];
    return;
  }
  for (let r = 0; r < count; r++) {
    const from = xOff + ix[indexOff + r] * rowLen;
    o.set(v.subarray(from, from + rowLen), outOff + r * rowLen);
  }
}

/** out[index[r], :] += src[r, :] for r < count (float32); repeated indices accumulate in order. */
export function indexAdd(out: Buf, outOff: number, src: Buf, srcOff: number, index: Buf, indexOff: number,
  count: number, rowLen: number): void {
  const o = f32(out);
  const s = f32(src);
  const ix = i32(index);
  for (let r = 0; r < count; r++) {
    const to = outOff + ix[indexOff + r] * rowLen;
    const from = srcOff + r * rowLen;
    for (let c = 0; c < rowLen; c++) o[to + c] += s[from + c];
  }
}
