/**
 * The optimizers' maths composed of tensor ops, one parameter at a time: the reference the fused steps
 * (adamStep, sgdStep, rmspropStep, each documenting its maths) are tested against, and usable on their own.
 *
 * They follow PyTorch 1.13's order of float32 operations, except that where PyTorch fuses a multiply-add
 * (`add(x, alpha=)`, `addcmul`) these round twice, so they differ from PyTorch and from the fused steps by
 * an ulp or two per step. `addcmul_` and friends are tensor-ops.ts's.
 */
import type { Tensor } from '../tensor.js';
import type { AdamHyper, AdamState } from './adam.js';
import type { RMSpropHyper, RMSpropState } from './rmsprop.js';
import type { SGDHyper, SGDState } from './sgd.js';
import { addcdiv_, addcmul, addcmul_, cloneState, f32, maximum_ } from './tensor-ops.js';

/** One Adam / AdamW step for one parameter: adamStep's maths (adam.ts), composed. */
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

/** One SGD step for one parameter: sgdStep's maths (sgd.ts), composed. */
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

/** One RMSprop step for one parameter: rmspropStep's maths (rmsprop.ts), composed. */
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
