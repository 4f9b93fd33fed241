// Index-driven kernels. Index buffers hold int32 values already validated to lie in range.

/**
 * out[o, j, i] = x[o, index[o, j, i], i]. x contiguous [outer, n, inner] (4-byte elements), index and out
 * contiguous [outer, k, inner]; byte addresses.
 */
export function gather(out: usize, x: usize, index: usize, outer: i32, n: i32, k: i32, inner: i32): void {
  const inn = <usize>inner;
  for (let o = 0; o < outer; o++) {
    const xo = x + (<usize>o * <usize>n * inn << 2);
    const base = <usize>o * <usize>k * inn;
    for (let j = 0; j < k; j++) {
      const row = (base + <usize>j * inn) << 2;
      for (let i: usize = 0; i < inn; i++) {
        const t = <usize>load<i32>(index + row + (i << 2));
        store<i32>(out + row + (i << 2), load<i32>(xo + ((t * inn + i) << 2)));
      }
    }
  }
}

/**
 * out[o, index[o, j, i], i] += src[o, j, i] (float32). out contiguous [outer, n, inner], src and index
 * contiguous [outer, k, inner]; repeated indices accumulate in order j = 0, 1, ...
 */
export function scatterAdd(out: usize, src: usize, index: usize, outer: i32, n: i32, k: i32, inner: i32): void {
  const inn = <usize>inner;
  for (let o = 0; o < outer; o++) {
    const oo = out + (<usize>o * <usize>n * inn << 2);
    const base = <usize>o * <usize>k * inn;
    for (let j = 0; j < k; j++) {
      const row = (base + <usize>j * inn) << 2;
      for (let i: usize = 0; i < inn; i++) {
        const t = <usize>load<i32>(index + row + (i << 2));
        const p = oo + ((t * inn + i) << 2);
        store<f32>(p, load<f32>(p) + load<f32>(src + row + (i << 2)));
      }
    }
  }
}

/** out[r, :] = x[index[r], :] for r < count; rows of rowLen 4-byte elements, all contiguous; byte addresses. */
export function indexSelect(out: usize, x: usize, index: usize, count: i32, rowLen: i32): void {
  const rowBytes = <usize>rowLen << 2;
  for (let r = 0; r < count; r++) {
    const t = <usize>load<i32>(index + (<usize>r << 2));
    memory.copy(out + <usize>r * rowBytes, x + t * rowBytes, rowBytes);
  }
}

/** out[index[r], :] += src[r, :] for r < count (float32); repeated indices accumulate in order. */
export function indexAdd(out: usize, src: usize, index: usize, count: i32, rowLen: i32): void {
  const rowBytes = <usize>rowLen << 2;
  for (let r = 0; r < count; r++) {
    const d = out + <usize>load<i32>(index + (<usize>r << 2)) * rowBytes;
    const s = src + <usize>r * rowBytes;
    let i: usize = 0;
    for (; i + 16 <= rowBytes; i += 16) v128.store(d + i, f32x4.add(v128.load(d + i), v128.load(s + i)));
    for (; i < rowBytes; i += 4) store<f32>(d + i, load<f32>(d + i) + load<f32>(s + i));
  }
}

/**
 * Whether (va, ia) ranks before (vb, ib): larger (smaller when !largest) first, NaN ranking above every number
 * as in PyTorch, ties by lower index.
 */
// @ts-ignore: decorator
@inline function before(largest: bool, va: f32, ia: i32, vb: f32, ib: i32): bool {
  const aNaN = va != va;
  const bNaN = vb != vb;
  if (aNaN || bNaN) {
    if (aNaN && bNaN) return ia < ib;
    return largest ? aNaN : bNaN;
  }
  if (va == vb) return ia < ib;
  return largest ? va > vb : va < vb;
}

/** Restores the heap below slot i: every parent ranks after its children (the root is the worst kept). */
// @ts-ignore: decorator
@inline function siftDown(largest: bool, vals: usize, idxs: usize, i: i32, size: i32): void {
  const v = load<f32>(vals + (<usize>i << 2));
  const x = load<i32>(idxs + (<usize>i << 2));
  while (true) {
    const l = 2 * i + 1;
    if (l >= size) break;
    let w = l;
    let wv = load<f32>(vals + (<usize>l << 2));
    let wi = load<i32>(idxs + (<usize>l << 2));
    const r = l + 1;
    if (r < size) {
      const rv = load<f32>(vals + (<usize>r << 2));
      const ri = load<i32>(idxs + (<usize>r << 2));
      if (before(largest, wv, wi, rv, ri)) { w = r; wv = rv; wi = ri; }
    }
    if (!before(largest, v, x, wv, wi)) break;
    store<f32>(vals + (<usize>i << 2), wv);
    store<i32>(idxs + (<usize>i << 2), wi);
    i = w;
  }
  store<f32>(vals + (<usize>i << 2), v);
  store<i32>(idxs + (<usize>i << 2), x);
}

// @ts-ignore: decorator
@inline function topkRow(largest: bool, vals: usize, idxs: usize, x: usize, n: i32, k: i32): void {
  let size = 0;
  for (let j = 0; j < n; j++) {
    const v = load<f32>(x + (<usize>j << 2));
    if (size < k) {
      // sift up: the newcomer climbs while its parent ranks before it
      let i = size++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        const pv = load<f32>(vals + (<usize>p << 2));
        const pi = load<i32>(idxs + (<usize>p << 2));
        if (!before(largest, pv, pi, v, j)) break;
        store<f32>(vals + (<usize>i << 2), pv);
        store<i32>(idxs + (<usize>i << 2), pi);
        i = p;
      }
      store<f32>(vals + (<usize>i << 2), v);
      store<i32>(idxs + (<usize>i << 2), j);
    } else if (before(largest, v, j, load<f32>(vals), load<i32>(idxs))) {
      store<f32>(vals, v);
      store<i32>(idxs, j);
      siftDown(largest, vals, idxs, 0, k);
    }
  }
  // heap sort: the worst moves to the end each round, leaving the best first
  for (let end = k - 1; end > 0; end--) {
    const ev = load<f32>(vals + (<usize>end << 2));
    const ei = load<i32>(idxs + (<usize>end << 2));
    store<f32>(vals + (<usize>end << 2), load<f32>(vals));
    store<i32>(idxs + (<usize>end << 2), load<i32>(idxs));
    store<f32>(vals, ev);
    store<i32>(idxs, ei);
    siftDown(largest, vals, idxs, 0, end);
  }
}

/**
 * The k largest (largest != 0) or smallest of each row of a contiguous [rows, n] float32 block, 0 <= k <= n:
 * values (float32) and indices (int32) contiguous [rows, k], sorted best first, ties by lower index, NaN
 * ranking above every number. The outputs double as the selection heap: O(n log k) per row, no scratch.
 */
export function topk(values: usize, indices: usize, x: usize, rows: i32, n: i32, k: i32, largest: i32): void {
  if (k == 0) return;
  for (let r = 0; r < rows; r++) {
    const vals = values + (<usize>r * <usize>k << 2);
    const idxs = indices + (<usize>r * <usize>k << 2);
    const xr = x + (<usize>r * <usize>n << 2);
    if (largest) topkRow(true, vals, idxs, xr, n, k);
    else topkRow(false, vals, idxs, xr, n, k);
  }
}
