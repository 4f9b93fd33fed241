/** RMSprop, optionally centered and with momentum. */
import type { Tensor } from '../tensor.js';
import { Optimizer, type ParamGroup, type Params, type Update } from './optimizer.js';
import { bool, checkOptionKeys, nonNegative, optionsFrom, type Where } from './options.js';
import { checkStateKeys, readOptionalTensor, readStep, readTensor } from './state.js';
import { addcdiv_, addcmul, addcmul_, f32, zerosLikeState } from './tensor-ops.js';

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
 * One RMSprop step for one parameter (PyTorch 1.13 `_single_tensor_rmsprop`, in its order of float32
 * operations), with learning rate γ, smoothing α, momentum μ, weight decay λ:
 *
 *   t ← t + 1
 *   g ← −∇ if maximize else ∇
 *   g ← g + λ·θ                      (λ ≠ 0)
 *   v ← α·v + (1 − α)·g²
 *   ḡ ← α·ḡ + (1 − α)·g              (centered)
 *   avg ← √(v − ḡ²) if centered else √v;  avg ← avg + ε
 *   b ← μ·b + g / avg;  θ ← θ − γ·b   (μ > 0)
 *   θ ← θ − γ·g / avg                 (μ = 0)
 */
export function rmspropUpdate(param: Tensor, grad: Tensor, state: RMSpropState, h: RMSpropHyper): void {
  state.step += 1;
  let g = h.maximize ? grad.neg() : grad;
  if (h.weightDecay !== 0) g = g.add(param, { alpha: f32(h.weightDecay) });
  addcmul_(state.square_avg.mul_(f32(h.alpha)), g, g, 1 - h.alpha);
  let avg: Tensor;
  if (h.centered) {
    const gradAvg = state.grad_avg!;
    gradAvg.mul_(f32(h.alpha)).add_(g, { alpha: f32(1 - h.alpha) });
    avg = addcmul(state.square_avg, gradAvg, gradAvg, -1).sqrt();
  } else {
    avg = state.square_avg.sqrt();
  }
  avg.add_(f32(h.eps));
  if (h.momentum > 0) {
    const buf = state.momentum_buffer!;
    addcdiv_(buf.mul_(f32(h.momentum)), g, avg);
    param.add_(buf, { alpha: f32(-h.lr) });
  } else {
    addcdiv_(param, g, avg, -h.lr);
  }
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
    return (param, grad, state) => rmspropUpdate(param, grad, state, h);
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
