/**
 * Argument validation of the public API: wrong types where tensors or numbers go, dims (negative dims as
 * PyTorch), dtypes, index ranges, non-integer and NaN sizes, and tensors of the two kernel sets mixed in one
 * op. Every misuse throws a plain Error (not a TypeError from deep inside) naming the operation and the
 * shapes involved, and the engine keeps working afterwards.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as torch from '../../src/index';
import { DEFAULT_BACKEND, forEachBackend } from '../helpers/backends';
import { expectOpError } from '../helpers/errors';

type Tensor = torch.Tensor;
const { nn, optim } = torch;
const F = nn.functional;
/** the API called the way an untyped JavaScript program can call it */
const T = torch as unknown as Record<string, (...args: unknown[]) => unknown>;
const call = (t: Tensor, method: string, ...args: unknown[]): unknown =>
  (t as unknown as Record<string, (...a: unknown[]) => unknown>)[method](...args);

const long = (values: number[] | number[][]) => torch.tensor(values, { dtype: 'int64' });

/** Expects a plain Error naming `op` and `shapes`, then checks a valid op still gives the right answer. */
function rejects(fn: () => unknown, op: string, shapes: number[][] = []): void {
  const error = expectOpError(fn, op, shapes);
  expect(error.constructor, `${op}: ${error.message}`).toBe(Error);
  expect(torch.tensor([[1, 2], [3, 4]]).matmul(torch.tensor([1, 1])).tolist()).toEqual([3, 7]);
}

const NOT_TENSORS: [string, unknown][] = [
  ['undefined', undefined], ['null', null], ['a string', 'x'], ['a plain object', {}], ['an array', [1, 2]],
  ['a number', 3], ['a function', () => 1], ['a boolean', true],
];

