/**
 * The dynamic tape: every differentiable op that sees an input requiring grad records a Node holding its
 * inputs and a backward function written with other ops. `backward()` walks the nodes in reverse
 * topological order, accumulates gradients into leaves' `.grad`, then (unless `retainGraph`) drops each
 * node's backward function, which releases the tensors it saved.
 */
import type { Tensor } from '../tensor.js';

/** Gradients of the outputs in, gradients of the inputs out (null/undefined where an input gets none). */
export type BackwardFn = (grads: (Tensor | null)[]) => (Tensor | null | undefined)[];
/** The single-output form: the gradient of the one output in, gradients of the inputs out. */
export type SingleBackwardFn = (grad: Tensor) => (Tensor | null | undefined)[];

export class Node {
  /** retained non-leaf outputs (`retainGrad()`), by output index */
  retained: Tensor[][] | null = null;
  /** @internal the backward pass that last visited this node (topological sort bookkeeping) */
  _visited = 0;
  /** @internal gradients of the outputs collected so far during a backward pass (null outside one) */
  _pending: (Tensor | null)[] | null = null;
  constructor(
    public name: string,
    /** inputs that require grad; null where the op's input does not */
    readonly inputs: (Tensor | null)[],
    /** multi-output form; null once released (or for single-output nodes, which use `backward1`) */
    public backward: BackwardFn | null,
    readonly numOutputs: number,
    /** single-output form: the gradient of the one output in (record() builds these) */
    public backward1: SingleBackwardFn | null = null,
  ) {}

  /** Whether the backward function is still held (it is dropped after a pass without retainGraph). */
  get released(): boolean {
    return this.backward === null && this.backward1 === null;
  }

  /** Drops the backward function and with it the tensors it saved. */
  release(): void {
    this.backward = null;
    this.backward1 = null;
  }

  /** Runs the backward function on the gradients of the outputs (the caller checks `released` first). */
  run(grads: (Tensor | null)[]): (Tensor | null | undefined)[] {
    const single = this.backward1;
    return single !== null ? single(grads[0]!) : this.backward!(grads);
  }
}

export const gradMode = { enabled: true };

/** Runs `fn` with gradient recording off, like `with torch.no_grad():`. */
export function noGrad<T>(fn: () => T): T {
  const previous = gradMode.enabled;
  gradMode.enabled = false;
  try {
    return fn();
  } finally {
    gradMode.enabled = previous;
  }
}

export function enableGrad<T>(fn: () => T): T {
  const previous = gradMode.enabled;
  gradMode.enabled = true;
  try {
    return fn();
  } finally {
    gradMode.enabled = previous;
  }
}

/** Does an op over these inputs need to be recorded? */
export function needsGrad(a: Tensor, b?: Tensor | null, c?: Tensor | null): boolean {
  return gradMode.enabled && (a._requiresGrad || (b != null && b._requiresGrad) || (c != null && c._requiresGrad));
}

/**
 * Attach a node to `outputs` if recording is on and some input requires grad.
 * Single-output ops pass one tensor and a backward taking one gradient. `inputs` is taken over: pass a fresh
 * array (an array literal), which becomes the node's input list with null where an input needs no grad.
 */
export function record(name: string, output: Tensor, inputs: (Tensor | null | undefined)[], backward: SingleBackwardFn): Tensor {
  if (!gradMode.enabled) return output;
  let any = false;
  for (let i = 0; i < inputs.length; i++) {
    const t = inputs[i];
    if (t != null && t._requiresGrad) any = true;
    else inputs[i] = null;
  }
  if (!any) return output;
  output._attach(new Node(name, inputs as (Tensor | null)[], null, 1, backward), 0);
  return output;
}

/** Multi-output form: `backward` receives one gradient per output (null where none flowed). */
export function recordMulti(name: string, outputs: Tensor[], inputs: (Tensor | null | undefined)[], backward: BackwardFn): Tensor[] {
  if (!gradMode.enabled) return outputs;
  // a copy: callers may pass an array they keep (cat's list of tensors)
  const tracked: (Tensor | null)[] = [];
  let any = false;
  for (let i = 0; i < inputs.length; i++) {
    const t = inputs[i];
    if (t != null && t._requiresGrad) {
      tracked.push(t);
      any = true;
    } else tracked.push(null);
  }
  if (!any) return outputs;
  const node = new Node(name, tracked, backward, outputs.length);
  for (let i = 0; i < outputs.length; i++) outputs[i]._attach(node, i);
  return outputs;
}
