/**
 * The fused optimizer steps (adamStep, sgdStep, rmspropStep: one kernel call per group) against their
 * composed references (reference.ts), for every option, on parameters of 0, 1, odd and large sizes, on every
 * backend; the backends' fused kernels against each other bit for bit (through the optimizers, and kernel
 * by kernel for every flag, both wasm builds, buffer offsets and special values); non-contiguous operands;
 * steps over more parameters than one kernel table holds; and that a step allocates nothing.
 */
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/index';
import { createJsBackend } from '../../src/backend/js/index';
import type { Backend, Buf, OptimTarget } from '../../src/backend/types';
import { createWasmBackend, wasmBytes } from '../../src/backend/wasm/index';
import { currentBackend } from '../../src/runtime';
import { BACKENDS, forEachBackend } from '../helpers/backends';
import { describeMismatch } from '../helpers/compare';
import { OPTIM_TOL, makeOptimizer, type OptimizerName } from './optim-fixtures';

type Tensor = torch.Tensor;
type AnyOptimizer = ReturnType<typeof makeOptimizer>;

/** Every option each algorithm has, alone and combined. */
const CONFIGS: [OptimizerName, Record<string, unknown>][] = [
  ['Adam', { lr: 0.01 }],
  ['Adam', { lr: 0.05, weightDecay: 0.1 }],
  ['Adam', { lr: 0.05, amsgrad: true }],
  ['Adam', { lr: 0.02, betas: [0.8, 0.95], eps: 1e-6, weightDecay: 0.01, amsgrad: true, maximize: true }],
  ['AdamW', { lr: 0.01 }],
  ['AdamW', { lr: 0.05, weightDecay: 0.3, amsgrad: true, maximize: true }],
  ['SGD', { lr: 0.1 }],
  ['SGD', { lr: 0.1, weightDecay: 0.05, maximize: true }],
  ['SGD', { lr: 0.1, momentum: 0.9 }],
  ['SGD', { lr: 0.1, momentum: 0.9, dampening: 0.3, weightDecay: 0.01 }],
  ['SGD', { lr: 0.1, momentum: 0.8, nesterov: true, weightDecay: 0.02, maximize: true }],
  ['RMSprop', { lr: 0.01 }],
  ['RMSprop', { lr: 0.01, alpha: 0.9, weightDecay: 0.1, maximize: true }],
  ['RMSprop', { lr: 0.01, momentum: 0.9 }],
  ['RMSprop', { lr: 0.01, centered: true }],
  ['RMSprop', { lr: 0.005, momentum: 0.5, centered: true, weightDecay: 0.05, eps: 1e-6 }],
];

/** 0, 1, odd (a 4-lane body plus a tail), and large with a tail. */
const SIZES = [0, 1, 7, 1031];
const STEPS = 4;

const label = ([name, options]: [OptimizerName, Record<string, unknown>]): string => `${name} ${JSON.stringify(options)}`;

/** Deterministic values independent of the backend (so the backends can be compared bit for bit). */
function values(n: number, seed: number, scale = 1): number[] {
  let s = seed * 7919 + 1;
  return Array.from({ length: n }, () => {
    s = (s * 48271) % 2147483647;
    const u = s / 2147483647;
    return Math.fround((u * 2 - 1) * scale * (u < 0.1 ? 10 : 1));
  });
}

/** State tensors of a reference run, created like the optimizers' prepareState does. */
function referenceState(name: OptimizerName, group: Record<string, unknown>, param: Tensor): Record<string, unknown> {
  const zeros = (): Tensor => torch.zerosLike(param).keep();
  if (name === 'SGD') return { momentum_buffer: null };
  if (name === 'RMSprop') {
    const s: Record<string, unknown> = { step: 0, square_avg: zeros() };
    if ((group.momentum as number) > 0) s.momentum_buffer = zeros();
    if (group.centered) s.grad_avg = zeros();
    return s;
  }
  const s: Record<string, unknown> = { step: 0, exp_avg: zeros(), exp_avg_sq: zeros() };
  if (group.amsgrad) s.max_exp_avg_sq = zeros();
  return s;
}

/** One step of the composed reference for the hyper-parameters of `group`. */
function referenceUpdate(name: OptimizerName, group: Record<string, unknown>, param: Tensor, grad: Tensor, state: Record<string, unknown>): void {
  const g = group as Record<string, never>;
  torch.noGrad(() => {
    if (name === 'SGD') {
      torch.optim.sgdUpdate(param, grad, state as unknown as torch.optim.SGDState, g);
    } else if (name === 'RMSprop') {
      torch.optim.rmspropUpdate(param, grad, state as unknown as torch.optim.RMSpropState, g);
    } else {
      const [beta1, beta2] = group.betas as [number, number];
      torch.optim.adamUpdate(param, grad, state as unknown as torch.optim.AdamState, {
        ...g, beta1, beta2, decoupledWeightDecay: name === 'AdamW',
      });
    }
  });
}

