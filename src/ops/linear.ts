/**
 * addmm: bias + mat1·mat2 as one GEMM that accumulates onto the broadcast bias (what nn.Linear runs on
 * 2-D input, with mat2 = weightᵀ, as PyTorch's `at::addmm(bias, input, weight.t())`).
 */
import { noGrad, record } from '../autograd/graph.js';
import { currentPassEndQueue, type AddToLeaf, type PassEndQueue } from '../autograd/backward.js';
import { Tensor } from '../tensor.js';
import { backendOf, contiguousRaw, emptyTensor, freeTemporary, use } from './internal.js';
import { cat } from './join.js';
import { mm, mmGradLeft, mmGradRight } from './matmul.js';
import { t as transpose2d } from './shape.js';
import { broadcastShapes, broadcastStrides, broadcastsTo, sameShape, shapeStr } from '../shape.js';

/** How the GEMM kernel reads a 2-D tensor in place: row-major (ld = row stride) or as a stored transpose. */
interface Operand {
  x: Tensor;
  ld: number;
  trans: boolean;
}

function operand(x: Tensor, op: string): Operand {
  const [rows, cols] = x.shape;
  const [rs, cs] = x.strides;
  let layout: Operand | null = null;
  if (cs === 1 || cols === 1) layout = { x, ld: rows === 1 ? Math.max(cols, 1) : rs, trans: false };
  else if (rs === 1 || rows === 1) layout = { x, ld: cols === 1 ? Math.max(rows, 1) : cs, trans: true };
  if (layout !== null && layout.ld >= (layout.trans ? rows : cols)) return layout;
  return { x: contiguousRaw(x, op), ld: Math.max(cols, 1), trans: false };
}

