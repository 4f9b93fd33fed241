/**
 * Fused optimizer steps over plain typed arrays (contracts: adamStep / sgdStep / rmspropStep in ../types.ts).
 *
 * Every value is a float32 held in a double and rounded back with `fround` after each operation PyTorch
 * rounds (a correctly rounded double result of float32 operands rounds to the correctly rounded float32 one).
 * A fused multiply-add is `fround(a·b + c)`: the double product of two float32 is exact, so only the double
 * sum rounds before fround, exactly as the wasm kernels' float64 emulation, and the backends agree bit for bit.
 */
import type {
  AdamCoefficients, AdamTarget, RMSpropCoefficients, RMSpropTarget, SGDCoefficients, SGDTarget,
} from '../types.js';
import { f32 } from './buffer.js';

const fround = Math.fround;

/** a·b + c rounded once to float32 (a, b, c float32). */
function fma(a: number, b: number, c: number): number {
  return fround(a * b + c);
}

export function adamStep(c: AdamCoefficients, targets: readonly AdamTarget[]): void {
  const beta1 = fround(c.beta1);
  const oneMinusBeta1 = fround(c.oneMinusBeta1);
  const beta2 = fround(c.beta2);
  const oneMinusBeta2 = fround(c.oneMinusBeta2);
  const eps = fround(c.eps);
  const weightDecay = fround(c.weightDecay);
  const paramScale = fround(c.paramScale);
  const decay = c.weightDecay !== 0;
  const sign = c.maximize ? -1 : 1;
  for (const t of targets) {
    const { n } = t;
    const p = f32(t.param).subarray(t.paramOff, t.paramOff + n);
    const g = f32(t.grad).subarray(t.gradOff, t.gradOff + n);
    const m = f32(t.expAvg).subarray(t.expAvgOff, t.expAvgOff + n);
    const v = f32(t.expAvgSq).subarray(t.expAvgSqOff, t.expAvgSqOff + n);
    const vmax = c.amsgrad ? f32(t.maxExpAvgSq!).subarray(t.maxExpAvgSqOff, t.maxExpAvgSqOff + n) : null;
    const negStepSize = fround(t.negStepSize);
    const bc2Sqrt = fround(t.biasCorrection2Sqrt);
    for (let i = 0; i < n; i++) {
      let gi = sign * g[i];
      const pi = fround(p[i] * paramScale);
      if (decay) gi = fma(pi, weightDecay, gi);
      const mi = fma(gi, oneMinusBeta1, fround(m[i] * beta1));
      m[i] = mi;
      let vi = fma(fround(oneMinusBeta2 * gi), gi, fround(v[i] * beta2));
      v[i] = vi;
      if (vmax !== null) {
        vi = Math.max(vmax[i], vi);
        vmax[i] = vi;
      }
      const denom = fround(fround(fround(Math.sqrt(vi)) / bc2Sqrt) + eps);
      p[i] = pi + fround(fround(negStepSize * mi) / denom);
    }
  }
}

export function sgdStep(c: SGDCoefficients, targets: readonly SGDTarget[]): void {
  const momentum = fround(c.momentum);
  const oneMinusDampening = fround(c.oneMinusDampening);
  const weightDecay = fround(c.weightDecay);
  const negLr = fround(c.negLr);
  const decay = c.weightDecay !== 0;
  const sign = c.maximize ? -1 : 1;
  for (const t of targets) {
    const { n } = t;
    const p = f32(t.param).subarray(t.paramOff, t.paramOff + n);
    const g = f32(t.grad).subarray(t.gradOff, t.gradOff + n);
    const b = c.momentum !== 0 ? f32(t.momentumBuffer!).subarray(t.momentumBufferOff, t.momentumBufferOff + n) : null;
    for (let i = 0; i < n; i++) {
      let d = sign * g[i];
      const pi = p[i];
      if (decay) d = fma(pi, weightDecay, d);
      if (b !== null) {
        const bi = t.firstStep ? d : fma(d, oneMinusDampening, fround(b[i] * momentum));
        b[i] = bi;
        d = c.nesterov ? fma(bi, momentum, d) : bi;
      }
      p[i] = fma(d, negLr, pi);
    }
  }
}

export function rmspropStep(c: RMSpropCoefficients, targets: readonly RMSpropTarget[]): void {
  const alpha = fround(c.alpha);
  const oneMinusAlpha = fround(c.oneMinusAlpha);
  const eps = fround(c.eps);
  const weightDecay = fround(c.weightDecay);
  const momentum = fround(c.momentum);
  const negLr = fround(c.negLr);
  const decay = c.weightDecay !== 0;
  const sign = c.maximize ? -1 : 1;
  for (const t of targets) {
    const { n } = t;
    const p = f32(t.param).subarray(t.paramOff, t.paramOff + n);
    const g = f32(t.grad).subarray(t.gradOff, t.gradOff + n);
    const s = f32(t.squareAvg).subarray(t.squareAvgOff, t.squareAvgOff + n);
    const b = c.momentum > 0 ? f32(t.momentumBuffer!).subarray(t.momentumBufferOff, t.momentumBufferOff + n) : null;
    const ga = c.centered ? f32(t.gradAvg!).subarray(t.gradAvgOff, t.gradAvgOff + n) : null;
    for (let i = 0; i < n; i++) {
      let gi = sign * g[i];
      const pi = p[i];
      if (decay) gi = fma(pi, weightDecay, gi);
      const si = fma(fround(oneMinusAlpha * gi), gi, fround(s[i] * alpha));
      s[i] = si;
      let avg: number;
      if (ga !== null) {
        const gai = fma(gi, oneMinusAlpha, fround(ga[i] * alpha));
        ga[i] = gai;
        avg = fround(Math.sqrt(fma(-gai, gai, si)));
      } else {
        avg = fround(Math.sqrt(si));
      }
      avg = fround(avg + eps);
      if (b !== null) {
        const bi = fround(fround(b[i] * momentum) + fround(gi / avg));
        b[i] = bi;
        p[i] = fma(bi, negLr, pi);
      } else {
        p[i] = pi + fround(fround(negLr * gi) / avg);
      }
    }
  }
}
