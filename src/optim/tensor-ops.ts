/**
 * The few fused PyTorch ops the composed optimizer references (reference.ts) use, built from public Tensor
 * methods in the order of PyTorch 1.13's CPU kernels (measured against torch 1.13): addcdiv_ is
 * `self + ((value·t1) / t2)` with every step rounded; PyTorch's addcmul_ rounds `value·t1` and then fuses
 * `· t2 + self` into one rounding (as does `add(x, alpha=)`), which these compositions round twice; scalar
 * operands reach the kernels already rounded to float32. The fused steps (Backend.adamStep & co.) round
 * exactly as PyTorch.
 *
 * All of these run under noGrad on tensors autograd does not track. zerosLikeState and cloneState make the
 * optimizers' persistent state.
 */
import type { Tensor } from '../tensor.js';

/**
 * A hyper-parameter as PyTorch's float32 kernels see it: a Python float is converted to float32 before use.
 * Passing it pre-rounded lets the pure-JS backend, which computes in doubles, round exactly as PyTorch.
 */
export const f32 = Math.fround;

/** self += value · t1 · t2, in place. */
export function addcmul_(self: Tensor, t1: Tensor, t2: Tensor, value = 1): Tensor {
  return self.add_(value === 1 ? t1.mul(t2) : t1.mul(f32(value)).mul_(t2));
}

/** self + value · t1 · t2, as a new tensor. */
export function addcmul(self: Tensor, t1: Tensor, t2: Tensor, value = 1): Tensor {
  return (value === 1 ? t1.mul(t2) : t1.mul(f32(value)).mul_(t2)).add_(self);
}

/** self += value · t1 / t2, in place. */
export function addcdiv_(self: Tensor, t1: Tensor, t2: Tensor, value = 1): Tensor {
  return self.add_(value === 1 ? t1.div(t2) : t1.mul(f32(value)).div_(t2));
}

/** self ← max(self, other) elementwise, in place (PyTorch's `torch.maximum(self, other, out=self)`). */
export function maximum_(self: Tensor, other: Tensor): Tensor {
  return self.copy_(self.maximum(other));
}

/**
 * A zero tensor shaped like `param`, on the kernel set `param` lives on (`torch.zerosLike` uses the active
 * one), exempt from step-clock reclamation: optimizer state lives as long as the optimizer.
 */
export function zerosLikeState(param: Tensor): Tensor {
  return param.detach().clone().zero_().keep();
}

/** A persistent copy of `t` (state that starts from a value, like SGD's first momentum buffer). */
export function cloneState(t: Tensor): Tensor {
  return t.detach().clone().keep();
}
