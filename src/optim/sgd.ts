/** Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay. */
import type { SGDCoefficients, SGDTarget } from '../backend/types.js';
import type { Tensor } from '../tensor.js';
import { Optimizer, type ParamGroup, type Params, type Update } from './optimizer.js';
import { bool, checkOptionKeys, finite, nonNegative, optionsFrom, type Where } from './options.js';
import { checkStateKeys, readOptionalTensor } from './state.js';
import { zerosLikeState } from './tensor-ops.js';
import { FusedStep } from './fused.js';

export interface SGDOptions {
  /** required: in the options, positionally, or in every parameter group */
  lr?: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
  maximize?: boolean;
}

export type SGDHyper = Required<SGDOptions>;

/** PyTorch's key name; null until the first step with momentum (and always when momentum is 0). */
export interface SGDState {
  momentum_buffer: Tensor | null;
}

const OPTIONS = ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov', 'maximize'] as const;

/**
 * One SGD step over `params` (PyTorch 1.13 `_single_tensor_sgd`, in its order of float32 operations), with
 * learning rate γ, momentum μ, dampening τ, weight decay λ; one fused kernel call (Backend.sgdStep) per
 * backend updates every parameter and its momentum buffer:
 *
 *   g ← −∇ if maximize else ∇
 *   g ← g + λ·θ                               (λ ≠ 0)
 *   b ← g at the first step, else μ·b + (1 − τ)·g      (μ ≠ 0)
 *   g ← g + μ·b if nesterov else b            (μ ≠ 0)
 *   θ ← θ − γ·g
 *
 * reference.ts `sgdUpdate` is the same maths composed of tensor ops.
 */
export function sgdStep(params: readonly Tensor[], grads: readonly Tensor[], states: readonly SGDState[], h: SGDHyper): void {
  const fused = new FusedStep<SGDTarget>('SGD.step');
  params.forEach((param, i) => {
    fused.check(param, 'grad', grads[i]);
    if (h.momentum !== 0) fused.check(param, 'momentum_buffer', states[i].momentum_buffer);
  });
  params.forEach((param, i) => {
    const state = states[i];
    const p = fused.update(param);
    const g = fused.read(grads[i]);
    let b: Tensor | null = null;
    let firstStep = false;
    if (h.momentum !== 0) {
      // at the buffer's first step the kernel sets it to the step's direction (PyTorch clones that)
      firstStep = state.momentum_buffer === null;
      state.momentum_buffer ??= zerosLikeState(param);
      b = fused.update(state.momentum_buffer);
    }
    fused.add(param.storage.backend, {
      n: param.numel(),
      param: fused.buf(p), paramOff: p.offset,
      grad: fused.buf(g), gradOff: g.offset,
      momentumBuffer: b === null ? null : fused.buf(b), momentumBufferOff: b === null ? 0 : b.offset,
      firstStep,
    });
  });
  const c: SGDCoefficients = {
    momentum: h.momentum, oneMinusDampening: 1 - h.dampening, weightDecay: h.weightDecay, negLr: -h.lr,
    nesterov: h.nesterov, maximize: h.maximize,
  };
  fused.run((backend, targets) => backend.sgdStep(c, targets));
}

export class SGD extends Optimizer<SGDHyper, SGDState> {
  /** `new SGD(params, { lr, momentum, dampening, weightDecay, nesterov, maximize })` or `new SGD(params, lr, {...})`. */
  constructor(params: Params<SGDHyper>, lrOrOptions?: number | SGDOptions, options?: SGDOptions) {
    const opts = optionsFrom('SGD', lrOrOptions, options);
    checkOptionKeys('SGD', opts, OPTIONS);
    const defaults = { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, ...opts };
    checkSGD('SGD', defaults, false);
    super('SGD', params, defaults, OPTIONS);
  }

  protected checkGroup(group: ParamGroup<SGDHyper>, where: Where): void {
    checkSGD(where, group, true);
  }

  protected prepareState(_param: Tensor, state: SGDState | undefined): SGDState {
    return state ?? { momentum_buffer: null };
  }

  protected updater(group: ParamGroup<SGDHyper>): Update<SGDState> {
    const h: SGDHyper = {
      lr: group.lr, momentum: group.momentum, dampening: group.dampening,
      weightDecay: group.weightDecay, nesterov: group.nesterov, maximize: group.maximize,
    };
    return (params, grads, states) => sgdStep(params, grads, states, h);
  }

  protected readState(raw: unknown, param: Tensor, _group: ParamGroup<SGDHyper>, where: Where): SGDState {
    const entry = checkStateKeys(where, raw, ['momentum_buffer']);
    return { momentum_buffer: readOptionalTensor(where, entry, 'momentum_buffer', param) ?? null };
  }
}

/** lr may be missing from the constructor's options when every group gives one (PyTorch's `required`). */
function checkSGD(where: Where, o: SGDOptions, lrRequired: boolean): void {
  if (lrRequired && o.lr === undefined) {
    throw new Error(`${where}: lr is required; give it as new SGD(params, { lr }) or in every parameter group`);
  }
  if (o.lr !== undefined) nonNegative(where, 'lr', o.lr);
  const momentum = nonNegative(where, 'momentum', o.momentum);
  const dampening = finite(where, 'dampening', o.dampening);
  nonNegative(where, 'weightDecay', o.weightDecay);
  const nesterov = bool(where, 'nesterov', o.nesterov);
  bool(where, 'maximize', o.maximize);
  if (nesterov && (momentum <= 0 || dampening !== 0)) {
    throw new Error(`${where}: Nesterov momentum requires a momentum and zero dampening (got momentum ${momentum}, dampening ${dampening})`);
  }
}
