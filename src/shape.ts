/** Shape arithmetic shared by every op: validation, broadcasting, strides. Pure functions on number arrays. */

export type Shape = readonly number[];

export function shapeStr(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function numelOf(shape: Shape): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

/** The product of shape[start..end) (1 for an empty range), without slicing. */
export function numelBetween(shape: Shape, start: number, end: number = shape.length): number {
  let n = 1;
  for (let i = start; i < end; i++) n *= shape[i];
  return n;
}

export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Checks one size is a non-negative integer; `what` names the op and argument for the message. */
export function checkSize(size: unknown, op: string): number {
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) {
    throw new Error(`${op}: sizes must be non-negative integers, got ${String(size)}`);
  }
  return size;
}

/**
 * Shapes may come as varargs (`zeros(2, 3)`) or one array (`zeros([2, 3])`); a trailing options object is
 * split off by the caller. Validates every size.
 */
export function parseShape(args: readonly unknown[], op: string): number[] {
  const list = args.length === 1 && Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
  return list.map((s) => checkSize(s, op));
}

/** Normalises a possibly negative dim for a tensor of `rank` dims (rank 0 accepts -1 and 0 as PyTorch does). */
export function normDim(dim: unknown, rank: number, op: string): number {
  const r = Math.max(rank, 1);
  if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < -r || dim >= r) {
    throw new Error(`${op}: dimension out of range (expected to be in range of [${-r}, ${r - 1}], but got ${String(dim)})`);
  }
  return dim < 0 ? dim + r : dim;
}

export function broadcastShapes(a: Shape, b: Shape, op: string): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
    const db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(
        `${op}: shapes ${shapeStr(a)} and ${shapeStr(b)} cannot be broadcast together (size ${da} vs ${db} at dimension ${i})`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Whether `shape` broadcasts to exactly `target` (rank at most target's, each aligned dim 1 or equal): the
 * case where broadcastShapes(shape, target) would return `target` itself, tested without allocating.
 */
export function broadcastsTo(shape: Shape, target: Shape): boolean {
  const lead = target.length - shape.length;
  if (lead < 0) return false;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (d !== 1 && d !== target[lead + i]) return false;
  }
  return true;
}

/** Strides that read a tensor of `shape`/`strides` as if it had the broadcast shape `target` (0 on stretched dims). */
export function broadcastStrides(shape: Shape, strides: Shape, target: Shape): number[] {
  const out = new Array<number>(target.length).fill(0);
  const lead = target.length - shape.length;
  for (let i = 0; i < shape.length; i++) {
    out[lead + i] = shape[i] === 1 && target[lead + i] !== 1 ? 0 : strides[i];
  }
  return out;
}

/** Resolves one -1 in a view/reshape target and checks the element count. */
export function inferShape(target: Shape, numel: number, from: Shape, op: string): number[] {
  let infer = -1;
  let known = 1;
  const out = target.slice();
  for (let i = 0; i < out.length; i++) {
    const d = out[i];
    if (d === -1) {
      if (infer >= 0) throw new Error(`${op}: only one dimension can be inferred (-1), got shape ${shapeStr(target)}`);
      infer = i;
    } else {
      if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
        throw new Error(`${op}: invalid size ${String(d)} in shape ${shapeStr(target)}; sizes must be non-negative integers or -1`);
      }
      known *= d;
    }
  }
  if (infer >= 0) {
    if (known === 0 || numel % known !== 0) {
      throw new Error(`${op}: shape ${shapeStr(target)} is invalid for input of size ${numel} (input shape ${shapeStr(from)})`);
    }
    out[infer] = numel / known;
  } else if (known !== numel) {
    throw new Error(`${op}: shape ${shapeStr(target)} is invalid for input of size ${numel} (input shape ${shapeStr(from)})`);
  }
  return out;
}
