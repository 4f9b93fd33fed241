/** Misuse of the optimizers throws Errors that name the optimizer, the option and the value. */
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index';
import { expectOpError } from '../helpers/errors';

const { Parameter } = torch.nn;
const p = () => new Parameter(torch.ones(2, 3));

function expectMessage(fn: () => unknown, op: string, ...parts: (string | RegExp)[]): void {
  const error = expectOpError(fn, op);
  for (const part of parts) expect(error.message).toMatch(part);
}

describe('optimizer option errors', () => {
  it('rejects invalid hyper-parameters', () => {
    expectMessage(() => new torch.optim.SGD([p()], { lr: -0.1 }), 'SGD', 'lr', '-0.1');
    expectMessage(() => new torch.optim.SGD([p()]), 'SGD', /lr is required/);
    expectMessage(() => new torch.optim.SGD([p()], { lr: 0.1, momentum: -1 }), 'SGD', 'momentum');
    expectMessage(() => new torch.optim.SGD([p()], { lr: 0.1, nesterov: true }), 'SGD', /Nesterov momentum requires a momentum and zero dampening/);
    expectMessage(() => new torch.optim.SGD([p()], { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }), 'SGD', 'dampening 0.1');
    expectMessage(() => new torch.optim.Adam([p()], { lr: Number.NaN }), 'Adam', 'lr', 'NaN');
    expectMessage(() => new torch.optim.Adam([p()], { betas: [1, 0.999] }), 'Adam', /beta parameter at index 0: 1/);
    expectMessage(() => new torch.optim.Adam([p()], { betas: [0.9, -0.1] }), 'Adam', /beta parameter at index 1/);
    expectMessage(() => new torch.optim.Adam([p()], { betas: 0.9 as never }), 'Adam', 'betas');
    expectMessage(() => new torch.optim.AdamW([p()], { eps: -1e-8 }), 'AdamW', 'eps');
    expectMessage(() => new torch.optim.AdamW([p()], { weightDecay: -1 }), 'AdamW', 'weightDecay');
    expectMessage(() => new torch.optim.Adam([p()], { amsgrad: 1 as never }), 'Adam', 'amsgrad', 'true or false');
    expectMessage(() => new torch.optim.RMSprop([p()], { alpha: -0.5 }), 'RMSprop', 'alpha');
    expectMessage(() => new torch.optim.RMSprop([p()], { momentum: -0.5 }), 'RMSprop', 'momentum');
  });

  it('rejects unknown options, naming the camelCase spelling of a PyTorch keyword', () => {
    expectMessage(() => new torch.optim.Adam([p()], { weight_decay: 0.1 } as never), 'Adam', 'weight_decay', 'did you mean weightDecay');
    expectMessage(() => new torch.optim.SGD([p()], { lr: 0.1, momentun: 0.9 } as never), 'SGD', 'momentun');
    expectMessage(() => new torch.optim.SGD([{ params: [p()], weight_decay: 0.1 }], { lr: 0.1 }), 'SGD', 'parameter group 0', 'weightDecay');
    expectMessage(() => new torch.optim.SGD([p()], 0.1, { lr: 0.2 }), 'SGD', 'lr given twice');
  });

  it('checks every group, including learning rates changed after construction', () => {
    expectMessage(() => new torch.optim.SGD([{ params: [p()] }, { params: [p()], lr: -1 }], { lr: 0.1 }), 'SGD', 'parameter group 1', 'lr');
    const w = p();
    const opt = new torch.optim.Adam([w]);
    w.grad = torch.ones(2, 3);
    opt.paramGroups[0].lr = -0.5;
    expectMessage(() => opt.step(), 'Adam', 'parameter group 0', '-0.5');
    expectMessage(() => opt.step(42 as never), 'Adam.step', 'closure');
  });

  it('rejects params that cannot be optimized', () => {
    expectMessage(() => new torch.optim.SGD(p() as never, { lr: 0.1 }), 'SGD', /iterable of Tensors or parameter groups/, '[2, 3]');
    expectMessage(() => new torch.optim.SGD([], { lr: 0.1 }), 'SGD', 'empty parameter list');
    expectMessage(() => new torch.optim.SGD([1, 2] as never, { lr: 0.1 }), 'SGD', 'parameter group 0');
    expectMessage(() => new torch.optim.SGD([{ params: [3] }] as never, { lr: 0.1 }), 'SGD', 'can only optimize Tensors');
    const x = torch.ones(2, { requiresGrad: true });
    expectMessage(() => new torch.optim.SGD([x.mul(2)], { lr: 0.1 }), 'SGD', /non-leaf/, 'MulBackward0');
    expectMessage(() => new torch.optim.SGD([torch.LongTensor([1, 2])], { lr: 0.1 }), 'SGD', 'int64');
    const shared = p();
    expectMessage(() => new torch.optim.SGD([{ params: [shared] }, { params: [shared] }], { lr: 0.1 }), 'SGD', 'more than one parameter group');
    expectMessage(() => new torch.optim.SGD([shared, shared], { lr: 0.1 }), 'SGD', 'more than once');
    expectMessage(() => new torch.optim.SGD([shared, { params: [p()] }] as never, { lr: 0.1 }), 'SGD', 'mixes');
    expectMessage(() => new torch.optim.SGD([{ params: new Set([p()]) }] as never, { lr: 0.1 }), 'SGD', 'ordered');
  });
});