/** Runs STEPS fused steps (the optimizer) over parameters of `sizes`; returns them, their state and the optimizer. */
function runFused(config: [OptimizerName, Record<string, unknown>], sizes: number[], seed: number) {
  const params = sizes.map((n, i) => new torch.nn.Parameter(torch.tensor(values(n, seed + i))));
  const optimizer = makeOptimizer(config[0], params, config[1]);
  for (let k = 0; k < STEPS; k++) {
    params.forEach((p, i) => {
      p.grad = torch.tensor(values(p.numel(), seed + 100 * (k + 1) + i, 0.5));
    });
    optimizer.step();
  }
  return { params, optimizer };
}

/** The same trajectory through the composed reference, one parameter at a time. */
function runReference(config: [OptimizerName, Record<string, unknown>], sizes: number[], seed: number, group: Record<string, unknown>) {
  const params = sizes.map((n, i) => torch.tensor(values(n, seed + i)));
  const states = params.map((p) => referenceState(config[0], group, p));
  for (let k = 0; k < STEPS; k++) {
    params.forEach((p, i) => {
      referenceUpdate(config[0], group, p, torch.tensor(values(p.numel(), seed + 100 * (k + 1) + i, 0.5)), states[i]);
    });
  }
  return { params, states };
}

function expectClose(actual: Tensor, expected: Tensor, what: string): void {
  const mismatch = describeMismatch(actual.toArray(), Array.from(expected.toArray()), [...actual.shape], OPTIM_TOL);
  if (mismatch !== null) throw new Error(`${what}: ${mismatch}`);
}

function stateTensors(optimizer: AnyOptimizer, p: Tensor): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [key, v] of Object.entries(optimizer.state.get(p) as Record<string, unknown>)) if (v instanceof torch.Tensor) out[key] = v;
  return out;
}

describe('fused optimizer steps', () => {
  forEachBackend(() => {
    for (const config of CONFIGS) {
      it(`${label(config)} matches the composed reference over ${STEPS} steps (sizes ${SIZES.join(', ')})`, () => {
        const fused = runFused(config, SIZES, 1);
        const group = fused.optimizer.paramGroups[0] as unknown as Record<string, unknown>;
        const ref = runReference(config, SIZES, 1, group);
        fused.params.forEach((p, i) => {
          expectClose(p, ref.params[i], `${label(config)}: param of size ${SIZES[i]}`);
          const state = stateTensors(fused.optimizer, p);
          const refState = ref.states[i] as Record<string, unknown>;
          for (const [key, t] of Object.entries(state)) expectClose(t, refState[key] as Tensor, `${label(config)}: ${key} of size ${SIZES[i]}`);
          expect(Object.keys(state).sort(), `${label(config)}: state keys`).toEqual(
            Object.keys(refState).filter((key) => refState[key] instanceof torch.Tensor).sort());
          if ('step' in refState) expect((fused.optimizer.state.get(p) as { step: number }).step).toBe(refState.step);
        });
      });
    }

    it('a step over more parameters than one kernel table holds updates every one', () => {
      const config: [OptimizerName, Record<string, unknown>] = ['Adam', { lr: 0.01, amsgrad: true }];
      const sizes = Array.from({ length: 203 }, (_, i) => i % 9);
      const fused = runFused(config, sizes, 5);
      const ref = runReference(config, sizes, 5, fused.optimizer.paramGroups[0] as unknown as Record<string, unknown>);
      fused.params.forEach((p, i) => expectClose(p, ref.params[i], `param ${i} of ${sizes.length}`));
    });

    it('non-contiguous parameters and gradients are updated through contiguous copies, with the same maths', () => {
      for (const config of [CONFIGS[3], CONFIGS[10], CONFIGS[15]]) {
        const base = values(35, 3);
        const contiguous = new torch.nn.Parameter(torch.tensor(base).view(5, 7).t().contiguous());
        const strided = torch.tensor(base).view(5, 7).t().requiresGrad_();
        expect(strided.isContiguous()).toBe(false);
        const a = makeOptimizer(config[0], [contiguous], config[1]);
        const b = makeOptimizer(config[0], [strided], config[1]);
        const storage = strided.storage;
        for (let k = 0; k < STEPS; k++) {
          const g = values(35, 50 + k, 0.5);
          contiguous.grad = torch.tensor(g).view(5, 7).t().contiguous();
          strided.grad = torch.tensor(g).view(5, 7).t();
          a.step();
          b.step();
        }
        expect(strided.storage).toBe(storage);
        expect(strided.toArray(), label(config)).toEqual(contiguous.toArray());
      }
    });

    it('a step allocates no tensors and no buffers once the state exists', () => {
      for (const config of CONFIGS) {
        const params = [3, 1, 0, 17].map((n, i) => new torch.nn.Parameter(torch.tensor(values(n, i))));
        for (const p of params) p.grad = torch.tensor(values(p.numel(), 9, 0.5));
        const optimizer = makeOptimizer(config[0], params, config[1]);
        optimizer.step(); // creates the state
        const backend = currentBackend();
        const alloc = backend.alloc;
        let allocations = 0;
        backend.alloc = (length, dtype) => {
          allocations++;
          return alloc.call(backend, length, dtype);
        };
        const before = torch.memory().tensors;
        try {
          optimizer.step();
          optimizer.step();
        } finally {
          backend.alloc = alloc;
        }
        expect(allocations, label(config)).toBe(0);
        expect(torch.memory().tensors, label(config)).toBe(before);
      }
    });

    it('a parameter whose shape changed under its state fails with the shapes, before anything changes', () => {
      const p = new torch.nn.Parameter(torch.tensor([1, 2, 3]));
      const q = new torch.nn.Parameter(torch.tensor([4, 5]));
      p.grad = torch.tensor([1, 1, 1]);
      q.grad = torch.tensor([1, 1]);
      const optimizer = new torch.optim.Adam([q, p], { lr: 0.1 });
      optimizer.step();
      p.data = torch.tensor([1, 2, 3, 4]);
      p.grad = torch.tensor([1, 1, 1, 1]);
      const qBefore = q.tolist();
      expect(() => optimizer.step()).toThrow('Adam.step: exp_avg has shape [3] but its parameter has shape [4]');
      expect(q.tolist()).toEqual(qBefore);
      expect((optimizer.state.get(q) as torch.optim.AdamState).step).toBe(1);
    });
  });
});

