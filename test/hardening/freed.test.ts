/**
 * A tensor whose storage was freed (by dispose(), or by the step clock after going unused for two steps)
 * is never read silently: every kind of access throws an Error that says the tensor can no longer be used,
 * and the engine keeps working afterwards.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index';
import { forEachBackend } from '../helpers/backends';

type Tensor = torch.Tensor;

const FREED = /can no longer be used/;

/** Every way a program can touch `t`, each as a thunk that must throw. */
function accesses(t: Tensor): [string, () => unknown][] {
  const other = () => torch.ones(...t.shape);
  const index = () => torch.zeros([t.shape[0], 1], { dtype: 'int64' });
  return [
    // reading
    ['item', () => t.get(0).get(0).item()],
    ['item of a one-element view', () => t.narrow(0, 0, 1).narrow(1, 0, 1).item()],
    ['tolist', () => t.tolist()],
    ['toArray', () => t.toArray()],
    ['toString', () => t.toString()],
    ['String()', () => String(t)],
    ['util.inspect', () => inspect(t)],
    ['iteration', () => [...t]],
    ['torch.tensor(t)', () => torch.tensor(t)],
    // ops
    ['add', () => t.add(1)],
    ['neg', () => t.neg()],
    ['exp', () => t.exp()],
    ['sum', () => t.sum()],
    ['mean(dim)', () => t.mean(1)],
    ['max(dim)', () => t.max(1)],
    ['argmax', () => t.argmax()],
    ['softmax', () => t.softmax(1)],
    ['matmul', () => t.matmul(t.T)],
    ['gt', () => t.gt(0)],
    ['topk', () => t.topk(1)],
    ['gather', () => t.gather(1, index())],
    ['float (same dtype)', () => t.float()],
    ['long', () => t.long()],
    // views
    ['view', () => t.view(-1)],
    ['reshape', () => t.reshape(-1)],
    ['transpose', () => t.transpose(0, 1)],
    ['T', () => t.T],
    ['permute', () => t.permute(1, 0)],
    ['narrow', () => t.narrow(1, 0, 1)],
    ['select', () => t.select(0, 0)],
    ['get', () => t.get(0)],
    ['expand', () => t.unsqueeze(0).expand(2, ...t.shape)],
    ['squeeze', () => t.squeeze()],
    ['flatten', () => t.flatten()],
    ['flatten of one dim', () => t.flatten(1, 1)],
    ['contiguous', () => t.contiguous()],
    ['clone', () => t.clone()],
    ['detach', () => t.detach()],
    ['data', () => t.data],
    ['unbind', () => t.unbind()],
    ['split', () => t.split(1)],
    ['keep', () => t.keep()],
    // in place
    ['add_', () => t.add_(1)],
    ['add_ tensor', () => t.add_(other(), { alpha: 2 })],
    ['mul_', () => t.mul_(2)],
    ['div_', () => t.div_(other())],
    ['zero_', () => t.zero_()],
    ['fill_', () => t.fill_(3)],
    ['copy_', () => t.copy_(other())],
    ['clamp_', () => t.clamp_(0, 1)],
    ['uniform_', () => t.uniform_()],
    ['normal_', () => t.normal_()],
    // as an argument of another tensor's op
    ['other.add(t)', () => other().add(t)],
    ['other.mul(t)', () => other().mul(t)],
    ['other.maximum(t)', () => other().maximum(t)],
    ['other.matmul(t.T)', () => other().matmul(t.T)],
    ['other.copy_(t)', () => other().copy_(t)],
    ['other.add_(t)', () => other().add_(t)],
    ['other.data = t', () => {
      const o = torch.zeros(1);
      o.data = t;
    }],
    ['torch.cat', () => torch.cat([other(), t])],
    ['torch.stack', () => torch.stack([other(), t])],
    ['torch.where condition', () => torch.where(t, other(), other())],
    ['torch.where value', () => torch.where(other(), t, 0)],
    ['torch.maximum', () => torch.maximum(other(), t)],
    ['nn.functional.linear input', () => torch.nn.functional.linear(t, torch.ones(2, t.shape[1]))],
    ['nn.functional.mseLoss target', () => torch.nn.functional.mseLoss(other(), t)],
  ];
}

function freshMatrix(): Tensor {
  return torch.tensor([[1, 2, 3], [4, 5, 6]]);
}

/** A tensor freed by the step clock: created after the first backward, then unused for several steps. */
function freedByStepClock(): Tensor {
  const w = torch.randn(3, { requiresGrad: true });
  w.sum().backward();
  const stale = freshMatrix();
  for (let i = 0; i < 4; i++) w.sum().backward();
  return stale;
}

