/** Adam, and the machinery it shares with AdamW (adamw.ts), which differs only in how weight decay applies. */
import type { AdamCoefficients, AdamTarget } from '../backend/types.js';
import type { Tensor } from '../tensor.js';
import { Optimizer, type ParamGroup, type Params, type Update } from './optimizer.js';
import { betas, bool, checkOptionKeys, nonNegative, optionsFrom, type Where } from './options.js';
import { checkStateKeys, readOptionalTensor, readStep, readTensor } from './state.js';
import { zerosLikeState } from './tensor-ops.js';
import { FusedStep } from './fused.js';

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
 * One Adam / AdamW step over `params` (PyTorch 1.13 `_single_tensor_adam` / `_single_tensor_adamw`, in their
 * order of float32 operations), with learning rate γ, betas β₁ β₂, weight decay λ, each parameter's step
 * count t; one fused kernel call (Backend.adamStep) per backend updates every parameter and its state:
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
 *
 * reference.ts `adamUpdate` is the same maths composed of tensor ops.
 */
export function adamStep(params: readonly Tensor[], grads: readonly Tensor[], states: readonly AdamState[], h: AdamHyper): void {
  const fused = new FusedStep<AdamTarget>(h.decoupledWeightDecay ? 'AdamW.step' : 'Adam.step');
  params.forEach((param, i) => {
    const s = states[i];
    fused.check(param, 'grad', grads[i]);
    fused.check(param, 'exp_avg', s.exp_avg);
    fused.check(param, 'exp_avg_sq', s.exp_avg_sq);
    if (h.amsgrad) fused.check(param, 'max_exp_avg_sq', s.max_exp_avg_sq);
  });
  params.forEach((param, i) => {
    const state = states[i];
    state.step += 1;
    const p = fused.update(param);
    const g = fused.read(grads[i]);
    const m = fused.update(state.exp_avg);
    const v = fused.update(state.exp_avg_sq);
    const vmax = h.amsgrad ? fused.update(state.max_exp_avg_sq!) : null;
    fused.add(param.storage.backend, {
      n: param.numel(),
      param: fused.buf(p), paramOff: p.offset,
      grad: fused.buf(g), gradOff: g.offset,
      expAvg: fused.buf(m), expAvgOff: m.offset,
      expAvgSq: fused.buf(v), expAvgSqOff: v.offset,
      maxExpAvgSq: vmax === null ? null : fused.buf(vmax), maxExpAvgSqOff: vmax === null ? 0 : vmax.offset,
      negStepSize: -(h.lr / (1 - h.beta1 ** state.step)),
      biasCorrection2Sqrt: Math.sqrt(1 - h.beta2 ** state.step),
    });
  });
  const c: AdamCoefficients = {
    beta1: h.beta1, oneMinusBeta1: 1 - h.beta1, beta2: h.beta2, oneMinusBeta2: 1 - h.beta2, eps: h.eps,
    weightDecay: h.decoupledWeightDecay ? 0 : h.weightDecay,
    paramScale: h.decoupledWeightDecay ? 1 - h.lr * h.weightDecay : 1,
    amsgrad: h.amsgrad, maximize: h.maximize,
  };
  fused.run((backend, targets) => backend.adamStep(c, targets));
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
    return (params, grads, states) => adamStep(params, grads, states, h);
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