describe('fused optimizer kernels agree bit for bit across backends', () => {
  const initial = torch.backend();
  for (const config of CONFIGS) {
    it(label(config), () => {
      const results = BACKENDS.map((name) => {
        torch.setBackend(name);
        try {
          const { params, optimizer } = runFused(config, SIZES, 2);
          return params.flatMap((p) => [p, ...Object.values(stateTensors(optimizer, p))].map((t) => Array.from(t.toArray())));
        } finally {
          torch.setBackend(initial);
        }
      });
      results.slice(1).forEach((r, b) => {
        r.forEach((arr, j) => arr.forEach((x, i) => {
          const y = results[0][j][i];
          if (!Object.is(x, y) && !(Number.isNaN(x) && Number.isNaN(y))) {
            throw new Error(`${BACKENDS[b + 1]} vs ${BACKENDS[0]}: tensor ${j} element ${i} is ${x}, expected ${y}`);
          }
        }));
      });
    });
  }
});

setFlagsFromString('--experimental-wasm-relaxed-simd');
const variants = (['simd', 'relaxed'] as const).filter((v) => WebAssembly.validate(wasmBytes(v)));

/** Sizes of the targets of one kernel call: empty, tails, bodies, and more targets than one table holds. */
const KERNEL_SIZES = [0, 1, 2, 3, 4, 5, 7, 8, 17, 64, 1003, ...Array.from({ length: 100 }, (_, i) => i % 6)];
const SPECIALS = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0, 1e-40];

/** Target buffers (param, grad, three state) with the same contents on every backend, at a nonzero offset. */
function kernelTargets(backends: Backend[], seed: number): { bufs: Buf[][][]; targets: (OptimTarget & { states: [Buf, number][] })[][] } {
  const bufs: Buf[][][] = backends.map(() => []);
  const targets = backends.map(() => [] as (OptimTarget & { states: [Buf, number][] })[]);
  KERNEL_SIZES.forEach((n, k) => {
    const off = (k * 5) % 7;
    const data = values(n + off, seed + k, 2).map((x, i) => (i % 23 === 5 ? SPECIALS[(i + k) % SPECIALS.length] : x));
    backends.forEach((be, b) => {
      const five = [0, 1, 2, 3, 4].map((j) => {
        const buf = be.alloc(n + off, 'float32');
        // state buffers start non-negative where they are second moments (exp_avg_sq, square_avg)
        be.write(buf, 0, j === 0 ? data : values(n + off, seed + 7 * k + j, j === 1 ? 0.5 : 1).map((x) => (j >= 2 ? Math.abs(x) : x)));
        return buf;
      });
      bufs[b].push(five);
      targets[b].push({ n, param: five[0], paramOff: off, grad: five[1], gradOff: off, states: five.slice(2).map((x) => [x, off]) });
    });
  });
  return { bufs, targets };
}