function expectEngineWorks(): void {
  const x = torch.tensor([[1, 2], [3, 4]], { requiresGrad: true });
  const y = x.matmul(torch.tensor([[1], [1]])).sum();
  y.backward();
  expect(y.item()).toBe(10);
  expect(x.grad!.tolist()).toEqual([[1, 1], [1, 1]]);
}

forEachBackend(() => {
  describe('a disposed tensor', () => {
    for (const [name] of accesses(torch.zeros(0, 0))) {
      it(`throws on ${name}`, () => {
        const t = freshMatrix();
        t.dispose();
        const thunk = accesses(t).find(([n]) => n === name)![1];
        expect(thunk).toThrow(FREED);
        expect(thunk).toThrow(/disposed/);
        expectEngineWorks();
      });
    }

    it('every view of it throws too, and so does a view taken before', () => {
      const base = freshMatrix();
      const row = base.get(1);
      const col = base.T.narrow(0, 2, 1).narrow(1, 0, 1);
      base.dispose();
      expect(() => row.tolist()).toThrow(FREED);
      expect(() => col.item()).toThrow(FREED);
      expect(() => row.add(1)).toThrow(FREED);
      expectEngineWorks();
    });

    it('disposing a view frees the shared storage', () => {
      const base = freshMatrix();
      base.get(0).dispose();
      expect(() => base.sum()).toThrow(FREED);
    });

    it('disposing twice is harmless and the live count drops once', () => {
      const before = torch.memory().tensors;
      const t = freshMatrix();
      t.dispose();
      t.dispose();
      expect(torch.memory().tensors).toBe(before);
    });

    it('backward from a disposed output throws', () => {
      const x = torch.tensor([1, 2], { requiresGrad: true });
      const loss = x.exp().sum();
      loss.dispose();
      expect(() => loss.backward()).toThrow(/backward: .*can no longer be used/);
      expect(x.grad).toBeNull();
    });

    it('backward through a graph whose saved output was disposed throws', () => {
      const x = torch.tensor([1, 2], { requiresGrad: true });
      const y = x.exp();
      const loss = y.sum();
      y.dispose();
      expect(() => loss.backward()).toThrow(FREED);
      expectEngineWorks();
    });

    it('backward with a disposed gradient throws', () => {
      const x = torch.tensor([1, 2], { requiresGrad: true });
      const g = torch.ones(2);
      g.dispose();
      expect(() => x.mul(2).backward(g)).toThrow(/backward: .*can no longer be used/);
    });

    it('accumulating into a disposed .grad throws', () => {
      const x = torch.tensor([1, 2], { requiresGrad: true });
      x.sum().backward();
      x.grad!.dispose();
      expect(() => x.sum().backward()).toThrow(FREED);
      expectEngineWorks();
    });

    it('an index, a target or a weight that was disposed is an error', () => {
      const idx = torch.tensor([0, 1], { dtype: 'int64' });
      idx.dispose();
      const emb = new torch.nn.Embedding(4, 2);
      expect(() => emb.forward(idx)).toThrow(FREED);
      expect(() => torch.nn.functional.crossEntropy(torch.randn(2, 3), idx)).toThrow(FREED);
      expect(() => torch.randn(2, 3).indexSelect(0, idx)).toThrow(FREED);
      const lin = new torch.nn.Linear(3, 2);
      lin.weight.dispose();
      expect(() => lin.forward(torch.randn(1, 3))).toThrow(FREED);
      expectEngineWorks();
    });
  });

  describe('a tensor freed by the step clock', () => {
    it('throws on every kind of access, with a hint to keep() it', () => {
      for (const [name, thunk] of accesses(freedByStepClock())) {
        expect(thunk, name).toThrow(/freed automatically after going unused for two training steps.*keep\(\)/);
      }
      expectEngineWorks();
    });

    it('is not freed when kept, or when used every step', () => {
      const w = torch.randn(3, { requiresGrad: true });
      w.sum().backward();
      const kept = freshMatrix().keep();
      const used = freshMatrix();
      for (let i = 0; i < 6; i++) {
        w.sum().backward();
        used.sum();
      }
      expect(kept.tolist()).toEqual([[1, 2, 3], [4, 5, 6]]);
      expect(used.tolist()).toEqual([[1, 2, 3], [4, 5, 6]]);
    });
  });
});

describe('freed-tensor errors name the access', () => {
  it('reading names the method', () => {
    const one = torch.tensor([5]);
    one.dispose();
    expect(() => one.item()).toThrow(/^item: tensor of shape \[1\] can no longer be used/);
    const t = freshMatrix();
    t.dispose();
    expect(() => t.tolist()).toThrow(/^tolist: tensor of shape \[2, 3\] can no longer be used: it was disposed/);
    expect(() => t.toString()).toThrow(/^toString: /);
    expect(() => t.add_(1)).toThrow(/^add_: /);
    expect(() => t.fill_(1)).toThrow(/^fill_: /);
  });
});
