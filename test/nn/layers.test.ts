/**
 * Layers (Linear, Embedding, activations, Dropout, Sequential): PyTorch fixtures for initialisation after the
 * same seed, forward, backward and grad_fn on every backend; finite-difference gradients; module
 * registration (parameter names and order, state-dict keys, strict loading); printed forms; errors.
 */
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index';
import { forEachBackend } from '../helpers/backends';
import { expectOpError } from '../helpers/errors';
import type { Tensor } from '../helpers/fixtures';
import { gradcheck, randTensor as R } from '../helpers/gradcheck';
import { describeModuleCases, moduleCases } from './nn-fixtures';

const { nn } = torch;
const LAYERS = ['Linear', 'Embedding', 'Tanh', 'Sigmoid', 'ReLU', 'Softmax', 'LogSoftmax', 'Dropout', 'Sequential'];

describe('layers match PyTorch fixtures', () => describeModuleCases(moduleCases((c) => LAYERS.includes(c.module))));

/** The composite PyTorch model whose names, printed form and state dict are checked below. */
class Net extends nn.Module {
  emb = new nn.Embedding(10, 4, { paddingIdx: 0 });
  body = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Dropout(0.1), new nn.Linear(8, 3, { bias: false }));
  act = new nn.Tanh();
  head = new nn.Linear(3, 2);
  loss = new nn.CrossEntropyLoss(torch.ones(2));

  forward(x: Tensor): Tensor {
    return this.head.forward(this.act.forward(this.body.forward(this.emb.forward(x))));
  }
}

describe('module registration follows PyTorch', () => {
  forEachBackend(() => {
    it('namedParameters: dotted names in registration order, Sequential children named by index', () => {
      expect(new Net().namedParameters().map(([n]) => n))
        .toEqual(['emb.weight', 'body.0.weight', 'body.0.bias', 'body.3.weight', 'head.weight', 'head.bias']);
    });
    it('stateDict keys are PyTorch\'s, including the loss weight buffer', () => {
      expect(Object.keys(new Net().stateDict()))
        .toEqual(['emb.weight', 'body.0.weight', 'body.0.bias', 'body.3.weight', 'head.weight', 'head.bias', 'loss.weight']);
    });
    it('Linear without bias registers only weight', () => {
      const l = new nn.Linear(4, 2, { bias: false });
      expect(l.bias).toBeNull();
      expect(l.namedParameters().map(([n]) => n)).toEqual(['weight']);
      expect(Object.keys(l.stateDict())).toEqual(['weight']);
    });
    it('parameter shapes are PyTorch\'s', () => {
      const l = new nn.Linear({ inFeatures: 4, outFeatures: 2 });
      expect(l.weight.shape).toEqual([2, 4]);
      expect(l.bias!.shape).toEqual([2]);
      expect(new nn.Embedding(10, 3).weight.shape).toEqual([10, 3]);
      expect(l.weight.requiresGrad && l.bias!.requiresGrad).toBe(true);
    });
    it('printed form matches PyTorch', () => {
      expect(String(new Net())).toBe([
        'Net(',
        '  (emb): Embedding(10, 4, padding_idx=0)',
        '  (body): Sequential(',
        '    (0): Linear(in_features=4, out_features=8, bias=True)',
        '    (1): ReLU()',
        '    (2): Dropout(p=0.1, inplace=False)',
        '    (3): Linear(in_features=8, out_features=3, bias=False)',
        '  )',
        '  (act): Tanh()',
        '  (head): Linear(in_features=3, out_features=2, bias=True)',
        '  (loss): CrossEntropyLoss()',
        ')',
      ].join('\n'));
      const forms = [new nn.Softmax(1), new nn.LogSoftmax({ dim: 1 }), new nn.Dropout(), new nn.Dropout(0.25), new nn.ReLU(true), new nn.Softmax()];
      expect(forms.map(String).join(' '))
        .toBe('Softmax(dim=1) LogSoftmax(dim=1) Dropout(p=0.5, inplace=False) Dropout(p=0.25, inplace=False) ReLU(inplace=True) Softmax(dim=None)');
    });
    it('loadStateDict (strict) reports missing, unexpected and mis-shaped entries as PyTorch', () => {
      const l = new nn.Linear(4, 2);
      expect(() => l.loadStateDict({ weight: torch.zeros(2, 4) })).toThrow('Missing key(s) in state_dict: "bias".');
      expect(() => l.loadStateDict({ weight: torch.zeros(2, 4), bias: torch.zeros(2), extra: torch.zeros(1) }))
        .toThrow('Unexpected key(s) in state_dict: "extra".');
      expect(() => l.loadStateDict({ weight: torch.zeros(3, 4), bias: torch.zeros(2) }))
        .toThrow(/size mismatch for weight: copying a param with shape \[3, 4\] from checkpoint, the shape in current model is \[2, 4\]/);
      expect(l.loadStateDict({ weight: torch.zeros(2, 4), extra: torch.zeros(1) }, { strict: false }))
        .toEqual({ missingKeys: ['bias'], unexpectedKeys: ['extra'] });
      expect(Array.from(l.weight.toArray())).toEqual(new Array(8).fill(0));
    });
    it('a state dict round-trips between two models', () => {
      torch.manualSeed(1);
      const a = new Net();
      const b = new Net();
      b.loadStateDict(a.stateDict());
      const x = torch.LongTensor([[1, 2], [0, 9]]);
      a.eval();
      b.eval();
      expect(b.forward(x).tolist()).toEqual(a.forward(x).tolist());
    });
  });
});