describe('fused optimizer kernels: every wasm build against the js backend, bit for bit', () => {
  const same = (a: ArrayLike<number>, e: ArrayLike<number>, what: string): void => {
    for (let i = 0; i < e.length; i++) {
      if (!Object.is(a[i], e[i]) && !(Number.isNaN(a[i]) && Number.isNaN(e[i]))) {
        throw new Error(`${what}: element ${i} is ${a[i]}, the js backend gives ${e[i]}`);
      }
    }
  };
  const runAll = (run: (be: Backend, targets: (OptimTarget & { states: [Buf, number][] })[]) => void, what: string, seed: number): void => {
    for (const variant of variants) {
      const backends = [createWasmBackend(variant), createJsBackend()];
      const { bufs, targets } = kernelTargets(backends, seed);
      backends.forEach((be, b) => {
        for (let step = 0; step < 3; step++) run(be, targets[b]);
      });
      bufs[0].forEach((five, k) => five.forEach((buf, j) => {
        same(backends[0].read(buf, 0, buf.length), backends[1].read(bufs[1][k][j], 0, buf.length), `${variant} build, ${what}: target ${k} buffer ${j}`);
      }));
    }
  };

  it('adamStep, every flag', () => {
    for (let flags = 0; flags < 16; flags++) {
      const [maximize, amsgrad, decay, decoupled] = [1, 2, 4, 8].map((bit) => (flags & bit) !== 0);
      const c = {
        beta1: 0.9, oneMinusBeta1: 1 - 0.9, beta2: 0.99, oneMinusBeta2: 1 - 0.99, eps: 1e-8,
        weightDecay: decay ? 0.03 : 0, paramScale: decoupled ? 1 - 0.01 * 0.2 : 1, amsgrad, maximize,
      };
      runAll((be, targets) => be.adamStep(c, targets.map((t, k) => ({
        ...t, expAvg: t.states[0][0], expAvgOff: t.states[0][1], expAvgSq: t.states[1][0], expAvgSqOff: t.states[1][1],
        maxExpAvgSq: amsgrad ? t.states[2][0] : null, maxExpAvgSqOff: t.states[2][1],
        negStepSize: -0.01 / (1 - 0.9 ** (k % 5 + 1)), biasCorrection2Sqrt: Math.sqrt(1 - 0.99 ** (k % 5 + 1)),
      }))), `adam flags ${flags}`, flags);
    }
  });

  it('sgdStep, every flag', () => {
    for (let flags = 0; flags < 64; flags++) {
      const [maximize, useMomentum, nesterov, decay, damped, first] = [1, 2, 4, 8, 16, 32].map((bit) => (flags & bit) !== 0);
      if (!useMomentum && (nesterov || damped || first)) continue;
      const c = { momentum: useMomentum ? 0.9 : 0, oneMinusDampening: damped ? 1 - 0.3 : 1, weightDecay: decay ? 0.02 : 0, negLr: -0.1, nesterov, maximize };
      runAll((be, targets) => be.sgdStep(c, targets.map((t) => ({
        ...t, momentumBuffer: useMomentum ? t.states[0][0] : null, momentumBufferOff: t.states[0][1], firstStep: first,
      }))), `sgd flags ${flags}`, 100 + flags);
    }
  });

  it('rmspropStep, every flag', () => {
    for (let flags = 0; flags < 16; flags++) {
      const [maximize, useMomentum, centered, decay] = [1, 2, 4, 8].map((bit) => (flags & bit) !== 0);
      const c = { alpha: 0.9, oneMinusAlpha: 1 - 0.9, eps: 1e-8, weightDecay: decay ? 0.05 : 0, momentum: useMomentum ? 0.8 : 0, negLr: -0.01, centered, maximize };
      runAll((be, targets) => be.rmspropStep(c, targets.map((t) => ({
        ...t, squareAvg: t.states[0][0], squareAvgOff: t.states[0][1],
        momentumBuffer: useMomentum ? t.states[1][0] : null, momentumBufferOff: t.states[1][1],
        gradAvg: centered ? t.states[2][0] : null, gradAvgOff: t.states[2][1],
      }))), `rmsprop flags ${flags}`, 200 + flags);
    }
  });
});
