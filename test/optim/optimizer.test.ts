/**
 * Optimizer behaviour beyond the PyTorch trajectories: zeroGrad, parameter groups, learning-rate changes,
 * skipped parameters, closures, lifetime of state and temporaries, and printing.
 */
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index';
import { forEachBackend } from '../helpers/backends';
import { expectValues } from '../helpers/compare';

const { Parameter } = torch.nn;

function param(values: number[]): InstanceType<typeof Parameter> {
  return new Parameter(torch.tensor(values));
}

describe('Optimizer', () => {
  forEachBackend(() => {
    it('zeroGrad zeroes gradients in place by default and drops them with setToNone', () => {
      const a = param([1, 2]);
      const b = param([3]);
      const c = param([4]);
      a.grad = torch.tensor([5, 6]);
      b.grad = torch.tensor([7]);
      const opt = new torch.optim.SGD([a, b, c], { lr: 0.1 });
      const gradA = a.grad;
      opt.zeroGrad();
      expect(a.grad).toBe(gradA);
      expect(a.grad!.tolist()).toEqual([0, 0]);
      expect(b.grad!.tolist()).toEqual([0]);
      expect(c.grad).toBeNull();
      opt.zeroGrad(true);
      expect(a.grad).toBeNull();
      expect(b.grad).toBeNull();
    });

    it('zeroGrad works after a real backward and the next backward accumulates from zero', () => {
      const w = param([1, -2]);
      const opt = new torch.optim.SGD([w], 0.5);
      w.mul(torch.tensor([3, 4])).sum().backward();
      expect(w.grad!.tolist()).toEqual([3, 4]);
      opt.zeroGrad();
      w.mul(torch.tensor([1, 1])).sum().backward();
      expect(w.grad!.tolist()).toEqual([1, 1]);
      opt.step();
      expect(w.tolist()).toEqual([0.5, -2.5]);
    });

    it('parameter groups take their own learning rates and inherit the rest', () => {
      const a = param([1, 1]);
      const b = param([1, 1]);
      const opt = new torch.optim.SGD([{ params: [a] }, { params: b, lr: 0.01 }], { lr: 0.1, momentum: 0.9 });
      expect(opt.paramGroups[1].momentum).toBe(0.9);
      expect(opt.paramGroups[1].params.length).toBe(1);
      expect(opt.paramGroups[1].params[0]).toBe(b);
      a.grad = torch.ones(2);
      b.grad = torch.ones(2);
      opt.step();
      expectValues(a, [2], [0.9, 0.9]);
      expectValues(b, [2], [0.99, 0.99]);
    });

    it('changing paramGroups[i].lr between steps changes later steps only', () => {
      const p = param([0]);
      const opt = new torch.optim.Adam([p], { lr: 0.1 });
      p.grad = torch.tensor([1]);
      opt.step();
      const afterFirst = p.item();
      expect(afterFirst).toBeCloseTo(-0.1, 5);
      opt.paramGroups[0].lr = 0;
      opt.step();
      expect(p.item()).toBe(afterFirst);
      opt.paramGroups[0].lr = 0.05;
      opt.step();
      expect(p.item()).toBeCloseTo(afterFirst - 0.05, 5);
    });

    it('parameters without a gradient are skipped and get no state', () => {
      const a = param([1, 2]);
      const b = param([3, 4]);
      const opt = new torch.optim.Adam([a, b], { lr: 0.1 });
      a.grad = torch.tensor([1, -1]);
      opt.step();
      expect(b.tolist()).toEqual([3, 4]);
      expect(opt.state.has(a)).toBe(true);
      expect(opt.state.has(b)).toBe(false);
      expect(Object.keys(opt.stateDict().state)).toEqual(['0']);
    });

    it('step(closure) evaluates the closure with gradients enabled and returns its loss', () => {
      const w = param([2]);
      const opt = new torch.optim.SGD([w], { lr: 0.25 });
      const closure = () => {
        opt.zeroGrad();
        const loss = w.mul(w).sum();
        loss.backward();
        return loss;
      };
      const loss = torch.noGrad(() => opt.step(closure));
      expect(loss!.item()).toBe(4);
      expect(w.item()).toBe(1); // 2 - 0.25 * 4
    });

    it('accepts plain leaf tensors that require grad, and lr positionally', () => {
      const w = torch.tensor([1, 2], { requiresGrad: true });
      const opt = new torch.optim.RMSprop([w], 0.01, { alpha: 0.9 });
      expect(opt.paramGroups[0].lr).toBe(0.01);
      expect(opt.paramGroups[0].alpha).toBe(0.9);
      w.grad = torch.tensor([1, 1]);
      opt.step();
      expect(w.requiresGrad).toBe(true);
      expect(w.isLeaf).toBe(true);
      expect(w.toArray()[0]).toBeLessThan(1);
    });

    it('addParamGroup adds parameters trained from then on', () => {
      const a = param([1]);
      const b = param([1]);
      const opt = new torch.optim.SGD([a], { lr: 0.1 });
      opt.addParamGroup({ params: [b], lr: 1 });
      a.grad = torch.ones(1);
      b.grad = torch.ones(1);
      opt.step();
      expectValues(a, [1], [0.9]);
      expectValues(b, [1], [0]);
    });

    it('AdamW decays weights with a zero gradient; Adam with weight decay does so through the gradient', () => {
      const a = param([1]);
      const w = param([1]);
      const adamw = new torch.optim.AdamW([w], { lr: 0.1 });
      expect(adamw.paramGroups[0].weightDecay).toBe(0.01);
      w.grad = torch.zeros(1);
      adamw.step();
      expectValues(w, [1], [1 - 0.1 * 0.01]);
      const adam = new torch.optim.Adam([a], { lr: 0.1, weightDecay: 0.5 });
      a.grad = torch.zeros(1);
      adam.step();
      expectValues(a, [1], [0.9], 'adam', { rtol: 1e-5, atol: 1e-6 });
    });

    it('a training loop reduces the loss with every optimizer', () => {
      const x = torch.tensor([[1, 2], [3, 4], [-1, 0.5], [2, -1]]);
      const y = torch.tensor([5, 11, 0, 0]); // y = x·[1, 2]
      for (const make of [
        (p: torch.Tensor[]) => new torch.optim.SGD(p, { lr: 0.02, momentum: 0.9, nesterov: true }),
        (p: torch.Tensor[]) => new torch.optim.Adam(p, { lr: 0.1, amsgrad: true }),
        (p: torch.Tensor[]) => new torch.optim.AdamW(p, { lr: 0.1 }),
        (p: torch.Tensor[]) => new torch.optim.RMSprop(p, { lr: 0.05, centered: true, momentum: 0.5 }),
      ]) {
        torch.manualSeed(1);
        const w = new Parameter(torch.zeros(2));
        const opt = make([w]);
        const lossAt = () => {
          opt.zeroGrad();
          const loss = x.matmul(w).sub(y).pow(2).mean();
          loss.backward();
          return loss.item();
        };
        const first = lossAt();
        let last = first;
        for (let i = 0; i < 60; i++) {
          opt.step();
          last = lossAt();
        }
        expect(last, opt.name).toBeLessThan(first * 0.05);
      }
    });

    it('state survives the step clock and per-step temporaries are freed', () => {
      const w = param([0.5, -0.25, 1]);
      const b = param([0.1]);
      const x = torch.tensor([1, 2, 3]);
      const opt = new torch.optim.Adam([w, b], { lr: 0.01, amsgrad: true, weightDecay: 0.1, maximize: true });
      const train = () => {
        opt.zeroGrad();
        w.mul(x).sum().add(b.sum()).tanh().backward();
        opt.step();
      };
      train();
      const live = torch.memory().tensors;
      for (let i = 0; i < 8; i++) train();
      // the graph of the last backward is freed by the engine; nothing the optimizer made accumulates
      expect(torch.memory().tensors).toBeLessThanOrEqual(live);
      const s = opt.state.get(w)!;
      expect(s.step).toBe(9);
      expect(s.exp_avg.toArray().length).toBe(3);
      expect(s.max_exp_avg_sq!.toArray().length).toBe(3);
    });

    it('one step allocates nothing that outlives it, for every optimizer and option', () => {
      const configs: [string, Record<string, unknown>][] = [
        ['SGD', { lr: 0.1 }],
        ['SGD', { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.1, maximize: true }],
        ['Adam', { amsgrad: true, weightDecay: 0.1, maximize: true }],
        ['AdamW', { amsgrad: true }],
        ['RMSprop', { centered: true, momentum: 0.9, weightDecay: 0.1, maximize: true }],
      ];
      for (const [name, options] of configs) {
        const p = param([1, 2, 3, 4]);
        p.grad = torch.tensor([0.5, -1, 2, 0]);
        const Ctor = torch.optim[name as 'SGD'] as unknown as new (p: unknown, o: unknown) => torch.optim.SGD;
        const opt = new Ctor([p], options);
        opt.step(); // creates the state
        const before = torch.memory().tensors;
        opt.step();
        opt.step();
        expect(torch.memory().tensors, `${name} ${JSON.stringify(options)}`).toBe(before);
      }
    });

    it('prints its parameter groups as PyTorch does', () => {
      const opt = new torch.optim.SGD([param([1])], { lr: 0.1, momentum: 0.9 });
      expect(opt.toString()).toBe(
        'SGD (\nParameter Group 0\n    dampening: 0\n    lr: 0.1\n    maximize: False\n    momentum: 0.9\n' +
          '    nesterov: False\n    weight_decay: 0\n)',
      );
      const adam = new torch.optim.Adam([param([1])]);
      expect(adam.toString()).toContain('    betas: (0.9, 0.999)\n');
    });
  });
});

describe('optimizer update functions are usable on their own', () => {
  forEachBackend(() => {
    it('sgdUpdate is the maths SGD.step runs', () => {
      const p = torch.tensor([1, 2]);
      const state: torch.optim.SGDState = { momentum_buffer: null };
      const h = { lr: 0.5, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, maximize: false };
      torch.noGrad(() => torch.optim.sgdUpdate(p, torch.tensor([1, 1]), state, h));
      expect(p.tolist()).toEqual([0.5, 1.5]);
      expect(state.momentum_buffer!.tolist()).toEqual([1, 1]);
    });
  });
});