describe('layer behaviour', () => {
  forEachBackend(() => {
    it('Embedding paddingIdx: the row starts at zero and never gets a gradient', () => {
      const emb = new nn.Embedding(5, 3, { paddingIdx: -2 });
      expect(emb.paddingIdx).toBe(3);
      expect(Array.from(emb.weight.get(3).toArray())).toEqual([0, 0, 0]);
      emb.forward(torch.LongTensor([3, 1, 3])).sum().backward();
      expect(Array.from(emb.weight.grad!.toArray())).toEqual([0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    });
    it('Embedding.fromPretrained copies the table and freezes it by default', () => {
      const table = torch.tensor([[1, 2], [3, 4]]);
      const frozen = nn.Embedding.fromPretrained(table);
      expect(frozen.weight.requiresGrad).toBe(false);
      expect(frozen.forward(torch.LongTensor([1])).tolist()).toEqual([[3, 4]]);
      expect(nn.Embedding.fromPretrained(table, { freeze: false }).weight.requiresGrad).toBe(true);
    });
    it('Dropout keeps x/(1-p) or 0 while training, is the identity in eval mode', () => {
      torch.manualSeed(3);
      const drop = new nn.Dropout(0.25);
      const x = torch.ones(1000);
      const y = Array.from(drop.forward(x).toArray());
      for (const v of y) expect([0, Math.fround(1 / 0.75)]).toContain(v);
      const kept = y.filter((v) => v !== 0).length;
      expect(kept).toBeGreaterThan(680);
      expect(kept).toBeLessThan(820);
      drop.eval();
      expect(drop.forward(x)).toBe(x);
    });
    it('train()/eval() reach Dropout inside Sequential', () => {
      const seq = new nn.Sequential(new nn.Linear(3, 3), new nn.Dropout(0.9));
      seq.eval();
      expect(seq.get(1).training).toBe(false);
      const x = torch.ones(2, 3);
      expect(seq.forward(x).tolist()).toEqual((seq.get(0).forward(x) as Tensor).tolist());
      seq.train();
      expect(seq.get(-1).training).toBe(true);
    });
    it('Sequential supports named children, append, length and iteration', () => {
      const seq = new nn.Sequential({ fc: new nn.Linear(2, 2), act: new nn.Tanh() });
      expect(Object.keys(seq.stateDict())).toEqual(['fc.weight', 'fc.bias']);
      const list = new nn.Sequential(new nn.Tanh()).append(new nn.Sigmoid());
      expect(list.length).toBe(2);
      expect([...list].map((m) => m.constructor.name)).toEqual(['Tanh', 'Sigmoid']);
      expect(() => list.get(2)).toThrow(/index 2 is out of range for length 2/);
    });
    it('Linear on an empty batch gives an empty output and zero gradients', () => {
      const l = new nn.Linear(4, 2);
      const y = l.forward(torch.zeros(0, 4));
      expect(y.shape).toEqual([0, 2]);
      y.sum().backward();
      expect(Array.from(l.bias!.grad!.toArray())).toEqual([0, 0]);
    });
  });
});

type Check = [name: string, inputs: () => Tensor[], fn: (...xs: Tensor[]) => Tensor];
const F = nn.functional;

const CHECKS: Check[] = [
  ['linear 2-D with bias (addmm)', () => [R([3, 4]), R([2, 4]), R([2])], (x, w, b) => F.linear(x, w, b)],
  ['linear 2-D without bias', () => [R([3, 4]), R([2, 4])], (x, w) => F.linear(x, w)],
  ['linear 1-D input', () => [R([4]), R([3, 4]), R([3])], (x, w, b) => F.linear(x, w, b)],
  ['linear 3-D input (folded addmm)', () => [R([2, 3, 4]), R([2, 4]), R([2])], (x, w, b) => F.linear(x, w, b)],
  ['linear 3-D transposed input', () => [R([3, 2, 4]), R([2, 4]), R([2])], (x, w, b) => F.linear(x.transpose(0, 1), w, b)],
  ['linear transposed weight', () => [R([3, 4]), R([4, 2]), R([2])], (x, w, b) => F.linear(x, w.T, b)],
  ['embedding weight', () => [R([5, 3])], (w) => F.embedding(torch.LongTensor([[0, 4], [4, 2]]), w)],
  ['softmax', () => [R([3, 4])], (x) => F.softmax(x, 1)],
  ['logSoftmax', () => [R([3, 4])], (x) => F.logSoftmax(x, 0)],
  ['tanh', () => [R([3, 4])], (x) => F.tanh(x)],
  ['sigmoid', () => [R([3, 4])], (x) => F.sigmoid(x)],
  ['relu', () => [R([3, 4], { awayFromZero: 0.1 })], (x) => F.relu(x)],
];

describe('layer gradients match finite differences', () => {
  forEachBackend(() => {
    for (const [name, inputs, fn] of CHECKS) it(name, () => gradcheck(name, fn, inputs()));
    it('Sequential MLP parameters', () => {
      torch.manualSeed(7);
      const mlp = new nn.Sequential(new nn.Linear(3, 4), new nn.Tanh(), new nn.Linear(4, 2));
      const [w1, b1, w2, b2] = mlp.parameters().map((p) => torch.tensor(p.tolist() as number[], { requiresGrad: true }));
      const x = R([5, 3], { requiresGrad: false });
      gradcheck('mlp', (a, b, c, d) => F.linear(F.tanh(F.linear(x, a, b)), c, d), [w1, b1, w2, b2]);
    });
    it('Dropout (fixed mask): gradient is the mask scaled by 1/(1-p)', () => {
      const x = R([4, 5]);
      gradcheck('dropout', (a) => { torch.manualSeed(11); return F.dropout(a, 0.4); }, [x]);
    });
  });
});

describe('layer misuse throws errors naming the op and shapes', () => {
  forEachBackend(() => {
    it('Linear with the wrong number of input features', () => {
      const l = new nn.Linear(4, 2);
      expect(() => l.forward(torch.zeros(1, 5)))
        .toThrow('linear: input has 5 features but weight expects 4 (input shape [1, 5], weight shape [2, 4])');
      expectOpError(() => l.forward(torch.zeros(2, 3, 3)), 'linear', [[2, 3, 3], [2, 4]]);
    });
    it('Linear with int64 or 0-d input', () => {
      const l = new nn.Linear(4, 2);
      expectOpError(() => l.forward(torch.LongTensor([[1, 2, 3, 4]])), 'linear', [[1, 4]]);
      expectOpError(() => l.forward(torch.tensor(1)), 'linear', [[]]);
    });
    it('F.linear with a bias of the wrong size', () => {
      expectOpError(() => F.linear(torch.zeros(3, 4), torch.zeros(2, 4), torch.zeros(3)), 'linear', [[3], [2, 4]]);
    });
    it('Embedding with an out-of-range or negative id, or float ids', () => {
      const emb = new nn.Embedding(5, 2);
      expectOpError(() => emb.forward(torch.LongTensor([1, 5])), 'embedding', [[2]]);
      expectOpError(() => emb.forward(torch.LongTensor([-1])), 'embedding');
      expectOpError(() => emb.forward(torch.tensor([1, 2])), 'embedding');
    });
    it('bad constructor arguments', () => {
      expectOpError(() => new nn.Embedding(5, 2, { paddingIdx: 5 }), 'Embedding');
      expectOpError(() => new nn.Dropout(1.5), 'Dropout');
      expectOpError(() => new nn.Linear(4, -1), 'Linear');
      expectOpError(() => new nn.Linear(4, 2, { biass: false } as never), 'Linear');
      expectOpError(() => new nn.Linear(4, 2, 3 as never), 'Linear');
      expectOpError(() => new nn.Sequential(3 as never), 'Sequential');
      expectOpError(() => F.dropout(torch.ones(2), -0.1), 'dropout');
    });
  });
});
