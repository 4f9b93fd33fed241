/** RMSprop, optionally centered and with momentum. */
import type { RMSpropCoefficients, RMSpropTarget } from '../backend/types.js';
import type { Tensor } from '../tensor.js';
import { Optimizer, type ParamGroup, type Params, type Update } from './optimizer.js';
import { bool, checkOptionKeys, nonNegative, optionsFrom, type Where } from './options.js';
import { checkStateKeys, readOptionalTensor, readStep, readTensor } from './state.js';
import { zerosLikeState } from './tensor-ops.js';
import { FusedStep } from './fused.js';

export interface RMSpropOptions {
  lr?: number;
  alpha?: number;
  eps?: number;
  weightDecay?: number;
  momentum?: number;
  centered?: boolean;
  maximize?: boolean;
}

export type RMSpropHyper = Required<RMSpropOptions>;

/** PyTorch's key names; `step` is saved as a number, as PyTorch 1.13 does for RMSprop. */
export interface RMSpropState {
  step: number;
  square_avg: Tensor;
  /** only with momentum > 0 */
  momentum_buffer?: Tensor;
  /** only when centered */
  grad_avg?: Tensor;
}

const OPTIONS = ['lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered', 'maximize'] as const;

/**
 * One RMSprop step over `params` (PyTorch 1.13 `_single_tensor_rmsprop`, in its order of float32
 * operations), with learning rate γ, smoothing α, momentum μ, weight decay λ; one fused kernel call
 * (Backend.rmspropStep) per backend updates every parameter and its state:
 *
 *   t ← t + 1
 *   g ← −∇ if maximize else ∇
 *   g ← g + λ·θ                      (λ ≠ 0)
 *   v ← α·v + (1 − α)·g²
 *   ḡ ← α·ḡ + (1 − α)·g              (centered)
 *   avg ← √(v − ḡ²) if centered else √v;  avg ← avg + ε
 *   b ← μ·b + g / avg;  θ ← θ − γ·b   (μ > 0)
 *   θ ← θ − γ·g / avg                 (μ = 0)
 *
 * reference.ts `rmspropUpdate` is the same maths composed of tensor ops.
 */
export function rmspropStep(params: readonly Tensor[], grads: readonly Tensor[], states: readonly RMSpropState[], h: RMSpropHyper): void {
  const fused = new FusedStep<RMSpropTarget>('RMSprop.step');
  const momentum = h.momentum > 0;
  params.forEach((param, i) => {
    const s = states[i];
    fused.check(param, 'grad', grads[i]);
    fused.check(param, 'square_avg', s.square_avg);
    if (momentum) fused.check(param, 'momentum_buffer', s.momentum_buffer);
    if (h.centered) fused.check(param, 'grad_avg', s.grad_avg);
  });
  params.forEach((param, i) => {
    const state = states[i];
    state.step += 1;
    const p = fused.update(param);
    const g = fused.read(grads[i]);
    const sq = fused.update(state.square_avg);
    const b = momentum ? fused.update(state.momentum_buffer!) : null;
    const ga = h.centered ? fused.update(state.grad_avg!) : null;
    fused.add(param.storage.backend, {
      n: param.numel(),
      param: fused.buf(p), paramOff: p.offset,
      grad: fused.buf(g), gradOff: g.offset,
      squareAvg: fused.buf(sq), squareAvgOff: sq.offset,
      momentumBuffer: b === null ? null : fused.buf(b), momentumBufferOff: b === null ? 0 : b.offset,
      gradAvg: ga === null ? null : fused.buf(ga), gradAvgOff: ga === null ? 0 : ga.offset,
    });
  });
  const c: RMSpropCoefficients = {
    alpha: h.alpha, oneMinusAlpha: 1 - h.alpha, eps: h.eps, weightDecay: h.weightDecay, momentum: h.momentum,
    negLr: -h.lr, centered: h.centered, maximize: h.maximize,
  };
  fused.run((backend, targets) => backend.rmspropStep(c, targets));
}

export class RMSprop extends Optimizer<RMSpropHyper, RMSpropState> {
  /** `new RMSprop(params, { lr = 1e-2, alpha = 0.99, eps = 1e-8, weightDecay = 0, momentum = 0, centered = false, maximize = false })`. */
  constructor(params: Params<RMSpropHyper>, lrOrOptions?: number | RMSpropOptions, options?: RMSpropOptions) {
    const opts = optionsFrom('RMSprop', lrOrOptions, options);
    checkOptionKeys('RMSprop', opts, OPTIONS);
    const defaults = { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false, ...opts };
    checkRMSprop('RMSprop', defaults);
    super('RMSprop', params, defaults, OPTIONS);
  }

  protected checkGroup(group: ParamGroup<RMSpropHyper>, where: Where): void {
    checkRMSprop(where, group);
  }

  protected prepareState(param: Tensor, state: RMSpropState | undefined, group: ParamGroup<RMSpropHyper>): RMSpropState {
    const s = state ?? { step: 0, square_avg: zerosLikeState(param) };
    // options switched on after the first step start from zero state (PyTorch raises KeyError)
    if (group.momentum > 0 && s.momentum_buffer === undefined) s.momentum_buffer = zerosLikeState(param);
    if (group.centered && s.grad_avg === undefined) s.grad_avg = zerosLikeState(param);
    return s;
  }

  protected updater(group: ParamGroup<RMSpropHyper>): Update<RMSpropState> {
    const h: RMSpropHyper = {
      lr: group.lr, alpha: group.alpha, eps: group.eps, weightDecay: group.weightDecay,
      momentum: group.momentum, centered: group.centered, maximize: group.maximize,
    };
    return (params, grads, states) => rmspropStep(params, grads, states, h);
  }

  protected readState(raw: unknown, param: Tensor, _group: ParamGroup<RMSpropHyper>, where: Where): RMSpropState {
    const entry = checkStateKeys(where, raw, ['step', 'square_avg', 'momentum_buffer', 'grad_avg']);
    const state: RMSpropState = { step: readStep(where, entry), square_avg: readTensor(where, entry, 'square_avg', param) };
    const buf = readOptionalTensor(where, entry, 'momentum_buffer', param);
    if (buf !== undefined) state.momentum_buffer = buf;
    const gradAvg = readOptionalTensor(where, entry, 'grad_avg', param);
    if (gradAvg !== undefined) state.grad_avg = gradAvg;
    return state;
  }
}

function checkRMSprop(where: Where, o: RMSpropOptions): void {
  nonNegative(where, 'lr', o.lr);
  nonNegative(where, 'eps', o.eps);
  nonNegative(where, 'momentum', o.momentum);
  nonNegative(where, 'weightDecay', o.weightDecay);
  nonNegative(where, 'alpha', o.alpha);
  bool(where, 'centered', o.centered);
  bool(where, 'maximize', o.maximize);
}
