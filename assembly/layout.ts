// Fill, strided copy and dtype casts. All buffers hold 4-byte elements (float32, or int64 stored as int32).
import { collapse, dimSize, dimStride, nextRow, rowAddress, rowLength, rowStride } from './strided';

/** out[0, n) = value (f32). Any alignment; SIMD body, scalar tail. */
export function fillF32(out: usize, n: i32, value: f32): void {
  fill32(out, n, f32x4.splat(value));
}

/** out[0, n) = value (i32). */
export function fillI32(out: usize, n: i32, value: i32): void {
  fill32(out, n, i32x4.splat(value));
}

// @ts-ignore: decorator
@inline function fill32(out: usize, n: i32, v: v128): void {
  const end = out + (<usize>n << 2);
  let p = out;
  for (; p + 16 <= end; p += 16) v128.store(p, v);
  const s = i32x4.extract_lane(v, 0);
  for (; p < end; p += 4) store<i32>(p, s);
}

/**
 * Strided copy of 4-byte elements: dst[i·dstStrides] = src[i·srcStrides] for every index i of the shape.
 * meta (see strided.ts): slot 0 shape, slot 1 dst strides, slot 2 src strides. dst and src are byte addresses
 * of element 0. Rows that are contiguous on both sides move with memory.copy.
 */
export function copy(meta: usize, rank: i32, dst: usize, src: usize): void {
  const r = collapse(meta, rank, 2);
  if (r < 0) return;
  const n = rowLength(meta, r);
  const sd = rowStride(meta, r, 0);
  const ss = rowStride(meta, r, 1);
  if (r >= 2 && sd == 1 && ss != 0 && abs(dimStride(meta, 1, r - 2)) < abs(ss)) {
    // a transpose-like copy: the source runs along the second-last dim, so walk both dims in tiles
    const rows = dimSize(meta, r - 2);
    const dRow = dimStride(meta, 0, r - 2);
    const sRow = dimStride(meta, 1, r - 2);
    do {
      copyTiles(rowAddress(meta, 0, dst), dRow, rowAddress(meta, 1, src), sRow, ss, rows, n);
    } while (nextRow(meta, r - 1, 2));
    return;
  }
  do {
    const d = rowAddress(meta, 0, dst);
    const s = rowAddress(meta, 1, src);
    if (sd == 1 && ss == 1) memory.copy(d, s, <usize>n << 2);
    else if (sd == 1 && ss == 0) fill32(d, n, v128.load32_splat(s));
    else copyStrided(d, sd, s, ss, n);
  } while (nextRow(meta, r, 2));
}

// @ts-ignore: decorator
@inline function copyStrided(d: usize, sd: i32, s: usize, ss: i32, n: i32): void {
  const db = <usize>(sd << 2);
  const sb = <usize>(ss << 2);
  for (let i = 0; i < n; i++) {
    store<i32>(d, load<i32>(s));
    d += db;
    s += sb;
  }
}

// @ts-ignore: decorator
@inline const TILE = 8;

/**
 * dst[i·dRow + j] = src[i·sRow + j·sCol] for i < rows, j < cols, in TILE×TILE blocks so that both the
 * destination rows and the source columns of a block stay in L1.
 */
function copyTiles(d: usize, dRow: i32, s: usize, sRow: i32, sCol: i32, rows: i32, cols: i32): void {
  const colBytes = <usize>(sCol << 2);
  for (let i0 = 0; i0 < rows; i0 += TILE) {
    const i1 = min(i0 + TILE, rows);
    for (let j0 = 0; j0 < cols; j0 += TILE) {
      const j1 = min(j0 + TILE, cols);
      for (let i = i0; i < i1; i++) {
        let dp = d + (<usize>(i * dRow + j0) << 2);
        let sp = s + (<usize>(i * sRow + j0 * sCol) << 2);
        for (let j = j0; j < j1; j++) {
          store<i32>(dp, load<i32>(sp));
          dp += 4;
          sp += colBytes;
        }
      }
    }
  }
}

/** dst[i] = trunc(src[i]) for i < n: float32 -> int32, toward zero, saturating (NaN -> 0). */
export function castF32ToI32(dst: usize, src: usize, n: i32): void {
  const nb = <usize>n << 2;
  let i: usize = 0;
  for (; i + 16 <= nb; i += 16) v128.store(dst + i, i32x4.trunc_sat_f32x4_s(v128.load(src + i)));
  for (; i < nb; i += 4) store<i32>(dst + i, <i32>load<f32>(src + i));
}

/** dst[i] = f32(src[i]) for i < n: int32 -> float32, round to nearest. */
export function castI32ToF32(dst: usize, src: usize, n: i32): void {
  const nb = <usize>n << 2;
  let i: usize = 0;
  for (; i + 16 <= nb; i += 16) v128.store(dst + i, f32x4.convert_i32x4_s(v128.load(src + i)));
  for (; i < nb; i += 4) store<f32>(dst + i, <f32>load<i32>(src + i));
}
