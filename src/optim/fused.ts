/**
 * Building the targets of a fused optimizer step (Backend.adamStep, sgdStep, rmspropStep) from tensors.
 *
 * The kernels take contiguous float32 runs. Parameters, gradients and optimizer state are contiguous in
 * practice; one that is not is copied into a contiguous temporary (freed with the step's other temporaries,
 * see Optimizer.step) and, when the kernel updates it, copied back by `run()`. Targets are batched per
 * backend, so a group whose tensors live on one backend (the usual case) makes one kernel call.
 */
import type { Backend, Buf, OptimTarget } from '../backend/types.js';
import type { Tensor } from '../tensor.js';
import { backendOf, cloneTensor, use } from '../ops/internal.js';
import { sameShape, shapeStr } from '../shape.js';

export class FusedStep<T extends OptimTarget> {
  private readonly batches = new Map<Backend, T[]>();
  private readonly copiedBack: [original: Tensor, copy: Tensor][] = [];

  /** @param op names the step in errors, e.g. `Adam.step` */
  constructor(readonly op: string) {}

  /**
   * Checks that an operand of `param` (its gradient or a state tensor named `key`; null: absent) matches it
   * in shape and backend. State has the parameter's shape unless `param.data` was replaced by a tensor of
   * another shape. Steps check every operand before they change anything.
   */
  check(param: Tensor, key: string, t: Tensor | null | undefined): void {
    if (t == null) return;
    if (t.storage.backend !== param.storage.backend) backendOf(this.op, param, t);
    if (!sameShape(t.shape, param.shape)) {
      throw new Error(`${this.op}: ${key} has shape ${shapeStr(t.shape)} but its parameter has shape ${shapeStr(param.shape)}`);
    }
  }

  /** `t` as a contiguous run the kernel only reads: t itself, or a contiguous copy. */
  read(t: Tensor): Tensor {
    return t.isContiguous() ? t : cloneTensor(t, this.op);
  }

  /** `t` as a contiguous run the kernel updates: t itself, or a copy that run() writes back into t. */
  update(t: Tensor): Tensor {
    if (t.isContiguous()) return t;
    const copy = cloneTensor(t, this.op);
    this.copiedBack.push([t, copy]);
    return copy;
  }

  /** The live buffer of a tensor returned by read() or update() (its element offset is `t.offset`). */
  buf(t: Tensor): Buf {
    return use(t, this.op);
  }

  add(backend: Backend, target: T): void {
    const list = this.batches.get(backend);
    if (list === undefined) this.batches.set(backend, [target]);
    else list.push(target);
  }

  /** Runs `kernel` once per backend over its targets, then writes non-contiguous operands back. */
  run(kernel: (backend: Backend, targets: readonly T[]) => void): void {
    for (const [backend, targets] of this.batches) kernel(backend, targets);
    for (const [original, copy] of this.copiedBack) original.copy_(copy);
  }
}
