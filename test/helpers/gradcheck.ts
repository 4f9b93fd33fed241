/**
 * Finite-difference gradient checking in float32.
 *
 * For f = fn(...inputs) and fixed weights w (deterministic, same shape as f), the scalar
 * L(x) = sum(f(x) * w) is evaluated in float64 from f's float32 values. The numerical gradient of L with
 * respect to element j of input i is the central difference (L(x + h e_j) - L(x - h e_j)) / (x⁺ - x⁻),
 * with x± rounded to float32 as they are stored. It is compared with the autograd gradient of
 * f.backward(w). Float32 rounding of f makes the difference noisy (≈ 1e-7·|f|/h), so h is large (1e-2)
 * and tolerances loose: use smooth ops with inputs well away from kinks (|x| > 0.1 for abs/relu, distinct
 * values for max/topk, positive for log/sqrt).
 */
import * as torch from '../../src/index';
import { nest, type Tensor } from './fixtures';

/** mulberry32: a small deterministic PRNG so checks do not depend on torch.manualSeed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RandOptions {
  lo?: number;
  hi?: number;
  /** keep |x| >= this (for ops with a kink at 0) */
  awayFromZero?: number;
  /** all values distinct by at least this (for max/min/topk) */
  distinctBy?: number;
  requiresGrad?: boolean;
  seed?: number;
}

let seedCounter = 1;

/** A float32 leaf with deterministic uniform values in [lo, hi). */
export function randTensor(shape: number[], opts: RandOptions = {}): Tensor {
  const { lo = -1, hi = 1, awayFromZero = 0, distinctBy = 0, requiresGrad = true } = opts;
  const next = prng(opts.seed ?? seedCounter++ * 7919);
  const n = shape.reduce((a, b) => a * b, 1);
  const values: number[] = [];
  while (values.length < n) {
    const v = Math.fround(lo + (hi - lo) * next());
    if (Math.abs(v) < awayFromZero) continue;
    if (distinctBy > 0 && values.some((u) => Math.abs(u - v) < distinctBy)) continue;
    values.push(v);
  }
  if (n === 0) return torch.zeros(shape, { requiresGrad } as never);
  return torch.tensor(nest(values, shape) as never, { requiresGrad });
}

export interface GradcheckOptions {
  eps?: number;
  rtol?: number;
  atol?: number;
}

function weightedSum(out: Tensor, w: Float64Array): number {
  const values = out.toArray();
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i] * w[i];
  return s;
}

function leafLike(values: Float32Array, shape: number[]): Tensor {
  if (values.length === 0) return torch.zeros(shape);
  return torch.tensor(nest(Array.from(values), shape) as never);
}

/**
 * Checks the autograd gradients of `fn` at `inputs` (leaves; those with requiresGrad are checked)
 * against central differences. Throws an Error naming `label`, the input, the element and both values.
 */
export function gradcheck(
  label: string, fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradcheckOptions = {},
): void {
  const { eps = 1e-2, rtol = 1e-2, atol = 1e-3 } = opts;
  const out = fn(...inputs);
  const next = prng(12345);
  const w = Float64Array.from({ length: out.numel() }, () => Math.fround(next() * 2 - 1));
  const wTensor = out.shape.length === 0
    ? torch.tensor(w[0])
    : leafLike(Float32Array.from(w), [...out.shape]);
  out.backward(wTensor);

  const base = inputs.map((x) => x.toArray() as Float32Array);
  const shapes = inputs.map((x) => [...x.shape]);
  const evaluate = (which: number, values: Float32Array): number =>
    torch.noGrad(() => {
      const args = inputs.map((x, k) => (k === which ? leafLike(values, shapes[k]) : leafLike(base[k], shapes[k])));
      return weightedSum(fn(...args), w);
    });

  inputs.forEach((x, i) => {
    if (!x.requiresGrad) return;
    const analytic = x.grad?.toArray();
    if (!analytic) throw new Error(`gradcheck ${label}: input ${i} has no .grad after backward`);
    for (let j = 0; j < base[i].length; j++) {
      const plus = Float32Array.from(base[i]);
      const minus = Float32Array.from(base[i]);
      plus[j] = Math.fround(base[i][j] + eps);
      minus[j] = Math.fround(base[i][j] - eps);
      const numeric = (evaluate(i, plus) - evaluate(i, minus)) / (plus[j] - minus[j]);
      if (!(Math.abs(numeric - analytic[j]) <= atol + rtol * Math.abs(numeric))) {
        throw new Error(`gradcheck ${label}: input ${i} (shape [${shapes[i].join(', ')}]) element ${j}: ` +
          `autograd ${analytic[j]} vs finite difference ${numeric}`);
      }
    }
  });
}
