/**
 * Random calls of the public API for the fuzz suite: each call names an entry of the catalogue below and
 * fills its parameters with a valid value of the parameter's kind or with a value from the pool of invalid
 * ones (wrong types, NaN and non-integer sizes, out-of-range dims, int64 or freed tensors, tensors of the
 * other kernel set). Whatever the arguments, a call either succeeds or throws a plain Error naming the
 * operation.
 */
import * as torch from '../../src/index';

type Tensor = torch.Tensor;
const { nn, optim } = torch;
const F = nn.functional;

export type Kind = 'tensor' | 'long' | 'dim' | 'size' | 'index' | 'scalar' | 'shape' | 'dtype' | 'bool' | 'tensors' | 'options';

export interface Entry {
  name: string;
  /** op names an error message may start with (the entry's own name is always accepted) */
  aliases?: string[];
  params: Kind[];
  /** a method: the first parameter is the receiver, always a Tensor (valid, int64, 0-d, freed or foreign) */
  method?: boolean;
  /**
   * run on the WebAssembly backend only: arange(2, 2**31) is a valid request for 2**31 - 2 elements, which
   * WebAssembly's 4 GiB refuses but the pure-JS backend would satisfy (8 GiB), as PyTorch would
   */
  wasmOnly?: boolean;
  call: (args: unknown[]) => unknown;
}

type AnyFn = (...args: unknown[]) => unknown;
const method = (name: string, params: Kind[], aliases?: string[]): Entry => ({
  name, aliases, params: ['tensor', ...params], method: true,
  call: ([self, ...rest]) => ((self as Record<string, AnyFn>)[name] as AnyFn).apply(self, rest),
});
const fn = (name: string, params: Kind[], aliases?: string[]): Entry => ({
  name, aliases, params, call: (args) => ((torch as unknown as Record<string, AnyFn>)[name] as AnyFn)(...args),
});

const REDUCE = ['reshape', 'sum', 'mean'];
/** nn constructors allocate their parameters through creation ops, which name themselves on a size too large */
const MODULE = ['addmm', 'linear', 'matmul', 'mm', 'view', 'add', 'alloc', 'empty'];
const MATMUL = ['matmul', 'mm', 'bmm', 'dot', 'mv', 'reshape', 'expand'];

