/** stateDict / loadStateDict: PyTorch's shape, round trips that continue training identically, and checks. */
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index';
import { forEachBackend } from '../helpers/backends';
import { expectOpError } from '../helpers/errors';
import { loadOptimCases, makeOptimizer, replayOptimCase } from './optim-fixtures';

const { Parameter } = torch.nn;

function params(): InstanceType<typeof Parameter>[] {
  return [new Parameter(torch.tensor([[0.5, -1, 2], [0.25, 0, -0.75]])), new Parameter(torch.tensor([1, -2, 3, 0.5]))];
}

/** Gradients for step k, the same for every run. */
function gradsAt(k: number): torch.Tensor[] {
  return [
    torch.tensor([[k + 1, -0.5, 0.25], [2, -k, 1]]).mul(0.3),
    torch.tensor([0.1 * k, -1, 0.5, k % 2 === 0 ? 2 : -2]),
  ];
}

function train(opt: { step(): unknown }, ps: torch.Tensor[], from: number, steps: number): void {
  for (let k = from; k < from + steps; k++) {
    gradsAt(k).forEach((g, i) => (ps[i].grad = g));
    opt.step();
  }
}

const CONFIGS: [Parameters<typeof makeOptimizer>[0], Record<string, unknown>][] = [
  ['SGD', { lr: 0.1, momentum: 0.9, nesterov: true }],
  ['SGD', { lr: 0.1 }],
  ['Adam', { lr: 0.01, amsgrad: true, weightDecay: 0.1 }],
  ['AdamW', { lr: 0.01, betas: [0.8, 0.95] }],
  ['RMSprop', { lr: 0.01, centered: true, momentum: 0.5 }],
];

describe('optimizer state dicts', () => {
  forEachBackend(() => {
    for (const [name, options] of CONFIGS) {
      it(`${name} ${JSON.stringify(options)}: a loaded state dict continues training exactly like the original`, () => {
        const a = params();
        const optA = makeOptimizer(name, a, options);
        train(optA, a, 0, 3);
        const b = params();
        b.forEach((p, i) => torch.noGrad(() => p.copy_(a[i])));
        const optB = makeOptimizer(name, b, { lr: 0.5 });
        optB.loadStateDict(optA.stateDict());
        expect(optB.paramGroups[0].lr).toBe(options.lr);
        train(optA, a, 3, 2);
        train(optB, b, 3, 2);
        a.forEach((p, i) => expect(b[i].tolist()).toEqual(p.tolist()));
      });
    }

    it('has PyTorch 1.13 keys and values (compared with the recorded state dicts)', () => {
      for (const c of loadOptimCases()) {
        const sd = replayOptimCase(c).optimizer.stateDict();
        expect(Object.keys(sd)).toEqual(['state', 'param_groups']);
        for (const [g, group] of c.stateDict.param_groups.entries()) {
          expect(sd.param_groups[g].params, c.name).toEqual(group.params);
        }
      }
    });

    it('Adam saves step as a one-element tensor and RMSprop as a number, as PyTorch 1.13 does', () => {
      const [p] = params();
      p.grad = torch.onesLike(p);
      const adam = new torch.optim.Adam([p]);
      adam.step();
      adam.step();
      const step = adam.stateDict().state[0].step as torch.Tensor;
      expect(step).toBeInstanceOf(torch.Tensor);
      expect(step.shape).toEqual([]);
      expect(step.item()).toBe(2);
      const rms = new torch.optim.RMSprop([p]);
      rms.step();
      expect(rms.stateDict().state[0].step).toBe(1);
      expect(new torch.optim.SGD([p], 0.1).stateDict()).toEqual({
        state: {},
        param_groups: [{ lr: 0.1, momentum: 0, dampening: 0, weight_decay: 0, nesterov: false, maximize: false, params: [0] }],
      });
    });

    it('loads numbers or tensors for step, ignores PyTorch implementation switches, keeps extra group keys', () => {
      const [p] = params();
      const opt = new torch.optim.Adam([p]);
      opt.loadStateDict({
        state: { 0: { step: 4, exp_avg: torch.onesLike(p), exp_avg_sq: torch.onesLike(p) } },
        param_groups: [{
          lr: 0.02, betas: [0.5, 0.6], eps: 1e-6, weight_decay: 0, amsgrad: false, maximize: false,
          foreach: null, capturable: false, differentiable: false, fused: false, initial_lr: 0.02, params: [0],
        }],
      });
      const group = opt.paramGroups[0];
      expect(group.lr).toBe(0.02);
      expect(group.betas).toEqual([0.5, 0.6]);
      expect(group.initialLr).toBe(0.02);
      expect('foreach' in group).toBe(false);
      expect(opt.state.get(p)!.step).toBe(4);
      expect(opt.stateDict().param_groups[0].initial_lr).toBe(0.02);
    });

    it('a loaded state is a copy: the source dict and the optimizer stay independent', () => {
      const a = params();
      const optA = new torch.optim.Adam(a, { lr: 0.01 });
      train(optA, a, 0, 2);
      const sd = optA.stateDict();
      const b = params();
      const optB = new torch.optim.Adam(b, { lr: 0.01 });
      optB.loadStateDict(sd);
      const before = optB.state.get(b[0])!.exp_avg.tolist();
      train(optA, a, 2, 1);
      expect(optB.state.get(b[0])!.exp_avg.tolist()).toEqual(before);
      // loading an optimizer's own state dict back keeps that dict usable
      optA.loadStateDict(optA.stateDict());
      expect((sd.state[0].exp_avg as torch.Tensor).toArray().length).toBe(6);
      train(optA, a, 3, 1);
    });

    it('rejects a state dict that does not fit, leaving the optimizer unchanged', () => {
      const ps = params();
      const opt = new torch.optim.Adam(ps, { lr: 0.01 });
      train(opt, ps, 0, 1);
      const good = opt.stateDict();
      const snapshot = JSON.stringify(opt.state.get(ps[0])!.exp_avg.tolist());
      const wrongShape = torch.zeros(3);
      const live = torch.memory().tensors;
      const groups = good.param_groups;
      expectOpError(() => opt.loadStateDict({ state: {}, param_groups: [groups[0], groups[0]] }), 'loadStateDict');
      expectOpError(() => opt.loadStateDict({ state: {}, param_groups: [{ ...groups[0], params: [0] }] }), 'loadStateDict');
      expectOpError(() => opt.loadStateDict({ state: good.state, param_groups: [{ ...groups[0], lr: -1 }] }), 'loadStateDict');
      expectOpError(() => opt.loadStateDict({ ...good, state: { ...good.state, 7: good.state[0] } }), 'loadStateDict');
      expectOpError(
        () => opt.loadStateDict({ ...good, state: { 0: good.state[0], 1: { ...good.state[1], exp_avg: wrongShape } } }),
        'loadStateDict', [[3], [4]],
      );
      expectOpError(() => opt.loadStateDict({ ...good, state: { 0: { momentum_buffer: null } } }), 'loadStateDict');
      expectOpError(() => opt.loadStateDict({ ...good, state: { 0: { ...good.state[0], step: 1.5 } } }), 'loadStateDict');
      expectOpError(() => opt.loadStateDict(null as never), 'loadStateDict');
      expect(JSON.stringify(opt.state.get(ps[0])!.exp_avg.tolist())).toBe(snapshot);
      expect(opt.paramGroups[0].lr).toBe(0.01);
      expect(torch.memory().tensors).toBe(live);
    });
  });
});
