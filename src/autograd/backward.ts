/**
 * The backward pass. Gradients flowing between nodes are temporaries: every buffer the pass allocates is
 * freed when it ends, except those that became a leaf's (or a retained tensor's) `.grad`.
 */
import type { Tensor } from '../tensor.js';
import { captureAllocations, endStep, markPersistent, type Storage } from '../storage.js';
import { Node, noGrad } from './graph.js';
import { addInPlace, cloneTensor, onesLike, sumToShape } from '../ops/internal.js';
import { shapeStr } from '../shape.js';

export interface BackwardOptions {
  retainGraph?: boolean;
}

export function runBackward(root: Tensor, gradient: Tensor | null | undefined, options: BackwardOptions = {}): void {
  if (!root.requiresGrad) {
    throw new Error('backward: element 0 of tensors does not require grad and does not have a grad_fn');
  }
  if (gradient == null && root.numel() !== 1) {
    throw new Error(`backward: grad can be implicitly created only for scalar outputs (output shape ${shapeStr(root.shape)}); pass a gradient of the same shape`);
  }
  if (gradient != null && !sameShape(gradient.shape, root.shape)) {
    throw new Error(`backward: gradient has shape ${shapeStr(gradient.shape)} but the output has shape ${shapeStr(root.shape)}; expected the same shape`);
  }
  const kept = new Set<Storage>();
  const [, temporaries] = captureAllocations(() =>
    noGrad(() => {
      const seed = gradient != null ? gradient : onesLike(root);
      const rootNode = root._node;
      if (rootNode === null) {
        accumulateLeaf(root, seed, kept);
        return;
      }
      propagate(rootNode, root._outputIndex, seed, kept, options.retainGraph === true);
    }),
  );
  for (const storage of temporaries) if (!kept.has(storage)) storage.free('dispose');
  endStep();
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Nodes reachable from `root` in an order where every node comes before the nodes it feeds gradients to. */
function topologicalOrder(root: Node): Node[] {
  const order: Node[] = [];
  const visited = new Set<Node>([root]);
  const stack: [Node, number][] = [[root, 0]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [node, next] = top;
    if (next < node.inputs.length) {
      top[1]++;
      const child = node.inputs[next]?._node;
      if (child && !visited.has(child)) {
        visited.add(child);
        stack.push([child, 0]);
      }
    } else {
      stack.pop();
      order.push(node);
    }
  }
  return order.reverse();
}

function propagate(rootNode: Node, outputIndex: number, seed: Tensor, kept: Set<Storage>, retainGraph: boolean): void {
  const order = topologicalOrder(rootNode);
  const pending = new Map<Node, (Tensor | null)[]>();
  const rootGrads = new Array<Tensor | null>(rootNode.numOutputs).fill(null);
  rootGrads[outputIndex] = seed;
  pending.set(rootNode, rootGrads);

  for (const node of order) {
    const grads = pending.get(node);
    pending.delete(node);
    if (!grads) continue;
    const backward = node.backward;
    if (backward === null) {
      throw new Error(
        `backward: trying to backward through the graph a second time (through ${node.name}); ` +
          'the saved tensors were freed after the first backward. Pass { retainGraph: true } to the first backward.',
      );
    }
    if (node.retained) {
      node.retained.forEach((tensors, i) => {
        const g = grads[i];
        if (g) for (const t of tensors) accumulateLeaf(t, g, kept);
      });
    }
    const inputGrads = backward(grads);
    if (!retainGraph) node.backward = null;
    node.inputs.forEach((input, i) => {
      const g = inputGrads[i];
      if (input === null || g == null) return;
      const fitted = sameShape(g.shape, input.shape) ? g : sumToShape(g, input.shape);
      const producer = input._node;
      if (producer === null) {
        accumulateLeaf(input, fitted, kept);
        return;
      }
      let slot = pending.get(producer);
      if (!slot) {
        slot = new Array<Tensor | null>(producer.numOutputs).fill(null);
        pending.set(producer, slot);
      }
      const existing = slot[input._outputIndex];
      slot[input._outputIndex] = existing ? addOutOfPlace(existing, fitted) : fitted;
    });
  }
}

function addOutOfPlace(a: Tensor, b: Tensor): Tensor {
  return a.add(b);
}

/** leaf.grad += g, keeping the grad buffer (PyTorch accumulates in place). */
function accumulateLeaf(leaf: Tensor, g: Tensor, kept: Set<Storage>): void {
  const existing = leaf.grad;
  if (existing !== null) {
    addInPlace(existing, g);
    return;
  }
  // A fresh buffer: g may be a view, the caller's gradient, or still pending for another node.
  const grad = cloneTensor(g);
  kept.add(grad.storage);
  if (leaf.storage.persistent) markPersistent(grad.storage);
  leaf.grad = grad;
}