forEachBackend(() => {
  describe('non-tensors where a tensor goes', () => {
    const unaryForms = ['neg', 'exp', 'log', 'sqrt', 'abs', 'tanh', 'sigmoid', 'relu', 'sum', 'mean', 'argmax', 'argmin',
      'clone', 'flatten', 'squeeze', 'unbind', 'max', 'min'];
    for (const [what, value] of NOT_TENSORS) {
      it(`torch function forms reject ${what}`, () => {
        for (const name of unaryForms) rejects(() => T[name](value), name);
        rejects(() => T.softmax(value, 0), 'softmax');
        rejects(() => T.logSoftmax(value, 0), 'logSoftmax');
        rejects(() => T.topk(value, 1), 'topk');
        rejects(() => T.transpose(value, 0, 1), 'transpose');
        rejects(() => T.reshape(value, 2), 'reshape');
        rejects(() => T.unsqueeze(value, 0), 'unsqueeze');
        rejects(() => T.split(value, 1), 'split');
        rejects(() => T.chunk(value, 2), 'chunk');
        rejects(() => T.gather(value, 0, long([0])), 'gather');
        rejects(() => T.indexSelect(value, 0, long([0])), 'indexSelect');
        rejects(() => [...(T.zip(value, torch.ones(2)) as Iterable<unknown>)], 'zip');
        rejects(() => T.zerosLike(value), 'zerosLike');
        rejects(() => T.onesLike(value), 'onesLike');
        if (typeof value !== 'function') {
          rejects(() => T.noGrad(value), 'noGrad');
          rejects(() => T.enableGrad(value), 'enableGrad');
        }
      });

      it(`tensor arguments of methods and functions reject ${what}`, () => {
        const x = torch.ones(2, 2);
        if (typeof value !== 'number' && typeof value !== 'boolean') {
          for (const op of ['add', 'sub', 'mul', 'div', 'pow', 'eq', 'lt']) rejects(() => call(x, op, value), op);
          for (const op of ['add_', 'sub_', 'mul_', 'div_']) rejects(() => call(x, op, value), op);
        }
        for (const op of ['matmul', 'mm', 'bmm', 'maximum', 'minimum', 'copy_', 'viewAs', 'expandAs']) rejects(() => call(x, op, value), op);
        rejects(() => x.gather(0, value as Tensor), 'gather');
        rejects(() => x.indexSelect(0, value as Tensor), 'indexSelect');
        rejects(() => T.where(value, x, x), 'where');
        rejects(() => T.cat([x, value]), 'cat');
        rejects(() => T.stack([x, value]), 'stack');
        rejects(() => T.cat(value), 'cat');
        if (value != null) rejects(() => x.requiresGrad_().mul(2).sum().backward(value as Tensor), 'backward');
        if (value != null) {
          rejects(() => {
            x.grad = value as Tensor;
          }, 'grad');
        }
        rejects(() => {
          x.data = value as Tensor;
        }, 'data');
      });

      it(`nn and optim reject ${what}`, () => {
        rejects(() => new nn.Linear(3, 2).forward(value as Tensor), 'linear');
        rejects(() => F.crossEntropy(torch.randn(2, 3), value as Tensor), 'crossEntropy');
        rejects(() => F.mseLoss(value as Tensor, torch.ones(2)), 'mseLoss');
        rejects(() => new nn.Embedding(4, 2).forward(value as Tensor), 'embedding');
        rejects(() => new nn.LSTM(3, 2).forward(value as Tensor), 'LSTM');
        if (value !== undefined) rejects(() => new nn.Parameter(value as Tensor), 'Parameter');
        if (value != null && typeof value !== 'object') rejects(() => new optim.SGD(value as never, { lr: 0.1 }), 'SGD');
      });
    }
  });

  describe('numbers and flags where tensors are not expected', () => {
    it('in-place random fills and clamp_ take numbers, with PyTorch range checks', () => {
      const x = torch.zeros(2, 3);
      rejects(() => x.clamp_('0' as never, 1), 'clamp_', [[2, 3]]);
      rejects(() => x.clamp_(0, torch.ones(1) as never), 'clamp_', [[2, 3]]);
      rejects(() => x.uniform_('0' as never, 1), 'uniform_', [[2, 3]]);
      rejects(() => x.uniform_(2, 1), 'uniform_');
      rejects(() => x.normal_(0, -1), 'normal_');
      rejects(() => x.normal_(null as never, 1), 'normal_');
      rejects(() => x.fill_('1' as never), 'fill_');
      rejects(() => x.clamp(), 'clamp');
      rejects(() => x.clamp_(), 'clamp_');
      expect(x.uniform_(1, 1).tolist()).toEqual([[1, 1, 1], [1, 1, 1]]);
    });

    it('requiresGrad_ takes a boolean', () => {
      for (const bad of ['yes', 1, null, {}]) rejects(() => torch.ones(2).requiresGrad_(bad as never), 'requiresGrad_');
      rejects(() => {
        torch.ones(2).requiresGrad = 'no' as never;
      }, 'requiresGrad_');
      rejects(() => torch.ones(2, { dtype: 'int64' }).requiresGrad_(), 'requiresGrad_', [[2]]);
      expect(torch.ones(2).requiresGrad_(false).requiresGrad).toBe(false);
    });

    it('unknown dtypes are rejected by name', () => {
      rejects(() => torch.zeros(2, { dtype: 'float64' as never }), 'zeros');
      rejects(() => torch.tensor([1], { dtype: 'int32' as never }), 'tensor');
      rejects(() => torch.zerosLike(torch.ones(2), { dtype: 'bool' as never }), 'zerosLike');
      rejects(() => torch.ones(2).to('half' as never), 'to');
      rejects(() => torch.arange(3, { dtype: 'uint8' as never }), 'arange');
    });
  });

  describe('dims', () => {
    const x = () => torch.arange(24).float().view(2, 3, 4);

    it('negative dims mean what they mean in PyTorch', () => {
      const t = x();
      const same = (a: unknown, b: unknown) => expect(a).toEqual(b);
      same(t.sum(-1).tolist(), t.sum(2).tolist());
      same(t.sum([-1, -3]).tolist(), t.sum([0, 2]).tolist());
      same(t.mean(-2, true).shape, [2, 1, 4]);
      same(t.softmax(-1).tolist(), t.softmax(2).tolist());
      same(t.logSoftmax(-3).tolist(), t.logSoftmax(0).tolist());
      same(t.transpose(-1, -3).shape, [4, 3, 2]);
      same(t.permute(-1, 0, -2).shape, [4, 2, 3]);
      same(t.unsqueeze(-1).shape, [2, 3, 4, 1]);
      same(t.unsqueeze(-4).shape, [1, 2, 3, 4]);
      same(t.select(-1, -1).tolist(), t.select(2, 3).tolist());
      same(t.narrow(-2, -2, 2).tolist(), t.narrow(1, 1, 2).tolist());
      same(t.flatten(-2, -1).shape, [2, 12]);
      same(t.unsqueeze(1).squeeze(-3).shape, [2, 3, 4]);
      same(t.max(-1)[1].tolist(), t.max(2)[1].tolist());
      same(t.argmax(-2).tolist(), t.argmax(1).tolist());
      same(t.topk(2, -3)[0].tolist(), t.topk(2, 0)[0].tolist());
      same(torch.cat([t, t], -1).shape, [2, 3, 8]);
      same(torch.stack([t, t], -1).shape, [2, 3, 4, 2]);
      same(t.gather(-1, torch.zeros([2, 3, 1], { dtype: 'int64' })).tolist(), t.gather(2, torch.zeros([2, 3, 1], { dtype: 'int64' })).tolist());
      same(t.indexSelect(-1, long([3, 0])).tolist(), t.indexSelect(2, long([3, 0])).tolist());
      same(t.unbind(-1).length, 4);
      same(t.size(-1), 4);
      same(torch.tensor(5).sum(-1).item(), 5);
    });

    it('out-of-range, non-integer and non-number dims are rejected with the valid range', () => {
      const t = x();
      for (const bad of [3, -4, 1.5, NaN, Infinity, '1', null]) {
        rejects(() => t.sum(bad as never), 'sum');
        rejects(() => t.softmax(bad as never), 'softmax');
        rejects(() => t.transpose(0, bad as never), 'transpose');
        rejects(() => t.select(bad as never, 0), 'select');
        rejects(() => t.narrow(bad as never, 0, 1), 'narrow');
        rejects(() => t.max(bad as never), 'max');
        rejects(() => t.argmax(bad as never), 'argmax');
        rejects(() => t.topk(1, bad as never), 'topk');
        rejects(() => torch.cat([t, t], bad as never), 'cat');
        rejects(() => t.size(bad as never), 'size');
        rejects(() => t.unbind(bad as never), 'unbind');
        rejects(() => t.flatten(bad as never), 'flatten');
        rejects(() => t.gather(bad as never, long([0])), 'gather');
      }
      rejects(() => t.unsqueeze(4), 'unsqueeze');
      rejects(() => torch.stack([t, t], 5), 'stack');
      rejects(() => t.permute(0, 1), 'permute', [[2, 3, 4]]);
      rejects(() => t.permute(0, 1, 1), 'permute', [[2, 3, 4]]);
      rejects(() => t.flatten(2, 1), 'flatten', [[2, 3, 4]]);
      rejects(() => t.sum([0, -3]), 'sum');
      expect(() => t.sum(3)).toThrow(/range of \[-3, 2\], but got 3/);
    });
  });

  describe('sizes, shapes and index ranges', () => {
    it('non-integer, NaN and negative sizes', () => {
      const t = torch.ones(2, 3);
      for (const bad of [2.5, NaN, -2, Infinity, '6', null, {}]) {
        rejects(() => t.view(bad as never), 'view');
        rejects(() => t.reshape(bad as never, 1), 'reshape');
        rejects(() => t.expand(2, bad as never), 'expand');
        rejects(() => t.narrow(1, 0, bad as never), 'narrow', [[2, 3]]);
        if (bad !== -2) rejects(() => t.narrow(1, bad as never, 1), 'narrow', [[2, 3]]);
        rejects(() => t.split(bad as never), 'split');
        rejects(() => t.split([1, bad] as never, 1), 'split');
        rejects(() => t.chunk(bad as never), 'chunk');
        rejects(() => t.topk(bad as never), 'topk', [[2, 3]]);
        if (bad !== -2) rejects(() => t.get(bad as never), 'select', [[2, 3]]);
        if (typeof bad !== 'object' || bad === null) {
          // a trailing plain object is the options object: zeros({}) is a 0-d tensor
          rejects(() => T.zeros(bad), 'zeros');
          rejects(() => T.randn(2, bad), 'randn');
        }
        rejects(() => T.full([bad], 1), 'full');
        rejects(() => T.eye(bad), 'eye');
        rejects(() => T.randperm(bad), 'randperm');
        rejects(() => T.randint(0, 3, [bad]), 'randint');
        if (typeof bad !== 'number' || !Number.isFinite(bad)) rejects(() => T.arange(bad), 'arange');
      }
      rejects(() => T.randint(0.5, 3, [2]), 'randint');
      rejects(() => T.randint(3, 3, [2]), 'randint');
      rejects(() => T.randint(0, 3, 2), 'randint');
      rejects(() => T.arange(0, 1, 0), 'arange');
    });

    it('shapes that do not fit', () => {
      const t = torch.ones(2, 3);
      rejects(() => t.view(4, -1), 'view', [[4, -1], [2, 3]]);
      rejects(() => t.view(-1, -1), 'view');
      rejects(() => t.T.view(6), 'view', [[3, 2]]);
      rejects(() => t.expand(3, 3), 'expand', [[2, 3], [3, 3]]);
      rejects(() => t.expand(3), 'expand', [[2, 3]]);
      rejects(() => t.add(torch.ones(3, 2)), 'add', [[2, 3], [3, 2]]);
      rejects(() => t.add_(torch.ones(4, 2, 3)), 'add_', [[4, 2, 3], [2, 3]]);
      rejects(() => t.copy_(torch.ones(4)), 'copy_', [[4], [2, 3]]);
      rejects(() => t.matmul(torch.ones(2, 3)), 'matmul', [[2, 3]]);
      rejects(() => t.mm(torch.ones(3)), 'mm', [[2, 3], [3]]);
      rejects(() => t.bmm(t), 'bmm', [[2, 3]]);
      rejects(() => torch.ones(2, 2, 3).matmul(torch.ones(3, 3, 1)), 'matmul', [[2, 2, 3], [3, 3, 1]]);
      rejects(() => torch.cat([t, torch.ones(3, 2)]), 'cat', [[2, 3], [3, 2]]);
      rejects(() => torch.cat([torch.tensor(1), torch.tensor(2)]), 'cat');
      rejects(() => torch.cat([]), 'cat');
      rejects(() => torch.stack([t, t.T]), 'stack', [[2, 3], [3, 2]]);
      rejects(() => torch.where(torch.ones(2), t, t), 'where', [[2], [2, 3]]);
      rejects(() => t.item(), 'item', [[2, 3]]);
      rejects(() => torch.ones(2, 3, { requiresGrad: true }).sum().backward(torch.ones(2)), 'backward', [[2], []]);
      rejects(() => t.requiresGrad_().mul(2).backward(), 'backward', [[2, 3]]);
      rejects(() => t.split([1, 1], 1), 'split', [[2, 3]]);
      rejects(() => torch.tensor([[1, 2], [3]]), 'tensor');
      rejects(() => torch.tensor([1, 'a'] as never), 'tensor');
      rejects(() => torch.tensor(2).get(0), 'select');
      rejects(() => [...torch.tensor(2)], 'iteration');
    });

    it('index values out of range, and index tensors of the wrong dtype', () => {
      const x = torch.ones(3, 4);
      rejects(() => x.gather(1, long([[4], [0], [0]])), 'gather');
      rejects(() => x.gather(1, long([[-1], [0], [0]])), 'gather');
      rejects(() => x.gather(1, torch.zeros(3, 1)), 'gather', [[3, 1]]);
      rejects(() => x.gather(1, long([[0, 0], [0, 0]])), 'gather', [[2, 2], [3, 4]]);
      rejects(() => x.indexSelect(0, long([3])), 'indexSelect');
      rejects(() => x.indexSelect(0, long([[0]])), 'indexSelect', [[1, 1]]);
      rejects(() => x.select(1, 4), 'select', [[3, 4]]);
      rejects(() => x.select(1, -5), 'select', [[3, 4]]);
      rejects(() => x.narrow(0, 2, 2), 'narrow', [[3, 4]]);
      rejects(() => x.topk(5), 'topk', [[3, 4]]);
      rejects(() => torch.tensor([2 ** 31], { dtype: 'int64' }), 'tensor');
      rejects(() => torch.tensor([0.5], { dtype: 'int64' }), 'tensor');
      rejects(() => new nn.Embedding(4, 2).forward(long([4])), 'embedding');
      rejects(() => new nn.Embedding(4, 2).forward(long([-1])), 'embedding');
      rejects(() => F.crossEntropy(torch.randn(2, 3), long([0, 3])), 'crossEntropy', [[2, 3], [2]]);
      rejects(() => F.nllLoss(torch.randn(2, 3), long([-2, 0])), 'nllLoss', [[2, 3], [2]]);
    });

    it('dtypes an op cannot take', () => {
      const i = torch.ones(2, 2, { dtype: 'int64' });
      rejects(() => i.matmul(i), 'matmul');
      rejects(() => i.softmax(0), 'softmax', [[2, 2]]);
      rejects(() => i.mean(), 'mean', [[2, 2]]);
      rejects(() => i.topk(1), 'topk');
      rejects(() => i.gather(0, torch.zeros([1, 2], { dtype: 'int64' })), 'gather');
      rejects(() => i.uniform_(), 'uniform_');
      rejects(() => torch.ones(2, { dtype: 'int64', requiresGrad: true }), 'ones');
      rejects(() => torch.cat([torch.ones(2), torch.ones(2, { dtype: 'int64' })]), 'cat');
      rejects(() => F.crossEntropy(torch.randn(2, 3), torch.ones(2)), 'crossEntropy', [[2]]);
      rejects(() => new nn.Linear(2, 2).forward(i), 'linear', [[2, 2]]);
    });
  });

  describe('in-place misuse', () => {
    it('in-place ops on a tensor autograd tracks are rejected', () => {
      const leaf = torch.ones(2, { requiresGrad: true });
      rejects(() => leaf.add_(1), 'add_', [[2]]);
      rejects(() => leaf.mul(2).zero_(), 'zero_', [[2]]);
      rejects(() => torch.ones(2).copy_(leaf), 'copy_', [[2]]);
      torch.noGrad(() => leaf.add_(1));
      expect(leaf.tolist()).toEqual([2, 2]);
    });
  });
});

