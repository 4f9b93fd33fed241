/**
 * The dynamic tape: every differentiable op that sees an input requiring grad records a Node holding its
 * inputs and a backward function written with other ops. `backward()` walks the nodes in reverse
 * topological order, accumulates gradients into leaves' `.grad`, then (unless `retainGraph`) drops each
 * node's backward function, which releases the tensors it saved.
 */
import type { Tensor } from '../tensor.js';

/** Gradients of the outputs in, gradients of the inputs out (null/undefined where an input gets none). */
export type BackwardFn = (grads: (Tensor | null)[]) => (Tensor | null | undefined)[];

export class Node {
  /** retained non-leaf outputs (`retainGrad()`), by output index */
  retained: Tensor[][] | null = null;
  constructor(
    public name: string,
    /** inputs that require grad; null where the op's input does not */
    readonly inputs: (Tensor | null)[],
    public backward: BackwardFn | null,
    readonly numOutputs: number,
  ) {}
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
  return gradMode.enabled && (a.requiresGrad || (b != null && b.requiresGrad) || (c != null && c.requiresGrad));
}

/**
 * Attach a node to `outputs` if recording is on and some input requires grad.
 * Single-output ops pass one tensor and a backward taking one gradient.
 */
export function record(name: string, output: Tensor, inputs: (Tensor | null | undefined)[], backward: (grad: Tensor) => (Tensor | null | undefined)[]): Tensor {
  if (!gradMode.enabled) return output;
  let any = false;
  const tracked: (Tensor | null)[] = new Array(inputs.length);
  for (let i = 0; i < inputs.length; i++) {
    const t = inputs[i];
    if (t != null && t.requiresGrad) {
      tracked[i] = t;
      any = true;
    } else tracked[i] = null;
  }
  if (!any) return output;
  const node = new Node(name, tracked, (grads) => backward(grads[0]!), 1);
  output._attach(node, 0);
  return output;
}

/** Multi-output form: `backward` receives one gradient per output (null where none flowed). */
export function recordMulti(name: string, outputs: Tensor[], inputs: (Tensor | null | undefined)[], backward: BackwardFn): Tensor[] {
  if (!gradMode.enabled) return outputs;
  const tracked = inputs.map((t) => (t != null && t.requiresGrad ? t : null));
  if (!tracked.some((t) => t !== null)) return outputs;
  const node = new Node(name, tracked, backward, outputs.length);
  outputs.forEach((out, i) => out._attach(node, i));
  return outputs;
}
