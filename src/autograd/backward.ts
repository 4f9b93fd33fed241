/**
 * The backward pass. Gradients flowing between nodes are temporaries: every buffer the pass allocates is
 * freed when it ends, except those that became a leaf's (or a retained tensor's) `.grad`.
 */
import type { Tensor } from '../tensor.js';
import { captureAllocations, endStep, markPersistent, type Storage } from '../storage.js';
import { Node, noGrad } from './graph.js';
import { addInPlace, cloneTensor, onesLike, sumToShape } from '../ops/internal.js';
import { sameShape, shapeStr } from '../shape.js';

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

/** Numbers the passes, so that a node can tell whether the current pass has visited it (Node._visited). */
let passCount = 0;

/** Adds a gradient to a leaf's `.grad` the way the engine does (in place, or as a fresh buffer the pass keeps). */
export type AddToLeaf = (leaf: Tensor, g: Tensor) => void;

/** Work to run once a pass has visited every node: the gradient contributions it is handed it adds to leaves. */
export type PassEndQueue = ((addToLeaf: AddToLeaf) => void)[];

/** The queue of the pass running now (null outside a pass). */
let passEndQueue: PassEndQueue | null = null;

/**
 * The end-of-pass queue of the backward pass running now, or null outside one. Work pushed onto it runs after
 * the last node and before the pass's temporaries are freed: for gradient contributions to a leaf that are
 * cheaper summed together than added one by one (see ops/linear.ts). Its identity names the pass.
 */
export function currentPassEndQueue(): PassEndQueue | null {
  return passEndQueue;
}

/** Nodes reachable from `root` in an order where every node comes before the nodes it feeds gradients to. */
function topologicalOrder(root: Node): Node[] {
  const pass = ++passCount;
  const order: Node[] = [];
  // depth-first, post-order: a stack of nodes and, in parallel, the next input of each to visit
  const nodes: Node[] = [root];
  const nextInput: number[] = [0];
  root._visited = pass;
  while (nodes.length > 0) {
    const top = nodes.length - 1;
    const node = nodes[top];
    const next = nextInput[top];
    if (next < node.inputs.length) {
      nextInput[top] = next + 1;
      const input = node.inputs[next];
      const child = input === null ? null : input._node;
      if (child !== null && child._visited !== pass) {
        child._visited = pass;
        nodes.push(child);
        nextInput.push(0);
      }
    } else {
      nodes.pop();
      nextInput.pop();
      order.push(node);
    }
  }
  return order.reverse();
}

function propagate(rootNode: Node, outputIndex: number, seed: Tensor, kept: Set<Storage>, retainGraph: boolean): void {
  const order = topologicalOrder(rootNode);
  const rootGrads = new Array<Tensor | null>(rootNode.numOutputs).fill(null);
  rootGrads[outputIndex] = seed;
  rootNode._pending = rootGrads;
  const deferred: PassEndQueue = [];
  const outerQueue = passEndQueue;
  passEndQueue = deferred;
  let failed = true;
  try {
    for (let n = 0; n < order.length; n++) {
      const node = order[n];
      const grads = node._pending;
      node._pending = null;
      if (grads === null) continue;
      if (node.released) {
        throw new Error(
          `backward: trying to backward through the graph a second time (through ${node.name}); ` +
            'the saved tensors were freed after the first backward. Pass { retainGraph: true } to the first backward.',
        );
      }
      const retained = node.retained;
      if (retained !== null) {
        for (let i = 0; i < retained.length; i++) {
          const g = grads[i];
          if (g) for (const t of retained[i]) accumulateLeaf(t, g, kept);
        }
      }
      const inputGrads = node.run(grads);
      if (!retainGraph) node.release();
      const inputs = node.inputs;
      for (let i = 0; i < inputs.length; i++) {
        const input = inputs[i];
        const g = inputGrads[i];
        if (input === null || g == null) continue;
        const fitted = sameShape(g.shape, input.shape) ? g : sumToShape(g, input.shape);
        const producer = input._node;
        if (producer === null) {
          accumulateLeaf(input, fitted, kept);
          continue;
        }
        let slot = producer._pending;
        if (slot === null) {
          slot = new Array<Tensor | null>(producer.numOutputs).fill(null);
          producer._pending = slot;
        }
        const existing = slot[input._outputIndex];
        slot[input._outputIndex] = existing ? addOutOfPlace(existing, fitted) : fitted;
      }
    }
    failed = false;
  } finally {
    passEndQueue = outerQueue;
    // after an error part-way, no gradient may stay parked on a node for a later pass to find
    for (let n = 0; n < order.length; n++) order[n]._pending = null;
    // Deferred leaf gradients are added even then, as every leaf the pass reached before the error was.
    finishPass(deferred, kept, failed);
  }
}

function finishPass(deferred: PassEndQueue, kept: Set<Storage>, failed: boolean): void {
  const addToLeaf: AddToLeaf = (leaf, g) => accumulateLeaf(leaf, g, kept);
  try {
    for (let i = 0; i < deferred.length; i++) deferred[i](addToLeaf);
  } catch (e) {
    if (!failed) throw e; // else the pass's own error is the one to report
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
