/**
 * The wasm backend's fused optimizer steps: each call writes the targets into a table in the meta area (the
 * layout assembly/optim.ts documents: 8 words per target) and runs one kernel over it. A list longer than
 * the area holds (96 targets) runs in chunks of that many. Targets with no elements are left out.
 */
import type {
  AdamCoefficients, AdamTarget, Backend, Buf, OptimTarget, RMSpropCoefficients, RMSpropTarget,
  SGDCoefficients, SGDTarget,
} from '../types.js';
import type { KernelExports } from './module.js';

/** Words (i32 / f32) per table entry: assembly/optim.ts TARGET_BYTES / 4. */
const TARGET_WORDS = 8;

// Flag bits, as assembly/optim.ts defines them.
const MAXIMIZE = 1;
const ADAM_AMSGRAD = 2;
const ADAM_WEIGHT_DECAY = 4;
const SGD_MOMENTUM = 2;
const SGD_NESTEROV = 4;
const SGD_WEIGHT_DECAY = 8;
const RMSPROP_MOMENTUM = 2;
const RMSPROP_CENTERED = 4;
const RMSPROP_WEIGHT_DECAY = 8;

export type OptimSteps = Pick<Backend, 'adamStep' | 'sgdStep' | 'rmspropStep'>;

/**
 * @param meta byte address of the meta area (k.metaBytes() bytes, 4-byte aligned)
 * @param addr byte address of element `off` of a buffer of this backend
 */
export function createOptimSteps(k: KernelExports, meta: number, addr: (buf: Buf, off: number) => number): OptimSteps {
  const capacity = Math.floor(k.metaBytes() / (TARGET_WORDS * 4));
  const base = meta >>> 2;
  let i32 = new Int32Array(k.memory.buffer);
  let f32 = new Float32Array(k.memory.buffer);

  /** Writes the fields every target has into entry `w` (a word index); returns false to skip the target. */
  const writeCommon = (t: OptimTarget, w: number): boolean => {
    if (t.n === 0) return false;
    i32[w] = t.n;
    i32[w + 1] = addr(t.param, t.paramOff);
    i32[w + 2] = addr(t.grad, t.gradOff);
    return true;
  };
  const addrOrNone = (buf: Buf | null, off: number): number => (buf === null ? 0 : addr(buf, off));

  /** Fills the table chunk by chunk with `write` and runs `kernel(count)` on each chunk. */
  const run = <T extends OptimTarget>(
    targets: readonly T[], write: (t: T, w: number) => void, kernel: (count: number) => void,
  ): void => {
    if (i32.buffer !== k.memory.buffer) {
      i32 = new Int32Array(k.memory.buffer);
      f32 = new Float32Array(k.memory.buffer);
    }
    let count = 0;
    for (const t of targets) {
      const w = base + count * TARGET_WORDS;
      if (!writeCommon(t, w)) continue;
      write(t, w);
      if (++count === capacity) {
        kernel(count);
        count = 0;
      }
    }
    if (count > 0) kernel(count);
  };

  const writeAdam = (t: AdamTarget, w: number): void => {
    i32[w + 3] = addr(t.expAvg, t.expAvgOff);
    i32[w + 4] = addr(t.expAvgSq, t.expAvgSqOff);
    i32[w + 5] = addrOrNone(t.maxExpAvgSq, t.maxExpAvgSqOff);
    f32[w + 6] = t.negStepSize;
    f32[w + 7] = t.biasCorrection2Sqrt;
  };
  const writeSGD = (t: SGDTarget, w: number): void => {
    i32[w + 3] = addrOrNone(t.momentumBuffer, t.momentumBufferOff);
    i32[w + 6] = t.firstStep ? 1 : 0;
  };
  const writeRMSprop = (t: RMSpropTarget, w: number): void => {
    i32[w + 3] = addr(t.squareAvg, t.squareAvgOff);
    i32[w + 4] = addrOrNone(t.momentumBuffer, t.momentumBufferOff);
    i32[w + 5] = addrOrNone(t.gradAvg, t.gradAvgOff);
  };

  return {
    adamStep(c: AdamCoefficients, targets: readonly AdamTarget[]): void {
      const flags = (c.maximize ? MAXIMIZE : 0) | (c.amsgrad ? ADAM_AMSGRAD : 0) | (c.weightDecay !== 0 ? ADAM_WEIGHT_DECAY : 0);
      run(targets, writeAdam, (count) => k.adamStep(meta, count, c.beta1, c.oneMinusBeta1, c.beta2, c.oneMinusBeta2,
        c.eps, c.weightDecay, c.paramScale, flags));
    },

    sgdStep(c: SGDCoefficients, targets: readonly SGDTarget[]): void {
      const flags = (c.maximize ? MAXIMIZE : 0) | (c.momentum !== 0 ? SGD_MOMENTUM : 0) |
        (c.nesterov ? SGD_NESTEROV : 0) | (c.weightDecay !== 0 ? SGD_WEIGHT_DECAY : 0);
      run(targets, writeSGD, (count) => k.sgdStep(meta, count, c.momentum, c.oneMinusDampening, c.weightDecay, c.negLr, flags));
    },

    rmspropStep(c: RMSpropCoefficients, targets: readonly RMSpropTarget[]): void {
      const flags = (c.maximize ? MAXIMIZE : 0) | (c.momentum > 0 ? RMSPROP_MOMENTUM : 0) |
        (c.centered ? RMSPROP_CENTERED : 0) | (c.weightDecay !== 0 ? RMSPROP_WEIGHT_DECAY : 0);
      run(targets, writeRMSprop, (count) => k.rmspropStep(meta, count, c.alpha, c.oneMinusAlpha, c.eps,
        c.weightDecay, c.momentum, c.negLr, flags));
    },
  };
}
