/** Tensor creation: from data, constants, ranges and the seeded random generator. */
import type { DType } from './backend/types.js';
import { Tensor } from './tensor.js';
import { currentBackend } from './runtime.js';
import { emptyTensor, fullTensor, readValues } from './ops/internal.js';
import { defaultGenerator } from './random.js';
import { numelOf, parseShape, shapeStr } from './shape.js';

export interface CreateOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

type Nested = number | boolean | Nested[] | ArrayLike<number>;

function isOptions(x: unknown): x is CreateOptions {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x) && !(x instanceof Tensor);
}

/** Kernels index elements with 32-bit integers, so a tensor holds fewer than 2**31 elements. */
const MAX_NUMEL = 2 ** 31 - 1;

/** Rejects shapes too large for one tensor before any values are generated for them. */
function checkNumel(shape: number[], op: string): number[] {
  const n = numelOf(shape);
  if (n > MAX_NUMEL) {
    throw new Error(`${op}: shape ${shapeStr(shape)} has ${n} elements (${n * 4} bytes); a tensor holds at most 2**31 - 1 elements`);
  }
  return shape;
}

/** Runs an allocation, naming the creation op in an allocation failure. */
function allocating<T>(op: string, make: () => T): T {
  try {
    return make();
  } catch (e) {
    const message = (e as Error).message;
    throw message.startsWith('alloc:') ? new Error(`${op}: ${message}`) : e;
  }
}

/** Splits `(...shape, options?)` varargs. */
function shapeAndOptions(args: unknown[], op: string): [number[], CreateOptions] {
  const last = args[args.length - 1];
  const options = args.length > 0 && isOptions(last) ? (last as CreateOptions) : {};
  const sizes = options === last ? args.slice(0, -1) : args;
  return [checkNumel(parseShape(sizes, op), op), options];
}

/** Random tensors allocate before drawing, so a shape too large fails before any values are generated. */
function generated(shape: number[], dtype: DType, op: string, draw: (n: number) => ArrayLike<number>): Tensor {
  const t = allocating(op, () => emptyTensor(shape, dtype));
  const values = draw(numelOf(shape));
  if (values.length > 0) t.storage.backend.write(t.storage.buf!, 0, values);
  return t;
}

function checkLike(t: unknown, op: string): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new Error(`${op}: input must be a Tensor, got ${t === null ? 'null' : typeof t}`);
}

function checkDtype(dtype: unknown, op: string): DType {
  if (dtype === undefined) return 'float32';
  if (dtype !== 'float32' && dtype !== 'int64') throw new Error(`${op}: unknown dtype ${String(dtype)}; expected 'float32' or 'int64'`);
  return dtype;
}

/** An options argument: absent (undefined or null) or a plain object. */
function optionsOf(options: unknown, op: string): CreateOptions {
  if (options == null) return {};
  if (!isOptions(options)) {
    throw new Error(`${op}: expected an options object { dtype?, requiresGrad? }, got ${Array.isArray(options) ? 'an array' : typeof options}`);
  }
  return options;
}

function finish(t: Tensor, options: CreateOptions, op: string): Tensor {
  if (options.requiresGrad !== undefined && typeof options.requiresGrad !== 'boolean') {
    throw new Error(`${op}: requiresGrad must be true or false, got ${typeof options.requiresGrad}`);
  }
  if (options.requiresGrad) {
    if (t.dtype !== 'float32') throw new Error(`${op}: only float32 tensors can require gradients (got dtype ${t.dtype})`);
    t.requiresGrad_(true);
  }
  return t;
}

/** Shape and flat values of nested arrays, checking they are rectangular and numeric. */
function flatten(data: Nested, op: string): [number[], number[]] {
  const shape: number[] = [];
  let probe: unknown = data;
  while (Array.isArray(probe) || ArrayBuffer.isView(probe)) {
    const arr = probe as ArrayLike<unknown>;
    shape.push(arr.length);
    if (arr.length === 0) break;
    probe = arr[0];
  }
  const values: number[] = [];
  const walk = (node: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof node === 'boolean') values.push(node ? 1 : 0);
      else if (typeof node === 'number') values.push(node);
      else throw new Error(`${op}: expected a number at ${path || 'the top level'}, got ${node === null ? 'null' : typeof node}`);
      return;
    }
    if (!Array.isArray(node) && !ArrayBuffer.isView(node)) {
      throw new Error(`${op}: expected a sequence of length ${shape[depth]} at ${path || 'the top level'} (nested data must be rectangular), got ${typeof node}`);
    }
    const arr = node as ArrayLike<unknown>;
    if (arr.length !== shape[depth]) {
      throw new Error(`${op}: expected a sequence of length ${shape[depth]} at dimension ${depth}${path ? ` (${path})` : ''}, got length ${arr.length}; nested data must be rectangular`);
    }
    for (let i = 0; i < arr.length; i++) walk(arr[i], depth + 1, `${path}[${i}]`);
  };
  walk(data, 0, '');
  return [shape, values];
}