export const CATALOGUE: Entry[] = [
  ...['add', 'sub', 'mul', 'div', 'pow'].map((n) => method(n, ['tensor', 'options'], ['affine'])),
  ...['eq', 'ne', 'gt', 'lt', 'ge', 'le'].map((n) => method(n, ['tensor'])),
  ...['neg', 'exp', 'log', 'sqrt', 'abs', 'tanh', 'sigmoid', 'relu', 'square', 'contiguous', 'clone', 'detach',
    'float', 'long', 't', 'retainGrad', 'keep', 'zero_', 'tolist', 'toArray', 'item', 'toString', 'numel', 'dim'].map((n) => method(n, [])),
  method('clamp', ['scalar', 'scalar']),
  method('maximum', ['tensor']),
  method('minimum', ['tensor']),
  method('matmul', ['tensor'], MATMUL),
  method('mm', ['tensor']),
  method('bmm', ['tensor']),
  method('sum', ['dim', 'bool'], REDUCE),
  method('mean', ['dim', 'bool'], REDUCE),
  method('max', ['dim', 'bool'], ['argmax', 'maximum', 'reshape']),
  method('min', ['dim', 'bool'], ['argmin', 'minimum', 'reshape']),
  method('argmax', ['dim', 'bool'], ['reshape']),
  method('topk', ['size', 'dim', 'bool']),
  method('softmax', ['dim']),
  method('logSoftmax', ['dim']),
  method('view', ['shape']),
  method('reshape', ['shape']),
  method('transpose', ['dim', 'dim']),
  method('permute', ['shape']),
  method('narrow', ['dim', 'index', 'size']),
  method('select', ['dim', 'index']),
  method('get', ['index'], ['select']),
  method('squeeze', ['dim']),
  method('unsqueeze', ['dim']),
  method('flatten', ['dim', 'dim'], ['reshape']),
  method('expand', ['shape']),
  method('unbind', ['dim']),
  method('split', ['size', 'dim']),
  method('chunk', ['size', 'dim'], ['split']),
  method('gather', ['dim', 'long']),
  method('indexSelect', ['dim', 'long'], ['transpose']),
  method('to', ['dtype']),
  method('size', ['dim']),
  method('viewAs', ['tensor'], ['view']),
  method('expandAs', ['tensor'], ['expand']),
  method('add_', ['tensor', 'options'], ['affine']),
  method('sub_', ['tensor', 'options']),
  method('mul_', ['tensor']),
  method('div_', ['tensor']),
  method('fill_', ['scalar']),
  method('copy_', ['tensor']),
  method('clamp_', ['scalar', 'scalar']),
  method('uniform_', ['scalar', 'scalar']),
  method('normal_', ['scalar', 'scalar']),
  method('requiresGrad_', ['bool']),
  method('backward', ['tensor', 'options']),
  fn('tensor', ['shape', 'options']),
  fn('zeros', ['size', 'size', 'options']),
  fn('ones', ['shape', 'options']),
  fn('full', ['shape', 'scalar', 'options']),
  fn('empty', ['size', 'options']),
  fn('eye', ['size', 'size']),
  { ...fn('arange', ['scalar', 'scalar', 'scalar']), wasmOnly: true },
  fn('rand', ['size', 'size']),
  fn('randn', ['shape', 'options']),
  fn('randint', ['scalar', 'scalar', 'shape']),
  fn('randperm', ['size']),
  fn('zerosLike', ['tensor', 'options']),
  fn('onesLike', ['tensor', 'options']),
  fn('cat', ['tensors', 'dim']),
  fn('stack', ['tensors', 'dim']),
  fn('where', ['tensor', 'tensor', 'tensor']),
  fn('manualSeed', ['scalar']),
  fn('matmul', ['tensor', 'tensor'], MATMUL),
  fn('softmax', ['tensor', 'dim']),
  fn('sum', ['tensor', 'dim'], REDUCE),
  fn('max', ['tensor', 'dim'], ['argmax', 'maximum', 'reshape']),
  fn('reshape', ['tensor', 'shape']),
  fn('transpose', ['tensor', 'dim', 'dim']),
  fn('squeeze', ['tensor', 'dim']),
  fn('split', ['tensor', 'size', 'dim']),
  fn('topk', ['tensor', 'size']),
  fn('gather', ['tensor', 'dim', 'long']),
  { name: 'linear', params: ['tensor', 'tensor', 'tensor'], aliases: ['addmm', 'mm', 'matmul', 'view', 'add'],
    call: ([x, w, b]) => F.linear(x as Tensor, w as Tensor, b as Tensor) },
  { name: 'crossEntropy', params: ['tensor', 'long', 'options'], aliases: ['logSoftmax', 'permute', 'reshape'],
    call: ([x, t, o]) => F.crossEntropy(x as Tensor, t as Tensor, o as never) },
  { name: 'nllLoss', params: ['tensor', 'long'], aliases: ['permute', 'reshape'], call: ([x, t]) => F.nllLoss(x as Tensor, t as Tensor) },
  { name: 'mseLoss', params: ['tensor', 'tensor', 'options'], aliases: ['sub'],
    call: ([x, t, o]) => F.mseLoss(x as Tensor, t as Tensor, o as never) },
  { name: 'embedding', params: ['long', 'tensor'], call: ([i, w]) => F.embedding(i as Tensor, w as Tensor) },
  { name: 'dropout', params: ['tensor', 'scalar'], aliases: ['mul'], call: ([x, p]) => F.dropout(x as Tensor, p as number) },
  { name: 'Linear', params: ['size', 'size', 'tensor'], aliases: MODULE,
    call: ([i, o, x]) => new nn.Linear(i as number, o as number).forward(x as Tensor) },
  { name: 'Embedding', params: ['size', 'size', 'long'], aliases: ['embedding', ...MODULE],
    call: ([n, d, i]) => new nn.Embedding(n as number, d as number).forward(i as Tensor) },
  { name: 'LSTM', params: ['size', 'size', 'tensor'], aliases: MODULE,
    call: ([i, h, x]) => new nn.LSTM(i as number, h as number).forward(x as Tensor) },
  { name: 'GRUCell', params: ['size', 'size', 'tensor'], aliases: ['gru cell', ...MODULE],
    call: ([i, h, x]) => new nn.GRUCell(i as number, h as number).forward(x as Tensor) },
  { name: 'clipGradNorm_', params: ['tensors', 'scalar', 'scalar'], aliases: ['stack'],
    call: ([ps, m, n]) => nn.utils.clipGradNorm_(ps as Tensor[], m as number, n as number) },
  { name: 'SGD', params: ['tensors', 'scalar'], call: ([ps, lr]) => new optim.SGD(ps as Tensor[], { lr: lr as number }).step() },
  { name: 'Adam', params: ['tensors', 'options'], call: ([ps, o]) => new optim.Adam(ps as Tensor[], o as never).step() },
];

