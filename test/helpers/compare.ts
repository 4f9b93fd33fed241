/**
 * Tensor comparison within float32 tolerance. NaN equals NaN and infinities equal infinities of the same
 * sign; otherwise |actual - expected| <= atol + rtol * |expected|. Failures throw an Error that names the
 * label, the shapes, and the first mismatching elements with their multi-index, so a failing fixture case
 * says exactly what differs.
 */
import { decodeValues, type FixtureTensor, type Tensor, type Tolerance } from './fixtures';

export const FLOAT32_TOL: Tolerance = { rtol: 1e-5, atol: 1e-6 };

export function closeEnough(actual: number, expected: number, tol: Tolerance): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  if (!Number.isFinite(expected)) return actual === expected;
  if (!Number.isFinite(actual)) return false;
  return Math.abs(actual - expected) <= tol.atol + tol.rtol * Math.abs(expected);
}

function multiIndex(flat: number, shape: number[]): number[] {
  const idx: number[] = new Array(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = flat % shape[d];
    flat = Math.floor(flat / shape[d]);
  }
  return idx;
}

function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Compares flat value arrays of the given shape; returns a description of the mismatch or null. */
export function describeMismatch(
  actual: ArrayLike<number>, expected: number[], shape: number[], tol: Tolerance, limit = 4,
): string | null {
  if (actual.length !== expected.length) {
    return `has ${actual.length} values, expected ${expected.length}`;
  }
  const bad: string[] = [];
  let count = 0;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    if (closeEnough(actual[i], expected[i], tol)) continue;
    count++;
    const err = Math.abs(actual[i] - expected[i]);
    if (Number.isFinite(err)) worst = Math.max(worst, err);
    if (bad.length < limit) bad.push(`at ${fmtShape(multiIndex(i, shape))} got ${actual[i]} expected ${expected[i]}`);
  }
  if (count === 0) return null;
  return `${count}/${expected.length} values differ (max finite abs err ${worst.toExponential(2)}, rtol ${tol.rtol}, ` +
    `atol ${tol.atol}): ${bad.join('; ')}`;
}

/** Throws unless `actual` has the expected shape, dtype (when given) and values within `tol`. */
export function expectTensorClose(
  actual: Tensor | null | undefined, expected: FixtureTensor, label: string, tol: Tolerance = FLOAT32_TOL,
): void {
  if (actual === null || actual === undefined) {
    throw new Error(`${label}: got ${actual}, expected a tensor of shape ${fmtShape(expected.shape)}`);
  }
  const shape = [...actual.shape];
  if (fmtShape(shape) !== fmtShape(expected.shape)) {
    throw new Error(`${label}: shape ${fmtShape(shape)}, expected ${fmtShape(expected.shape)}`);
  }
  if (expected.dtype !== undefined && actual.dtype !== expected.dtype) {
    throw new Error(`${label}: dtype ${actual.dtype}, expected ${expected.dtype}`);
  }
  const exact = expected.dtype === 'int64' ? { rtol: 0, atol: 0 } : tol;
  const mismatch = describeMismatch(actual.toArray(), decodeValues(expected.values), shape, exact);
  if (mismatch !== null) throw new Error(`${label} (shape ${fmtShape(shape)}): ${mismatch}`);
}

/** expectTensorClose against plain nested/flat numbers (for hand-written tests). */
export function expectValues(
  actual: Tensor, shape: number[], values: number[], label = 'tensor', tol: Tolerance = FLOAT32_TOL,
): void {
  expectTensorClose(actual, { shape, values }, label, tol);
}