export function fromValues(shape: number[], values: ArrayLike<number>, dtype: DType): Tensor {
  if (dtype === 'int64') {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
        throw new Error(`tensor: int64 values must be integers in the 32-bit range, got ${v} at flat index ${i}`);
      }
    }
  }
  const t = emptyTensor(shape, dtype);
  if (values.length > 0) t.storage.backend.write(t.storage.buf!, 0, values);
  return t;
}

export function tensor(data: Nested | Tensor, opts?: CreateOptions): Tensor {
  const options = optionsOf(opts, 'tensor');
  if (data instanceof Tensor) {
    const dtype = options.dtype ?? data.dtype;
    return finish(fromValues(data.shape.slice(), readValues(data, 'tensor'), checkDtype(dtype, 'tensor')), options, 'tensor');
  }
  const defaultDtype: DType = data instanceof Int32Array ? 'int64' : 'float32';
  const dtype = options.dtype === undefined ? defaultDtype : checkDtype(options.dtype, 'tensor');
  if (ArrayBuffer.isView(data)) return finish(fromValues([(data as ArrayLike<number>).length], data as ArrayLike<number>, dtype), options, 'tensor');
  const [shape, values] = flatten(data, 'tensor');
  return finish(fromValues(shape, values, dtype), options, 'tensor');
}

/** `torch.Tensor(data)`: float32, like Python's `torch.Tensor(list)`; with sizes, an uninitialised tensor. */
export function FloatTensor(data: Nested | number, ...rest: number[]): Tensor {
  if (typeof data === 'number') return zeros(data, ...rest);
  return tensor(data, { dtype: 'float32' });
}

export function LongTensor(data: Nested): Tensor {
  return tensor(data, { dtype: 'int64' });
}

function constant(args: unknown[], value: number, op: string): Tensor {
  const [shape, options] = shapeAndOptions(args, op);
  const dtype = checkDtype(options.dtype, op);
  return finish(allocating(op, () => fullTensor(shape, value, dtype)), options, op);
}

export function zeros(...args: unknown[]): Tensor {
  return constant(args, 0, 'zeros');
}

export function ones(...args: unknown[]): Tensor {
  return constant(args, 1, 'ones');
}

export function empty(...args: unknown[]): Tensor {
  return constant(args, 0, 'empty');
}

export function full(shape: number[] | number, value: number, opts?: CreateOptions): Tensor {
  const options = optionsOf(opts, 'full');
  if (typeof value !== 'number') throw new Error(`full: fill value must be a number, got ${typeof value}`);
  const dims = checkNumel(parseShape(Array.isArray(shape) ? [shape] : [shape], 'full'), 'full');
  const dtype = checkDtype(options.dtype, 'full');
  return finish(allocating('full', () => fullTensor(dims, value, dtype)), options, 'full');
}

export function zerosLike(t: Tensor, opts?: CreateOptions): Tensor {
  checkLike(t, 'zerosLike');
  const options = optionsOf(opts, 'zerosLike');
  return finish(fullTensor(t.shape, 0, checkDtype(options.dtype ?? t.dtype, 'zerosLike'), t.storage.backend), options, 'zerosLike');
}

export function onesLike(t: Tensor, opts?: CreateOptions): Tensor {
  checkLike(t, 'onesLike');
  const options = optionsOf(opts, 'onesLike');
  return finish(fullTensor(t.shape, 1, checkDtype(options.dtype ?? t.dtype, 'onesLike'), t.storage.backend), options, 'onesLike');
}

