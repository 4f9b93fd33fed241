/** Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay. */
import type { Tensor } from '../tensor.js';
import { Optimizer, type ParamGroup, type Params, type Update } from './optimizer.js';
import { bool, checkOptionKeys, finite, nonNegative, optionsFrom, type Where } from './options.js';
import { checkStateKeys, readOptionalTensor } from './state.js';
import { cloneState, f32 } from './tensor-ops.js';

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
 * One SGD step for one parameter (PyTorch 1.13 `_single_tensor_sgd`, in its order of float32 operations),
 * with learning rate γ, momentum μ, dampening τ, weight decay λ:
 *
 *   g ← −∇ if maximize else ∇
 *   g ← g + λ·θ                               (λ ≠ 0)
 *   b ← g at the first step, else μ·b + (1 − τ)·g      (μ ≠ 0)
 *   g ← g + μ·b if nesterov else b            (μ ≠ 0)
 *   θ ← θ − γ·g
 */
export function sgdUpdate(param: Tensor, grad: Tensor, state: SGDState, h: SGDHyper): void {
  let d = h.maximize ? grad.neg() : grad;
  if (h.weightDecay !== 0) d = d.add(param, { alpha: f32(h.weightDecay) });
  if (h.momentum !== 0) {
    let buf = state.momentum_buffer;
    if (buf === null) {
      buf = cloneState(d);
      state.momentum_buffer = buf;
    } else {
      buf.mul_(f32(h.momentum)).add_(d, { alpha: f32(1 - h.dampening) });
    }
    d = h.nesterov ? d.add(buf, { alpha: f32(h.momentum) }) : buf;
  }
  param.add_(d, { alpha: f32(-h.lr) });
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
    return (param, grad, state) => sgdUpdate(param, grad, state, h);
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