describe('tensors of the two kernel sets mixed in one op', () => {
  afterEach(() => torch.setBackend(DEFAULT_BACKEND));

  function on<T>(backend: 'js' | 'wasm', make: () => T): T {
    const active = torch.backend();
    torch.setBackend(backend);
    try {
      return make();
    } finally {
      torch.setBackend(active);
    }
  }

  const pairs: ['js' | 'wasm', 'js' | 'wasm'][] = [['wasm', 'js'], ['js', 'wasm']];
  for (const [mine, theirs] of pairs) {
    it(`a ${mine} tensor with a ${theirs} one is an error naming the op (${mine} active)`, () => {
      torch.setBackend(mine);
      const a = on(mine, () => torch.randn(2, 3));
      const b = on(theirs, () => torch.randn(2, 3));
      const idx = on(theirs, () => long([0, 1]));
      torch.setBackend(mine);
      const BACKENDS = /different backends|lives on backend/;
      const mixed = (fn: () => unknown, op: string) => {
        const e = expectOpError(fn, op);
        expect(e.constructor).toBe(Error);
        expect(e.message).toMatch(BACKENDS);
      };
      for (const op of ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ge']) mixed(() => call(a, op, b), op);
      mixed(() => a.add(b, { alpha: 2 }), 'add');
      for (const op of ['add_', 'sub_', 'mul_', 'div_', 'copy_']) mixed(() => call(a, op, b), op);
      mixed(() => a.matmul(b.T), 'mm');
      mixed(() => a.unsqueeze(0).bmm(b.T.unsqueeze(0)), 'bmm');
      mixed(() => torch.cat([a, b]), 'cat');
      mixed(() => torch.stack([a, b]), 'stack');
      mixed(() => torch.where(a.gt(0), b, a), 'where');
      mixed(() => a.gather(1, idx.view(2, 1)), 'gather');
      mixed(() => a.indexSelect(0, idx), 'indexSelect');
      mixed(() => {
        a.data = b;
      }, 'data');
      mixed(() => {
        const w = on(mine, () => torch.zeros(2, 3, { requiresGrad: true }));
        w.grad = b;
      }, 'grad');
      mixed(() => on(mine, () => torch.ones(2, 3, { requiresGrad: true })).mul(2).backward(b), 'backward');
      const layer = on(mine, () => new nn.Linear(3, 4));
      mixed(() => layer.forward(b), 'addmm');
      const emb = on(mine, () => new nn.Embedding(4, 3));
      mixed(() => emb.forward(idx), 'embedding');
      mixed(() => F.mseLoss(a, b), 'sub');
      const lstm = on(mine, () => new nn.LSTM(3, 2));
      mixed(() => lstm.forward(on(theirs, () => torch.randn(4, 1, 3))), 'LSTM');
      const p = on(mine, () => new nn.Parameter(torch.ones(3)));
      p.grad = on(mine, () => torch.ones(3));
      const q = on(theirs, () => new nn.Parameter(torch.ones(3)));
      q.grad = on(theirs, () => torch.ones(3));
      mixed(() => nn.utils.clipGradNorm_([p, q], 1), 'stack');
      // each set still works on its own afterwards
      expect(a.add(a).sub(a.mul(2)).abs().sum().item()).toBe(0);
      expect(on(theirs, () => b.add(b).sub(b.mul(2)).abs().sum().item())).toBe(0);
      // the documented way across: a copy on the active backend
      expect(a.add(torch.tensor(b)).shape).toEqual([2, 3]);
    });
  }
});