export function eye(n: number, m: number | CreateOptions = n, options: CreateOptions = {}): Tensor {
  const cols = typeof m === 'number' ? m : n;
  const opts = optionsOf(typeof m === 'number' ? options : m, 'eye');
  const [rows, c] = checkNumel(parseShape([n, cols], 'eye'), 'eye');
  const dtype = checkDtype(opts.dtype, 'eye');
  const t = allocating('eye', () => fullTensor([rows, c], 0, dtype));
  for (let i = 0; i < Math.min(rows, c); i++) t.storage.backend.writeScalar(t.storage.buf!, i * c + i, 1);
  return finish(t, opts, 'eye');
}

/** arange(end) / arange(start, end, step?), with a trailing options object. */
export function arange(...args: unknown[]): Tensor {
  const options = args.length > 0 && isOptions(args[args.length - 1]) ? (args.pop() as CreateOptions) : {};
  const nums = args as number[];
  if (nums.length < 1 || nums.length > 3 || nums.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
    throw new Error(`arange: expected (end), (start, end) or (start, end, step) as finite numbers, got (${nums.map(String).join(', ')})`);
  }
  const [start, end, step] = nums.length === 1 ? [0, nums[0], 1] : [nums[0], nums[1], nums[2] ?? 1];
  if (step === 0) throw new Error('arange: step must be non-zero');
  const count = Math.max(0, Math.ceil((end - start) / step));
  checkNumel([count], 'arange');
  const integral = nums.every((x) => Number.isInteger(x));
  const dtype = checkDtype(options.dtype ?? (integral ? 'int64' : 'float32'), 'arange');
  const last = start + (count - 1) * step;
  if (dtype === 'int64' && count > 0 && (!Number.isInteger(start) || !Number.isInteger(step) || Math.min(start, last) < -2147483648 || Math.max(start, last) > 2147483647)) {
    throw new Error(`arange: int64 values must be integers in the 32-bit range, got start ${start}, step ${step}, last value ${last}`);
  }
  // allocated first and filled in chunks: a size too large fails before any values are built
  const t = allocating('arange', () => emptyTensor([count], dtype));
  const chunk = new Float64Array(Math.min(count, 65536));
  for (let at = 0; at < count; at += chunk.length) {
    const n = Math.min(chunk.length, count - at);
    for (let i = 0; i < n; i++) chunk[i] = start + (at + i) * step;
    t.storage.backend.write(t.storage.buf!, at, n === chunk.length ? chunk : chunk.subarray(0, n));
  }
  return finish(t, options, 'arange');
}

export function rand(...args: unknown[]): Tensor {
  const [shape, options] = shapeAndOptions(args, 'rand');
  return finish(generated(shape, 'float32', 'rand', (n) => defaultGenerator.uniform(n)), options, 'rand');
}

export function randn(...args: unknown[]): Tensor {
  const [shape, options] = shapeAndOptions(args, 'randn');
  return finish(generated(shape, 'float32', 'randn', (n) => defaultGenerator.normal(n)), options, 'randn');
}

export function randint(low: number, high: number | number[], shape?: number[] | CreateOptions, options: CreateOptions = {}): Tensor {
  // randint(high, shape) or randint(low, high, shape)
  let lo = low;
  let hi = high as number;
  let dims = shape as number[];
  if (Array.isArray(high)) {
    lo = 0;
    hi = low;
    dims = high;
    if (shape !== undefined && !Array.isArray(shape)) options = shape;
  }
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi <= lo) {
    throw new Error(`randint: expected integers low < high, got low=${String(lo)}, high=${String(hi)}`);
  }
  if (!Array.isArray(dims)) throw new Error('randint: expected a shape array, e.g. randint(0, 10, [3])');
  const parsed = checkNumel(parseShape([dims], 'randint'), 'randint');
  const opts = optionsOf(options, 'randint');
  const dtype = checkDtype(opts.dtype ?? 'int64', 'randint');
  return finish(generated(parsed, dtype, 'randint', (n) => defaultGenerator.randint(lo, hi, n)), opts, 'randint');
}

export function randperm(n: number): Tensor {
  const [size] = checkNumel(parseShape([n], 'randperm'), 'randperm');
  return generated([size], 'int64', 'randperm', (n) => defaultGenerator.randperm(n));
}

export function manualSeed(seed: number): void {
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new Error(`manualSeed: seed must be a finite number, got ${String(seed)}`);
  defaultGenerator.manualSeed(seed);
}

export { shapeStr, currentBackend };
