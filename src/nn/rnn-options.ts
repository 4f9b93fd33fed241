/**
 * Constructor arguments of the recurrent modules: PyTorch's keyword arguments in camelCase, given as one
 * options object or with the leading sizes positional (`new nn.LSTM(4, 2, { numLayers: 2 })`,
 * `new nn.LSTM(4, 2, 2)`, `new nn.LSTM({ inputSize: 4, hiddenSize: 2, numLayers: 2 })`), validated with
 * errors that name the module. Also the shared input checks and PyTorch's printed forms.
 */
import { Tensor } from '../tensor.js';
import { shapeStr } from '../shape.js';

export type Nonlinearity = 'tanh' | 'relu';

export interface RNNCellBaseOptions {
  inputSize?: number;
  hiddenSize?: number;
  bias?: boolean;
}

export interface RNNCellOptions extends RNNCellBaseOptions {
  nonlinearity?: Nonlinearity;
}

export interface RNNBaseOptions extends RNNCellBaseOptions {
  numLayers?: number;
  batchFirst?: boolean;
  dropout?: number;
  bidirectional?: boolean;
}

export interface RNNOptions extends RNNBaseOptions {
  nonlinearity?: Nonlinearity;
}

type AnyOptions = RNNOptions;

const CELL_KEYS = ['inputSize', 'hiddenSize', 'bias'];
const LAYER_KEYS = [...CELL_KEYS, 'numLayers', 'batchFirst', 'dropout', 'bidirectional'];

export interface CellConfig {
  inputSize: number;
  hiddenSize: number;
  bias: boolean;
  nonlinearity: Nonlinearity;
}

export interface LayerConfig extends CellConfig {
  numLayers: number;
  batchFirst: boolean;
  dropout: number;
  bidirectional: boolean;
}

function isOptions(x: unknown): x is AnyOptions {
  return typeof x === 'object' && x !== null && !(x instanceof Tensor) && !Array.isArray(x);
}

/** Merges positional sizes into the options object, rejecting unknown keys and sizes given twice. */
function collect(module: string, allowed: string[], positional: [string, unknown][], rest: unknown[]): AnyOptions {
  const options: Record<string, unknown> = {};
  let sawObject = false;
  for (const arg of rest) {
    if (arg === undefined) continue;
    if (!isOptions(arg) || sawObject) {
      throw new Error(`${module}: unexpected argument ${describe(arg)}; pass options as one object, e.g. new nn.${module}(4, 2, { ${allowed[2]}: ... })`);
    }
    sawObject = true;
    for (const [key, value] of Object.entries(arg)) {
      if (!allowed.includes(key)) {
        throw new Error(`${module}: unknown option "${key}"; expected one of ${allowed.join(', ')} (options are camelCase)`);
      }
      if (value !== undefined) options[key] = value;
    }
  }
  for (const [key, value] of positional) {
    if (value === undefined) continue;
    if (key in options) throw new Error(`${module}: ${key} is given both positionally and in the options object`);
    options[key] = value;
  }
  return options as AnyOptions;
}

export function describe(x: unknown): string {
  if (x instanceof Tensor) return `a Tensor of shape ${shapeStr(x.shape)}`;
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (typeof x === 'string') return JSON.stringify(x);
  return typeof x === 'object' && x !== null ? 'an object' : String(x);
}

function size(module: string, name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new Error(`${module}: ${name} must be an integer >= ${min}, got ${describe(value)}`);
  }
  return value;
}

function flag(module: string, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new Error(`${module}: ${name} must be true or false, got ${describe(value)}`);
  return value;
}

function nonlinearityOf(module: string, value: unknown): Nonlinearity {
  if (value === undefined) return 'tanh';
  if (value !== 'tanh' && value !== 'relu') {
    throw new Error(`${module}: unknown nonlinearity ${describe(value)}; expected 'tanh' or 'relu'`);
  }
  return value;
}

function required(module: string, options: AnyOptions): [number, number] {
  if (options.inputSize === undefined || options.hiddenSize === undefined) {
    throw new Error(`${module}: inputSize and hiddenSize are required, e.g. new nn.${module}(4, 2) or new nn.${module}({ inputSize: 4, hiddenSize: 2 })`);
  }
  return [size(module, 'inputSize', options.inputSize, 1), size(module, 'hiddenSize', options.hiddenSize, 1)];
}

