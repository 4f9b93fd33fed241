/** Adam, and the machinery it shares with AdamW (adamw.ts), which differs only in how weight decay applies. */
import type { Tensor } from '../tensor.js';
import { Optimizer, type ParamGroup, type Params, type Update } from './optimizer.js';
import { betas, bool, checkOptionKeys, nonNegative, optionsFrom, type Where } from './options.js';
import { checkStateKeys, readOptionalTensor, readStep, readTensor } from './state.js';
import { addcdiv_, addcmul_, f32, maximum_, zerosLikeState } from './tensor-ops.js';

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  amsgrad?: boolean;
  maximize?: boolean;
}

export type AdamGroupOptions = Required<AdamOptions>;

export interface AdamHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
  /** AdamW: decay the parameter directly instead of adding λ·θ to the gradient */
  decoupledWeightDecay: boolean;
}

/** PyTorch's key names. `step` is saved as a one-element tensor, as PyTorch 1.13 does. */
export interface AdamState {
  step: number;
  exp_avg: Tensor;
  exp_avg_sq: Tensor;
  /** only with amsgrad */
  max_exp_avg_sq?: Tensor;
}

const OPTIONS = ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad', 'maximize'] as const;

/**
 * One Adam / AdamW step for one parameter (PyTorch 1.13 `_single_tensor_adam` / `_single_tensor_adamw`, in
 * their order of float32 operations), with learning rate γ, betas β₁ β₂, weight decay λ, step count t:
 *
 *   t ← t + 1
 *   g ← −∇ if maximize else ∇
 *   g ← g + λ·θ                          (Adam, λ ≠ 0)
 *   θ ← θ·(1 − γλ)                       (AdamW)
 *   m ← β₁·m + (1 − β₁)·g
 *   v ← β₂·v + (1 − β₂)·g²
 *   v_max ← max(v_max, v)                (amsgrad; v_max replaces v below)
 *   denom ← √v / √(1 − β₂ᵗ) + ε
 *   θ ← θ − (γ / (1 − β₁ᵗ))·m / denom
 */
export function adamUpdate(param: Tensor, grad: Tensor, state: AdamState, h: AdamHyper): void {
  let g = h.maximize ? grad.neg() : grad;
  state.step += 1;
  if (h.decoupledWeightDecay) {
    const keep = 1 - h.lr * h.weightDecay;
    if (keep !== 1) param.mul_(f32(keep));
  } else if (h.weightDecay !== 0) {
    g = g.add(param, { alpha: f32(h.weightDecay) });
  }
  state.exp_avg.mul_(f32(h.beta1)).add_(g, { alpha: f32(1 - h.beta1) });
  addcmul_(state.exp_avg_sq.mul_(f32(h.beta2)), g, g, 1 - h.beta2);
  const biasCorrection1 = 1 - h.beta1 ** state.step;
  const biasCorrection2 = 1 - h.beta2 ** state.step;
  const stepSize = h.lr / biasCorrection1;
  let second = state.exp_avg_sq;
  if (h.amsgrad) second = maximum_(state.max_exp_avg_sq!, state.exp_avg_sq);
  const denom = second.sqrt().div_(f32(Math.sqrt(biasCorrection2))).add_(f32(h.eps));
  addcdiv_(param, state.exp_avg, denom, -stepSize);
}

/** Adam and AdamW: one class body, two update rules for weight decay. */
export abstract class AdamFamily extends Optimizer<AdamGroupOptions, AdamState> {
  protected constructor(name: string, params: Params<AdamGroupOptions>, options: AdamOptions, defaultWeightDecay: number, private readonly decoupled: boolean) {
    checkOptionKeys(name, options, OPTIONS);
    const defaults = { lr: 1e-3, betas: [0.9, 0.999] as [number, number], eps: 1e-8, weightDecay: defaultWeightDecay, amsgrad: false, maximize: false, ...options };
    checkAdam(name, defaults);
    super(name, params, defaults, OPTIONS);
  }

  protected override get stepIsTensor(): boolean {
    return true;
  }

  protected checkGroup(group: ParamGroup<AdamGroupOptions>, where: Where): void {
    checkAdam(where, group);
  }

  protected prepareState(param: Tensor, state: AdamState | undefined, group: ParamGroup<AdamGroupOptions>): AdamState {
    const s = state ?? { step: 0, exp_avg: zerosLikeState(param), exp_avg_sq: zerosLikeState(param) };
    // amsgrad switched on after the first step starts tracking the maximum from now (PyTorch raises KeyError)
    if (group.amsgrad && s.max_exp_avg_sq === undefined) s.max_exp_avg_sq = zerosLikeState(param);
    return s;
  }

  protected updater(group: ParamGroup<AdamGroupOptions>): Update<AdamState> {
    const h: AdamHyper = {
      lr: group.lr, beta1: group.betas[0], beta2: group.betas[1], eps: group.eps, weightDecay: group.weightDecay,
      amsgrad: group.amsgrad, maximize: group.maximize, decoupledWeightDecay: this.decoupled,
    };
    return (param, grad, state) => adamUpdate(param, grad, state, h);
  }

  protected readState(raw: unknown, param: Tensor, _group: ParamGroup<AdamGroupOptions>, where: Where): AdamState {
    const entry = checkStateKeys(where, raw, ['step', 'exp_avg', 'exp_avg_sq', 'max_exp_avg_sq']);
    const state: AdamState = {
      step: readStep(where, entry),
      exp_avg: readTensor(where, entry, 'exp_avg', param),
      exp_avg_sq: readTensor(where, entry, 'exp_avg_sq', param),
    };
    const max = readOptionalTensor(where, entry, 'max_exp_avg_sq', param);
    if (max !== undefined) state.max_exp_avg_sq = max;
    return state;
  }
}

export class Adam extends AdamFamily {
  /** `new Adam(params, { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0, amsgrad = false, maximize = false })`. */
  constructor(params: Params<AdamGroupOptions>, lrOrOptions?: number | AdamOptions, options?: AdamOptions) {
    super('Adam', params, optionsFrom('Adam', lrOrOptions, options), 0, false);
  }
}

function checkAdam(where: Where, o: AdamOptions): void {
  nonNegative(where, 'lr', o.lr);
  nonNegative(where, 'eps', o.eps);
  betas(where, o.betas);
  nonNegative(where, 'weightDecay', o.weightDecay);
  bool(where, 'amsgrad', o.amsgrad);
  bool(where, 'maximize', o.maximize);
}
