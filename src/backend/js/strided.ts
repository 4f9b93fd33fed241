/**
 * Iteration over strided n-d index spaces shared by several operands (copy, binary, where).
 *
 * A loop is first simplified: size-1 dims are dropped and neighbouring dims that every operand walks
 * contiguously (stride[d] == stride[d+1] * shape[d+1]) are merged, so contiguous same-shape operands
 * become one flat row. The remaining loop is walked row by row with an odometer over the outer dims;
 * the caller's row kernel runs the innermost dim.
 */

/** A simplified loop: `shape` has rank >= 1 and `strides[t]` are operand t's strides over it. */
export interface StridedLoop {
  readonly shape: number[];
  readonly strides: number[][];
}

/** Contiguous (row-major) strides of `shape`. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = step;
    step *= shape[d];
  }
  return strides;
}

/** Number of elements of `shape` (1 for rank 0). */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const size of shape) n *= size;
  return n;
}

/** Drops size-1 dims and merges dims that all operands walk contiguously; null when the loop is empty. */
export function simplifyLoop(shape: readonly number[], strides: readonly (readonly number[])[]): StridedLoop | null {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d];
    if (size === 0) return null;
    if (size === 1) continue;
    const last = outShape.length - 1;
    const mergeable =
      last >= 0 && strides.every((s, t) => outStrides[t][last] === s[d] * size);
    if (mergeable) {
      outShape[last] *= size;
      for (let t = 0; t < strides.length; t++) outStrides[t][last] = strides[t][d];
    } else {
      outShape.push(size);
      for (let t = 0; t < strides.length; t++) outStrides[t].push(strides[t][d]);
    }
  }
  if (outShape.length === 0) {
    outShape.push(1);
    for (const s of outStrides) s.push(0);
  }
  return { shape: outShape, strides: outStrides };
}

/**
 * Calls `row(offsets)` once per innermost row of `loop`, with `offsets[t]` the element offset of operand t
 * at the row's start (beginning from `starts`). The row has `loop.shape[rank-1]` elements and operand t
 * advances by `loop.strides[t][rank-1]` along it. `offsets` is reused between calls: read, don't keep.
 */
export function forEachRow(loop: StridedLoop, starts: readonly number[], row: (offsets: number[]) => void): void {
  const { shape, strides } = loop;
  const outerRank = shape.length - 1;
  const operands = strides.length;
  const offsets = starts.slice();
  const counter = new Array<number>(outerRank).fill(0);
  for (;;) {
    row(offsets);
    let d = outerRank - 1;
    for (; d >= 0; d--) {
      counter[d]++;
      if (counter[d] < shape[d]) {
        for (let t = 0; t < operands; t++) offsets[t] += strides[t][d];
        break;
      }
      counter[d] = 0;
      for (let t = 0; t < operands; t++) offsets[t] -= strides[t][d] * (shape[d] - 1);
    }
    if (d < 0) return;
  }
}