/** Draws one value: `pick(n)` returns an integer in [0, n). */
export type Pick = (n: number) => number;

function otherBackendTensor(shape: number[]): Tensor {
  const active = torch.backend();
  torch.setBackend(active === 'js' ? 'wasm' : 'js');
  try {
    return torch.ones(shape);
  } finally {
    torch.setBackend(active);
  }
}

function freedTensor(shape: number[]): Tensor {
  const t = torch.ones(shape);
  t.dispose();
  return t;
}

const SHAPES = [[], [1], [3], [2, 3], [3, 2], [2, 1, 3], [4, 4], [2, 3, 4]];

/** Invalid (or at least suspicious) values, made fresh for every draw. */
export const INVALID: [string, () => unknown][] = [
  ['undefined', () => undefined], ['null', () => null], ['a string', () => 'abc'], ['a numeric string', () => '2'],
  ['an object', () => ({})], ['an empty array', () => []], ['a mixed array', () => [1, 'a']], ['a nested array', () => [[1], [2, 3]]],
  ['NaN', () => NaN], ['Infinity', () => Infinity], ['-Infinity', () => -Infinity], ['-1', () => -1], ['-7', () => -7],
  ['1.5', () => 1.5], ['2**31', () => 2 ** 31], ['2**53', () => 2 ** 53], ['true', () => true], ['a function', () => () => 1],
  ['a bigint', () => 3n], ['an int64 tensor', () => torch.ones([2, 3], { dtype: 'int64' })],
  ['a 0-d tensor', () => torch.tensor(1.5)], ['a tensor of the other backend', () => otherBackendTensor([2, 3])],
  ['a freed tensor', () => freedTensor([2, 3])], ['a tensor list with a non-tensor', () => [torch.ones(2), 5]],
  ['an options object with a bad key', () => ({ alhpa: 2 })], ['an options object with a bad value', () => ({ dtype: 'float64', lr: -1 })],
];

export interface Drawn {
  value: unknown;
  description: string;
  freed: boolean;
}

function validValue(kind: Kind, pick: Pick): unknown {
  const shape = SHAPES[pick(SHAPES.length)];
  switch (kind) {
    case 'tensor': {
      const t = shape.length === 0 ? torch.tensor(pick(5) - 2) : torch.randn(shape);
      return pick(3) === 0 ? t.requiresGrad_() : t;
    }
    case 'long':
      return torch.randint(0, 3, shape.length === 0 ? [1] : shape);
    case 'dim':
      return pick(7) - 3;
    case 'size':
      return pick(5);
    case 'index':
      return pick(7) - 3;
    case 'scalar':
      return [-1, 0, 0.5, 2, 3][pick(5)];
    case 'shape':
      return pick(4) === 0 ? [-1] : shape;
    case 'dtype':
      return pick(2) === 0 ? 'float32' : 'int64';
    case 'bool':
      return pick(2) === 0;
    case 'tensors':
      return Array.from({ length: 1 + pick(3) }, () => {
        const p = new nn.Parameter(torch.randn(shape));
        if (pick(2) === 0) p.grad = torch.ones(shape);
        return p;
      });
    case 'options':
      return [{}, { alpha: 2 }, { dtype: 'int64' }, { requiresGrad: true }, { reduction: 'sum' }, { lr: 0.1 }, { keepdim: true }][pick(7)];
  }
}

/** A receiver for a method call: a valid tensor most of the time, else an awkward one. */
export function drawReceiver(pick: Pick): Drawn {
  const awkward: [string, () => Tensor][] = [
    ['an int64 tensor', () => torch.ones([2, 3], { dtype: 'int64' })], ['a 0-d tensor', () => torch.tensor(1.5)],
    ['a tensor of the other backend', () => otherBackendTensor([2, 3])], ['a freed tensor', () => freedTensor([2, 3])],
    ['a tensor that requires grad', () => torch.randn(2, 3, { requiresGrad: true })], ['an empty tensor', () => torch.zeros(0, 3)],
  ];
  if (pick(100) < 60) return { value: validValue('tensor', pick), description: 'valid tensor', freed: false };
  const [description, make] = awkward[pick(awkward.length)];
  return { value: make(), description, freed: description === 'a freed tensor' };
}

/** A valid value of `kind` (about half the time) or an invalid one. */
export function draw(kind: Kind, pick: Pick): Drawn {
  if (pick(100) < 55) return { value: validValue(kind, pick), description: `valid ${kind}`, freed: false };
  const [description, make] = INVALID[pick(INVALID.length)];
  return { value: make(), description, freed: description === 'a freed tensor' };
}