/** `(inputSize, hiddenSize, options?)` or `(options)` for RNNCell / LSTMCell / GRUCell. */
export function cellConfig(module: string, withNonlinearity: boolean, args: unknown[]): CellConfig {
  const allowed = withNonlinearity ? [...CELL_KEYS, 'nonlinearity'] : CELL_KEYS;
  const [a, b, ...rest] = args;
  const options = isOptions(a)
    ? collect(module, allowed, [], [a, b, ...rest])
    : collect(module, allowed, [['inputSize', a], ['hiddenSize', b]], rest);
  const [inputSize, hiddenSize] = required(module, options);
  return {
    inputSize,
    hiddenSize,
    bias: flag(module, 'bias', options.bias, true),
    nonlinearity: nonlinearityOf(module, options.nonlinearity),
  };
}

/** `(inputSize, hiddenSize, numLayers?, options?)`, `(inputSize, hiddenSize, options?)` or `(options)` for RNN / LSTM / GRU. */
export function layerConfig(module: string, withNonlinearity: boolean, args: unknown[]): LayerConfig {
  const allowed = withNonlinearity ? [...LAYER_KEYS, 'nonlinearity'] : LAYER_KEYS;
  const [a, b, c, ...rest] = args;
  let options: AnyOptions;
  if (isOptions(a)) options = collect(module, allowed, [], [a, b, c, ...rest]);
  else if (isOptions(c) || c === undefined) options = collect(module, allowed, [['inputSize', a], ['hiddenSize', b]], [c, ...rest]);
  else options = collect(module, allowed, [['inputSize', a], ['hiddenSize', b], ['numLayers', c]], rest);
  const [inputSize, hiddenSize] = required(module, options);
  const dropout = options.dropout ?? 0;
  if (typeof dropout !== 'number' || !(dropout >= 0 && dropout <= 1)) {
    throw new Error(`${module}: dropout should be a number in range [0, 1] representing the probability of an element being zeroed, got ${describe(dropout)}`);
  }
  const numLayers = size(module, 'numLayers', options.numLayers ?? 1, 1);
  if (dropout > 0 && numLayers === 1) {
    console.warn(
      `${module}: dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects ` +
        `numLayers greater than 1, but got dropout=${dropout} and numLayers=${numLayers}`,
    );
  }
  return {
    inputSize,
    hiddenSize,
    numLayers,
    bias: flag(module, 'bias', options.bias, true),
    batchFirst: flag(module, 'batchFirst', options.batchFirst, false),
    dropout,
    bidirectional: flag(module, 'bidirectional', options.bidirectional, false),
    nonlinearity: nonlinearityOf(module, options.nonlinearity),
  };
}

// ---- checks shared by the forward passes ----

/** Throws unless `x` is a float32 Tensor; `what` names the argument in the message. */
export function checkTensorArg(module: string, what: string, x: unknown): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${module}: ${what} must be a Tensor, got ${describe(x)}`);
  if (x.dtype !== 'float32') throw new Error(`${module}: ${what} must be float32, got ${x.dtype} (shape ${shapeStr(x.shape)})`);
}

/** Throws unless `x` has exactly `expected` shape; `meaning` spells out the dimensions. */
/** `context` is a function so that the message is only built when the check fails (this runs on every call). */
export function checkShape(module: string, what: string, x: Tensor, expected: number[], meaning: string, context: () => string): void {
  if (x.shape.length !== expected.length || x.shape.some((d, i) => d !== expected[i])) {
    throw new Error(`${module}: expected ${what} of shape ${shapeStr(expected)} (${meaning}) ${context()}, got ${shapeStr(x.shape)}`);
  }
}

// ---- printed forms, as PyTorch's extra_repr ----

function pyBool(b: boolean): string {
  return b ? 'True' : 'False';
}

function pyFloat(x: number): string {
  return Number.isInteger(x) ? x.toFixed(1) : String(x);
}

export function cellRepr(c: { inputSize: number; hiddenSize: number; bias: boolean }, nonlinearity: Nonlinearity = 'tanh'): string {
  let s = `${c.inputSize}, ${c.hiddenSize}`;
  if (!c.bias) s += `, bias=${pyBool(c.bias)}`;
  if (nonlinearity !== 'tanh') s += `, nonlinearity=${nonlinearity}`;
  return s;
}

export function layerRepr(c: Omit<LayerConfig, 'nonlinearity'>): string {
  let s = `${c.inputSize}, ${c.hiddenSize}`;
  if (c.numLayers !== 1) s += `, num_layers=${c.numLayers}`;
  if (!c.bias) s += `, bias=${pyBool(c.bias)}`;
  if (c.batchFirst) s += `, batch_first=${pyBool(c.batchFirst)}`;
  if (c.dropout !== 0) s += `, dropout=${pyFloat(c.dropout)}`;
  if (c.bidirectional) s += `, bidirectional=${pyBool(c.bidirectional)}`;
  return s;
}
