/** torch.nn.utils: gradient clipping. */
import { Tensor } from '../tensor.js';
import { noGrad } from '../autograd/graph.js';
import { fullTensor } from '../ops/internal.js';
import { stack } from '../ops/join.js';
import { compare, pow, sqrt } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';

export interface ClipGradNormOptions {
  normType?: number;
  /** throw when the total norm is NaN or infinite instead of scaling by it (PyTorch 1.13's default: false) */
  errorIfNonfinite?: boolean;
}

function gradsOf(parameters: Tensor | Iterable<Tensor>, op: string): Tensor[] {
  const list = parameters instanceof Tensor ? [parameters] : parameters != null && typeof (parameters as Iterable<Tensor>)[Symbol.iterator] === 'function' ? [...parameters] : null;
  if (list === null) throw new Error(`${op}: parameters must be a Tensor or an iterable of Tensors, got ${typeof parameters}`);
  const grads: Tensor[] = [];
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new Error(`${op}: element ${i} of parameters is not a Tensor`);
    if (p.grad !== null) grads.push(p.grad);
  });
  return grads;
}

/** The p-norm of all elements of x as a 0-d tensor (torch.norm(x, p)). */
function norm(x: Tensor, p: number): Tensor {
  if (p === Infinity) return x.abs().max();
  if (p === -Infinity) return x.abs().min();
  if (p === 0) return sum(compare('ne', x, 0));
  if (p === 1) return sum(x.abs());
  if (p === 2) return sqrt(sum(x.square()));
  return pow(sum(pow(x.abs(), p)), 1 / p);
}

/**
 * Scales the gradients of `parameters` in place so that their total p-norm (as if concatenated into one
 * vector) is at most `maxNorm`, and returns that total norm before clipping.
 *
 * As PyTorch 1.13: total = ‖(‖g₁‖, ‖g₂‖, …)‖ (for p = ∞, the largest |g|); coef = min(maxNorm / (total + 1e-6), 1)
 * in float32; every gradient is multiplied by coef even when it is 1. A NaN total makes every gradient NaN;
 * an infinite total gives coef 0 (finite gradients become 0, infinite ones NaN).
 */
export function clipGradNorm_(
  parameters: Tensor | Iterable<Tensor>, maxNorm: number, normType: number | ClipGradNormOptions = 2, options: ClipGradNormOptions = {},
): Tensor {
  const opts: ClipGradNormOptions = typeof normType === 'object' && normType !== null ? normType : { ...options, normType: normType ?? undefined };
  const p = opts.normType ?? 2;
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm)) throw new Error(`clipGradNorm_: maxNorm must be a number, got ${String(maxNorm)}`);
  if (typeof p !== 'number' || Number.isNaN(p)) throw new Error(`clipGradNorm_: normType must be a number (Infinity for the max norm), got ${String(p)}`);
  const grads = gradsOf(parameters, 'clipGradNorm_');
  if (grads.length === 0) return fullTensor([], 0);
  return noGrad(() => {
    const norms = grads.map((g) => norm(g, p));
    const total = norms.length === 1 && p === Infinity ? norms[0] : norm(stack(norms), p);
    const totalValue = total.item();
    if (opts.errorIfNonfinite && !Number.isFinite(totalValue)) {
      throw new Error(
        `clipGradNorm_: the total norm of order ${p} for gradients from parameters is non-finite (${totalValue}), so it cannot be clipped; ` +
          'pass { errorIfNonfinite: false } to scale the gradients by the non-finite norm anyway',
      );
    }
    const f = Math.fround;
    // maxNorm / (total + 1e-6) evaluates in float32 as reciprocal(total + 1e-6) * maxNorm in PyTorch
    const coef = f(f(1 / f(totalValue + f(1e-6))) * f(maxNorm));
    const clamped = coef > 1 ? 1 : coef; // NaN stays NaN, as torch.clamp
    for (const g of grads) g.mul_(clamped);
    return total;
  });
}

/** Clamps every gradient of `parameters` into [−clipValue, clipValue] in place. */
export function clipGradValue_(parameters: Tensor | Iterable<Tensor>, clipValue: number): void {
  if (typeof clipValue !== 'number' || Number.isNaN(clipValue)) throw new Error(`clipGradValue_: clipValue must be a number, got ${String(clipValue)}`);
  const grads = gradsOf(parameters, 'clipGradValue_');
  noGrad(() => {
    for (const g of grads) g.clamp_(-clipValue, clipValue);
  });
}