function check2d(t: unknown, what: string): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new Error(`addmm: ${what} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
  if (t.dtype !== 'float32') throw new Error(`addmm: ${what} must be float32, got ${t.dtype} (shape ${shapeStr(t.shape)})`);
}

/**
 * out = bias + mat1·mat2, with bias broadcastable to [m, n].
 *
 * d bias = sum of g over the broadcast dims; d mat1 = g·mat2ᵀ; d mat2 = mat1ᵀ·g.
 */
export function addmm(bias: Tensor, mat1: Tensor, mat2: Tensor): Tensor {
  const out = addmmValue(bias, mat1, mat2);
  return record('AddmmBackward0', out, [bias, mat1, mat2], (g) => [
    bias.requiresGrad ? g : null,
    mat1.requiresGrad ? mmGradLeft(g, mat2, mat1) : null,
    mat2.requiresGrad ? mmGradRight(mat1, g, mat2) : null,
  ]);
}

/**
 * nn.Linear on 2-D input with a bias: addmm(bias, input, weightᵀ) as one node over [bias, input, weight]
 * (PyTorch's AddmmBackward0 reaches the weight through a TBackward0; the gradients are the same). The gradient
 * of a leaf weight is summed at the end of the backward pass (see deferWeightGrad).
 */
export function linear2d(input: Tensor, weight: Tensor, bias: Tensor): Tensor {
  const weightT = noGrad(() => transpose2d(weight));
  const out = addmmValue(bias, input, weightT);
  return record('AddmmBackward0', out, [bias, input, weight], (g) => [
    bias.requiresGrad ? g : null,
    input.requiresGrad ? mmGradLeft(g, weightT, input) : null,
    weight.requiresGrad && !deferWeightGrad(weight, g, input) ? transpose2d(mmGradRight(input, g, weightT)) : null,
  ]);
}

/** The gᵀ·input parts of one leaf weight's gradient collected during a backward pass. */
interface WeightGradParts {
  grads: Tensor[];
  inputs: Tensor[];
}

/** The weight-gradient parts of the backward pass running now, by weight (null between passes). */
let pending: { pass: PassEndQueue; parts: Map<Tensor, WeightGradParts> } | null = null;

/**
 * Holds back a leaf weight's gradient gᵀ·input until the end of the backward pass, and returns true; false where
 * that does not apply (outside a pass, a non-leaf weight), and the engine accumulates it as usual. A weight used
 * at every step of a sequence (the course's RNN built from Linear layers) gets one part per step; summed at the
 * end as a single product over all the steps' rows, its gradient buffer is read and written once, not once a step.
 */
function deferWeightGrad(weight: Tensor, g: Tensor, input: Tensor): boolean {
  if (weight._node !== null) return false;
  const pass = currentPassEndQueue();
  if (pass === null) return false;
  if (pending === null || pending.pass !== pass) {
    const parts = new Map<Tensor, WeightGradParts>();
    pending = { pass, parts };
    pass.push((addToLeaf) => {
      if (pending !== null && pending.pass === pass) pending = null; // holds no tensor past its pass
      for (const [w, { grads, inputs }] of parts) addWeightGrad(w, grads, inputs, addToLeaf);
    });
  }
  const parts = pending.parts.get(weight);
  if (parts === undefined) pending.parts.set(weight, { grads: [g], inputs: [input] });
  else {
    parts.grads.push(g);
    parts.inputs.push(input);
  }
  return true;
}

/** weight.grad += Σ gᵢᵀ·inputᵢ, as one product over the stacked rows. */
function addWeightGrad(weight: Tensor, grads: Tensor[], inputs: Tensor[], addToLeaf: AddToLeaf): void {
  const g = grads.length === 1 ? grads[0] : cat(grads, 0);
  const input = inputs.length === 1 ? inputs[0] : cat(inputs, 0);
  if (!accumulateWeightGrad(weight, g, input)) addToLeaf(weight, mm(transpose2d(g), input));
}

/**
 * Adds gᵀ·input to the existing `weight.grad` of a leaf weight with one GEMM (accumulating), instead of
 * producing the product and then adding it (a pass over the whole gradient saved, and its buffer); returns
 * false where that does not apply (no gradient yet, an unusual layout), and the caller accumulates as usual.
 */
function accumulateWeightGrad(weight: Tensor, g: Tensor, input: Tensor): boolean {
  const grad = weight._grad;
  if (grad === null || grad.dtype !== 'float32' || !grad.isContiguous() ||
    !sameShape(grad.shape, weight.shape) || grad.storage.backend !== g.storage.backend) return false;
  const [outFeatures, inFeatures] = weight.shape;
  const rows = input.shape[0];
  if (rows === 0 || outFeatures * inFeatures === 0) return true; // a zero gradient: nothing to add
  const gT = transpose2d(g);
  const A = operand(gT, 'linear backward');
  const B = operand(input, 'linear backward');
  g.storage.backend.gemm(1, outFeatures, inFeatures, rows,
    use(A.x, 'linear backward'), A.x.offset, 0, A.ld, A.trans,
    use(B.x, 'linear backward'), B.x.offset, 0, B.ld, B.trans,
    use(grad, 'linear backward'), grad.offset, 0, inFeatures, true);
  freeTemporary(A.x, gT);
  freeTemporary(B.x, input);
  return true;
}

/** bias + mat1·mat2, validated, without recording. */
function addmmValue(bias: Tensor, mat1: Tensor, mat2: Tensor): Tensor {
  check2d(bias, 'bias');
  check2d(mat1, 'mat1');
  check2d(mat2, 'mat2');
  if (mat1.shape.length !== 2 || mat2.shape.length !== 2) {
    throw new Error(`addmm: expected 2-D matrices, got mat1 ${shapeStr(mat1.shape)} and mat2 ${shapeStr(mat2.shape)}`);
  }
  const [m, k] = mat1.shape;
  const n = mat2.shape[1];
  if (mat2.shape[0] !== k) {
    throw new Error(`addmm: mat1 and mat2 shapes cannot be multiplied (${shapeStr(mat1.shape)} and ${shapeStr(mat2.shape)})`);
  }
  const outShape = [m, n];
  if (!broadcastsTo(bias.shape, outShape) && (bias.shape.length > 2 || !sameShape(broadcastShapes(bias.shape, outShape, 'addmm'), outShape))) {
    throw new Error(`addmm: bias of shape ${shapeStr(bias.shape)} cannot be broadcast to the product's shape ${shapeStr(outShape)}`);
  }
  const backend = backendOf('addmm', bias, mat1, mat2);
  const out = emptyTensor(outShape, 'float32', backend);
  if (m * n > 0) {
    const c = out.storage.buf!;
    backend.copy(outShape, c, 0, out.strides, use(bias, 'addmm'), bias.offset, broadcastStrides(bias.shape, bias.strides, outShape));
    if (k > 0) {
      const A = operand(mat1, 'addmm');
      const B = operand(mat2, 'addmm');
      backend.gemm(1, m, n, k,
        use(A.x, 'addmm'), A.x.offset, 0, A.ld, A.trans,
        use(B.x, 'addmm'), B.x.offset, 0, B.ld, B.trans,
        c, 0, m * n, n, true);
      freeTemporary(A.x, mat1);
      freeTemporary(B.x, mat2);
    }
  }
  return out;
}
