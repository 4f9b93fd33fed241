// The strided-iteration area ("meta") shared by copy, binary and where.
//
// meta is a byte address of 12 slots of MAX_RANK i32 each (META_BYTES in all), 4-byte aligned:
//   slot 0           shape (rank entries)
//   slot 1 + k       operand k's strides in elements (operand 0 is the destination; kernels whose output is
//                    contiguous fill slot 1 themselves, the caller writes only the input slots)
//   slot 5           collapsed shape            (kernel work area)
//   slot 6 + k       collapsed strides of operand k
//   slot 10          row counters
//   slot 11          running element offset of operand k at entry k
// Kernels collapse the shape first: size-1 dims are dropped and neighbouring dims merge when every operand
// is linear across them, so contiguous, row-broadcast and scalar-broadcast cases reach the innermost loop
// as one long row with strides 0 or 1.

export const MAX_RANK: i32 = 64;
export const META_BYTES: i32 = 12 * MAX_RANK * 4;

const SHAPE = 0;
const STRIDES = 1;
const CSHAPE = 5;
const CSTRIDES = 6;
const COUNTERS = 10;
const OFFSETS = 11;

// @ts-ignore: decorator
@inline function at(meta: usize, slot: i32, i: i32): usize {
  return meta + ((<usize>(slot * MAX_RANK + i)) << 2);
}

/** Writes the contiguous (row-major) strides of slot 0's shape into operand k's stride slot. */
export function contiguousStrides(meta: usize, rank: i32, k: i32): void {
  let s = 1;
  for (let d = rank - 1; d >= 0; d--) {
    store<i32>(at(meta, STRIDES + k, d), s);
    s *= load<i32>(at(meta, SHAPE, d));
  }
}

/**
 * Collapses shape and the strides of operands [0, nops) into the work slots and zeroes counters and offsets.
 * Returns the collapsed rank (0 means a single element), or -1 when the shape holds no element.
 */
export function collapse(meta: usize, rank: i32, nops: i32): i32 {
  let r = 0;
  for (let d = 0; d < rank; d++) {
    const size = load<i32>(at(meta, SHAPE, d));
    if (size == 0) return -1;
    if (size == 1) continue;
    if (r > 0) {
      let linear = true;
      for (let k = 0; k < nops; k++) {
        const inner = load<i32>(at(meta, STRIDES + k, d));
        if (load<i32>(at(meta, CSTRIDES + k, r - 1)) != inner * size) { linear = false; break; }
      }
      if (linear) {
        store<i32>(at(meta, CSHAPE, r - 1), load<i32>(at(meta, CSHAPE, r - 1)) * size);
        for (let k = 0; k < nops; k++) {
          store<i32>(at(meta, CSTRIDES + k, r - 1), load<i32>(at(meta, STRIDES + k, d)));
        }
        continue;
      }
    }
    store<i32>(at(meta, CSHAPE, r), size);
    for (let k = 0; k < nops; k++) store<i32>(at(meta, CSTRIDES + k, r), load<i32>(at(meta, STRIDES + k, d)));
    r++;
  }
  for (let d = 0; d < r; d++) store<i32>(at(meta, COUNTERS, d), 0);
  for (let k = 0; k < nops; k++) store<i32>(at(meta, OFFSETS, k), 0);
  return r;
}

/** Length of the innermost collapsed row (1 for rank 0). */
// @ts-ignore: decorator
@inline export function rowLength(meta: usize, r: i32): i32 {
  return r > 0 ? load<i32>(at(meta, CSHAPE, r - 1)) : 1;
}

/** Innermost collapsed stride of operand k (0 for rank 0). */
// @ts-ignore: decorator
@inline export function rowStride(meta: usize, r: i32, k: i32): i32 {
  return r > 0 ? load<i32>(at(meta, CSTRIDES + k, r - 1)) : 0;
}

/** Size of collapsed dim d. */
// @ts-ignore: decorator
@inline export function dimSize(meta: usize, d: i32): i32 {
  return load<i32>(at(meta, CSHAPE, d));
}

/** Collapsed stride of operand k along dim d. */
// @ts-ignore: decorator
@inline export function dimStride(meta: usize, k: i32, d: i32): i32 {
  return load<i32>(at(meta, CSTRIDES + k, d));
}

/** Byte address of operand k's current row, given its base address. */
// @ts-ignore: decorator
@inline export function rowAddress(meta: usize, k: i32, base: usize): usize {
  return base + (<usize>load<i32>(at(meta, OFFSETS, k)) << 2);
}

/**
 * Steps the counters of the outer dims [0, r-1) to the next row; returns false after the last row. Passing
 * r − 1 for a collapsed rank r steps over [0, r-2) instead, for kernels that walk the last two dims as tiles.
 */
export function nextRow(meta: usize, r: i32, nops: i32): bool {
  for (let d = r - 2; d >= 0; d--) {
    const c = load<i32>(at(meta, COUNTERS, d)) + 1;
    if (c < load<i32>(at(meta, CSHAPE, d))) {
      store<i32>(at(meta, COUNTERS, d), c);
      for (let k = 0; k < nops; k++) {
        store<i32>(at(meta, OFFSETS, k), load<i32>(at(meta, OFFSETS, k)) + load<i32>(at(meta, CSTRIDES + k, d)));
      }
      return true;
    }
    store<i32>(at(meta, COUNTERS, d), 0);
    for (let k = 0; k < nops; k++) {
      const back = load<i32>(at(meta, CSTRIDES + k, d)) * (c - 1);
      store<i32>(at(meta, OFFSETS, k), load<i32>(at(meta, OFFSETS, k)) - back);
    }
  }
  return false;
}
