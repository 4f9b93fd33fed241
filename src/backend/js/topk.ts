import type { Buf } from '../types.js';
import { f32, i32 } from './buffer.js';

/** Up to this k, a row is scanned once into a sorted top-k list; above it, the whole row is sorted. */
const SELECTION_MAX_K = 64;

/**
 * The k largest (or smallest) of each row of a contiguous [rows, n] block, sorted (descending for
 * largest, ascending for smallest) into contiguous [rows, k] values and indices. NaN ranks above every
 * number, as in PyTorch (first for largest, last for smallest); ties keep the lower index first.
 */
export function topk(values: Buf, valuesOff: number, indices: Buf, indicesOff: number, x: Buf, xOff: number,
  rows: number, n: number, k: number, largest: boolean): void {
  const vals = f32(values);
  const idx = i32(indices);
  const v = f32(x);
  if (k === 0) return;
  const order = new Int32Array(k <= SELECTION_MAX_K ? k : n);
  for (let r = 0; r < rows; r++) {
    const base = xOff + r * n;
    if (k <= SELECTION_MAX_K) selectTop(v, base, n, k, largest, order);
    else sortRow(v, base, n, largest, order);
    for (let j = 0; j < k; j++) {
      vals[valuesOff + r * k + j] = v[base + order[j]];
      idx[indicesOff + r * k + j] = order[j];
    }
  }
}

/** Positive when a ranks above b (NaN above every number), negative when below, 0 when equal. */
function compareRank(a: number, b: number): number {
  const aNaN = a !== a;
  const bNaN = b !== b;
  if (aNaN || bNaN) return (aNaN ? 1 : 0) - (bNaN ? 1 : 0);
  return a > b ? 1 : a < b ? -1 : 0;
}

/**
 * Writes the indices of the k best elements of a row into top[0..k), best first. Elements are visited
 * in index order and only a strictly better one displaces a kept one, so ties keep the lower index first.
 */
function selectTop(v: Float32Array, base: number, n: number, k: number, largest: boolean, top: Int32Array): void {
  const sign = largest ? 1 : -1;
  let count = 0;
  for (let j = 0; j < n; j++) {
    const a = v[base + j];
    if (count === k && sign * compareRank(a, v[base + top[k - 1]]) <= 0) continue;
    // Shift worse entries down one place and insert after the last entry at least as good as a.
    let at = count < k ? count++ : k - 1;
    while (at > 0 && sign * compareRank(a, v[base + top[at - 1]]) > 0) {
      top[at] = top[at - 1];
      at--;
    }
    top[at] = j;
  }
}

/** Sorts all indices of a row into order[0..n), best first, ties by lower index. */
function sortRow(v: Float32Array, base: number, n: number, largest: boolean, order: Int32Array): void {
  for (let j = 0; j < n; j++) order[j] = j;
  order.sort(largest
    ? (p, q) => compareRank(v[base + q], v[base + p]) || p - q
    : (p, q) => compareRank(v[base + p], v[base + q]) || p - q);
}
