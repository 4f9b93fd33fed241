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

/** Splits `(...shape, options?)` varargs. */
function shapeAndOptions(args: unknown[], op: string): [number[], CreateOptions] {
  const last = args[args.length - 1];
  const options = args.length > 0 && isOptions(last) ? (last as CreateOptions) : {};
  const sizes = options === last ? args.slice(0, -1) : args;
  return [parseShape(sizes, op), options];
}

function checkDtype(dtype: unknown, op: string): DType {
  if (dtype === undefined) return 'float32';
  if (dtype !== 'float32' && dtype !== 'int64') throw new Error(`${op}: unknown dtype ${String(dtype)}; expected 'float32' or 'int64'`);
  return dtype;
}

function finish(t: Tensor, options: CreateOptions, op: string): Tensor {
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

export function tensor(data: Nested | Tensor, options: CreateOptions = {}): Tensor {
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
  return finish(fullTensor(shape, value, checkDtype(options.dtype, op)), options, op);
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

export function full(shape: number[] | number, value: number, options: CreateOptions = {}): Tensor {
  if (typeof value !== 'number') throw new Error(`full: fill value must be a number, got ${typeof value}`);
  const dims = parseShape(Array.isArray(shape) ? [shape] : [shape], 'full');
  return finish(fullTensor(dims, value, checkDtype(options.dtype, 'full')), options, 'full');
}

export function zerosLike(t: Tensor, options: CreateOptions = {}): Tensor {
  return finish(fullTensor(t.shape, 0, options.dtype ?? t.dtype, t.storage.backend), options, 'zerosLike');
}

export function onesLike(t: Tensor, options: CreateOptions = {}): Tensor {
  return finish(fullTensor(t.shape, 1, options.dtype ?? t.dtype, t.storage.backend), options, 'onesLike');
}

export function eye(n: number, m: number | CreateOptions = n, options: CreateOptions = {}): Tensor {
  const cols = typeof m === 'number' ? m : n;
  const opts = typeof m === 'number' ? options : m;
  const [rows, c] = parseShape([n, cols], 'eye');
  const values = new Float32Array(rows * c);
  for (let i = 0; i < Math.min(rows, c); i++) values[i * c + i] = 1;
  return finish(fromValues([rows, c], values, checkDtype(opts.dtype, 'eye')), opts, 'eye');
}

/** arange(end) / arange(start, end, step?), with a trailing options object. */
export function arange(...args: unknown[]): Tensor {
  const options = args.length > 0 && isOptions(args[args.length - 1]) ? (args.pop() as CreateOptions) : {};
  const nums = args as number[];
  if (nums.length < 1 || nums.length > 3 || nums.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
    throw new Error(`arange: expected (end), (start, end) or (start, end, step) as finite numbers, got (${nums.join(', ')})`);
  }
  const [start, end, step] = nums.length === 1 ? [0, nums[0], 1] : [nums[0], nums[1], nums[2] ?? 1];
  if (step === 0) throw new Error('arange: step must be non-zero');
  const count = Math.max(0, Math.ceil((end - start) / step));
  const values = Array.from({ length: count }, (_, i) => start + i * step);
  const integral = nums.every((x) => Number.isInteger(x));
  const dtype = options.dtype ?? (integral ? 'int64' : 'float32');
  return finish(fromValues([count], values, checkDtype(dtype, 'arange')), options, 'arange');
}

export function rand(...args: unknown[]): Tensor {
  const [shape, options] = shapeAndOptions(args, 'rand');
  return finish(fromValues(shape, defaultGenerator.uniform(numelOf(shape)), 'float32'), options, 'rand');
}

export function randn(...args: unknown[]): Tensor {
  const [shape, options] = shapeAndOptions(args, 'randn');
  return finish(fromValues(shape, defaultGenerator.normal(numelOf(shape)), 'float32'), options, 'randn');
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
    throw new Error(`randint: expected integers low < high, got low=${lo}, high=${hi}`);
  }
  if (!Array.isArray(dims)) throw new Error('randint: expected a shape array, e.g. randint(0, 10, [3])');
  const parsed = parseShape([dims], 'randint');
  const dtype = checkDtype(options.dtype ?? 'int64', 'randint');
  return finish(fromValues(parsed, defaultGenerator.randint(lo, hi, numelOf(parsed)), dtype), options, 'randint');
}

export function randperm(n: number): Tensor {
  const [size] = parseShape([n], 'randperm');
  return fromValues([size], defaultGenerator.randperm(size), 'int64');
}

export function manualSeed(seed: number): void {
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new Error(`manualSeed: seed must be a finite number, got ${String(seed)}`);
  defaultGenerator.manualSeed(seed);
}

export { shapeStr, currentBackend };
