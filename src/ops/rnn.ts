/**
 * Fused recurrent ops: a whole layer-direction over a sequence (or one cell step) as ONE autograd node, on
 * the kernels Backend.rnnForward / rnnBackward. The composed equivalents (one op per gate per step) are in
 * src/nn/rnn-reference.ts and are the test oracle.
 *
 * Forward: xProj = x·W_ihᵀ for all T steps in one GEMM ([T·B, I]·[I, G]), then the recurrence in the kernel,
 * which adds the biases per gate. Backward: the kernel runs the dh (dc) recurrence and returns the gradients
 * of the gate pre-activations dXProj [T, B, G] (and, for GRU, dHProj); the weights' gradients are then big
 * GEMMs over all steps at once:
 *   dx = dXProj·W_ih,  dW_ih = dXProjᵀ·x,  dW_hh = Σ_t dHProj_tᵀ·h_{t−1},  db_ih = Σ dXProj,  db_hh = Σ dHProj
 * (dHProj = dXProj for RNN and LSTM). The backward runs on raw kernels, so it is not itself differentiable
 * (no double backward through a fused recurrent node, as with PyTorch's fused RNN kernels).
 */
import type { Backend, Buf, RecurrentMode } from '../backend/types.js';
import { Recurrent, Reduce, recurrentGates, recurrentSavedLength } from '../backend/types.js';
import { gradMode, record, recordMulti } from '../autograd/graph.js';
import { Tensor } from '../tensor.js';
import { backendOf, contiguousRaw, emptyTensor, reduceRaw, use } from './internal.js';
import { shapeStr } from '../shape.js';

export type RecurrentKind = 'RNN_TANH' | 'RNN_RELU' | 'LSTM' | 'GRU';

/** One layer-direction's (or one cell's) parameters: W_ih [G, I], W_hh [G, H], biases [G] or null. */
export interface RecurrentParams {
  wIh: Tensor;
  wHh: Tensor;
  bIh: Tensor | null;
  bHh: Tensor | null;
}

const MODES: Record<RecurrentKind, RecurrentMode> = {
  RNN_TANH: Recurrent.rnnTanh, RNN_RELU: Recurrent.rnnRelu, LSTM: Recurrent.lstm, GRU: Recurrent.gru,
};

/** What the backward needs: sizes, the contiguous operands, and the forward's outputs and saved buffer. */
interface Recording {
  op: string;
  mode: RecurrentMode;
  T: number;
  B: number;
  I: number;
  H: number;
  reverse: boolean;
  backend: Backend;
  input: Tensor;
  /** input, contiguous [T·B, I] */
  x: Tensor;
  /** the operands as the kernels read them (contiguous; copies where the caller's were not) */
  h0: Tensor;
  c0: Tensor | null;
  wIh: Tensor;
  wHh: Tensor;
  /** which of [input, h0, c0, W_ih, W_hh, b_ih, b_hh] require grad */
  needs: boolean[];
  out: Tensor;
  saved: Tensor | null;
}

function check(op: string, what: string, t: unknown, shape: number[]): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new Error(`${op}: ${what} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
  if (t.dtype !== 'float32') throw new Error(`${op}: ${what} must be float32, got ${t.dtype} (shape ${shapeStr(t.shape)})`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new Error(`${op}: ${what} has shape ${shapeStr(t.shape)} but expected ${shapeStr(shape)}`);
  }
}

/** Validates the operands and runs the forward kernels; outputs are [out [T, B, H], hN | null, cN | null]. */
function forward(
  op: string, kind: RecurrentKind, input: Tensor, T: number, B: number, I: number,
  h0: Tensor, c0: Tensor | null, p: RecurrentParams, reverse: boolean, outShape: number[], withHN: boolean,
): [Recording, Tensor, Tensor | null, Tensor | null] {
  const mode = MODES[kind];
  if (!(p.wHh instanceof Tensor) || p.wHh.shape.length !== 2) {
    throw new Error(`${op}: weight_hh must be a 2-D tensor [gates·hiddenSize, hiddenSize], got ${p.wHh instanceof Tensor ? shapeStr(p.wHh.shape) : typeof p.wHh}`);
  }
  const H = p.wHh.shape[1];
  const G = recurrentGates(mode) * H;
  check(op, 'weight_hh', p.wHh, [G, H]);
  check(op, 'weight_ih', p.wIh, [G, I]);
  if (p.bIh !== null) check(op, 'bias_ih', p.bIh, [G]);
  if (p.bHh !== null) check(op, 'bias_hh', p.bHh, [G]);
  check(op, 'h0', h0, [B, H]);
  const lstm = mode === Recurrent.lstm;
  if (lstm) check(op, 'c0', c0, [B, H]);
  const backend = backendOf(op, input, h0, p.wIh);
  for (const t of [c0, p.wHh, p.bIh, p.bHh]) if (t !== null) backendOf(op, input, t);

  const x = contiguousRaw(input, op);
  const wIh = contiguousRaw(p.wIh, op);
  const wHh = contiguousRaw(p.wHh, op);
  const bIh = p.bIh && contiguousRaw(p.bIh, op);
  const bHh = p.bHh && contiguousRaw(p.bHh, op);
  const h0c = contiguousRaw(h0, op);
  const c0c = lstm ? contiguousRaw(c0!, op) : null;
  const needs = [input, h0, c0, p.wIh, p.wHh, p.bIh, p.bHh].map((t) => t !== null && t.requiresGrad);
  const grad = gradMode.enabled && needs.some((n) => n);

  const xProj = emptyTensor([T, B, G], 'float32', backend);
  if (T * B * G > 0) {
    backend.gemm(1, T * B, G, I, use(x, op), x.offset, 0, I, false, use(wIh, op), wIh.offset, 0, I, true,
      xProj.storage.buf!, 0, 0, G, false);
  }
  const out = emptyTensor(outShape, 'float32', backend);
  const hN = withHN ? emptyTensor([B, H], 'float32', backend) : null;
  const cN = lstm ? emptyTensor([B, H], 'float32', backend) : null;
  const savedLength = grad ? recurrentSavedLength(mode, T, B, H) : 0;
  const saved = savedLength > 0 ? emptyTensor([savedLength], 'float32', backend) : null;
  const bufOf = (t: Tensor | null): Buf | null => (t === null ? null : use(t, op));
  backend.rnnForward(mode, T, B, H, reverse,
    xProj.storage.buf!, 0, use(wHh, op), wHh.offset,
    bufOf(bIh), bIh?.offset ?? 0, bufOf(bHh), bHh?.offset ?? 0,
    use(h0c, op), h0c.offset, bufOf(c0c), c0c?.offset ?? 0,
    out.storage.buf!, 0, hN && hN.storage.buf!, 0, cN && cN.storage.buf!, 0, saved && saved.storage.buf!, 0);
  xProj.dispose();
  const recording: Recording = {
    op, mode, T, B, I, H, reverse, backend, input, x, h0: h0c, c0: c0c, wIh, wHh, needs, out, saved,
  };
  return [recording, out, hN, cN];
}

/** C = op(A)·op(B) (+ C) for one matrix; row strides are the stored row lengths. */
function gemm(
  backend: Backend, m: number, n: number, k: number,
  a: Tensor, aOff: number, lda: number, transA: boolean,
  b: Tensor, bOff: number, ldb: number, transB: boolean,
  c: Tensor, ldc: number, accumulate: boolean,
): void {
  backend.gemm(1, m, n, k, use(a, 'rnn backward'), a.offset + aOff, 0, lda, transA,
    use(b, 'rnn backward'), b.offset + bOff, 0, ldb, transB, c.storage.buf!, c.offset, 0, ldc, accumulate);
}

/**
 * Gradients of [input, h0, c0, W_ih, W_hh, b_ih, b_hh] (null where an input does not require grad) for the
 * upstream gradients of out, hN and cN (null where none flowed).
 */
function backward(r: Recording, dOut: Tensor | null, dhN: Tensor | null, dcN: Tensor | null): (Tensor | null)[] {
  const { op, mode, T, B, I, H, backend } = r;
  const [needInput, needH0, needC0, needWIh, needWHh, needBIh, needBHh] = r.needs;
  const G = recurrentGates(mode) * H;
  const lstm = mode === Recurrent.lstm;
  const gru = mode === Recurrent.gru;
  const dXProj = emptyTensor([T, B, G], 'float32', backend);
  const dHProj = gru ? emptyTensor([T, B, G], 'float32', backend) : dXProj;
  const dh0 = needH0 ? emptyTensor([B, H], 'float32', backend) : null;
  const dc0 = lstm && needC0 ? emptyTensor([B, H], 'float32', backend) : null;
  const upstream = (g: Tensor | null): Tensor | null => (g === null ? null : contiguousRaw(g, op));
  const [gOut, gHN, gCN] = [upstream(dOut), upstream(dhN), lstm ? upstream(dcN) : null];
  const bufOf = (t: Tensor | null): Buf | null => (t === null ? null : use(t, op));
  backend.rnnBackward(mode, T, B, H, r.reverse,
    use(r.wHh, op), r.wHh.offset, use(r.h0, op), r.h0.offset, bufOf(r.c0), r.c0?.offset ?? 0,
    use(r.out, op), 0, bufOf(r.saved), 0,
    bufOf(gOut), gOut?.offset ?? 0, bufOf(gHN), gHN?.offset ?? 0, bufOf(gCN), gCN?.offset ?? 0,
    dXProj.storage.buf!, 0, gru ? dHProj.storage.buf! : null, 0, dh0 && dh0.storage.buf!, 0, dc0 && dc0.storage.buf!, 0);

  const rows = T * B;
  let dInput: Tensor | null = null;
  if (needInput) {
    dInput = emptyTensor(r.input.shape, 'float32', backend);
    if (rows * I > 0) gemm(backend, rows, I, G, dXProj, 0, G, false, r.wIh, 0, I, false, dInput, I, false);
  }
  let dWIh: Tensor | null = null;
  if (needWIh) {
    dWIh = emptyTensor([G, I], 'float32', backend);
    if (G * I > 0) gemm(backend, G, I, rows, dXProj, 0, G, true, r.x, 0, I, false, dWIh, I, false);
  }
  let dWHh: Tensor | null = null;
  if (needWHh) {
    // step t pairs with h_{t−1}: h0 for the first step processed, else out at the neighbouring index
    dWHh = emptyTensor([G, H], 'float32', backend);
    if (G * H > 0) {
      const first = r.reverse && T > 0 ? T - 1 : 0;
      gemm(backend, G, H, T > 0 ? B : 0, dHProj, first * B * G, G, true, r.h0, 0, H, false, dWHh, H, false);
      if (T > 1) {
        const [dOff, hOff] = r.reverse ? [0, B * H] : [B * G, 0];
        gemm(backend, G, H, (T - 1) * B, dHProj, dOff, G, true, r.out, hOff, H, false, dWHh, H, true);
      }
    }
  }
  // b_ih and b_hh are added to the same pre-activations, except GRU's b_hn (inside r·(W_hn·h + b_hn))
  const columnSums = (d: Tensor): Tensor => reduceRaw(Reduce.sum, d, 1, rows, G, [G]);
  const dBIh = needBIh ? columnSums(dXProj) : null;
  const dBHh = needBHh ? (gru || dBIh === null ? columnSums(dHProj) : dBIh) : null;
  return [dInput, dh0, dc0, dWIh, dWHh, dBIh, dBHh];
}

/**
 * One layer-direction over a sequence: input [T, B, I], h0 [B, H] (and c0 [B, H] for LSTM), run forwards or,
 * when `reverse`, from t = T−1 down to 0. Returns [out [T, B, H], hN [B, H]] (LSTM: [out, hN, cN]), all under
 * one autograd node named `gradFn`.
 */
export function recurrentLayer(
  kind: RecurrentKind, input: Tensor, h0: Tensor, c0: Tensor | null, params: RecurrentParams,
  reverse: boolean, gradFn: string,
): Tensor[] {
  const op = `${kind.toLowerCase()} layer`;
  if (!(input instanceof Tensor) || input.shape.length !== 3) {
    throw new Error(`${op}: input must be a 3-D tensor [T, B, inputSize], got ${input instanceof Tensor ? shapeStr(input.shape) : typeof input}`);
  }
  const [T, B, I] = input.shape;
  const [r, out, hN, cN] = forward(op, kind, input, T, B, I, h0, c0, params, reverse, [T, B, params.wHh.shape[1]], true);
  const outputs = cN === null ? [out, hN!] : [out, hN!, cN];
  return recordMulti(gradFn, outputs, [input, h0, c0, params.wIh, params.wHh, params.bIh, params.bHh],
    (grads) => backward(r, grads[0], grads[1], grads[2] ?? null));
}

/**
 * One cell step: x [B, I], h [B, H] (and c [B, H] for LSTM). Returns [h'] (LSTM: [h', c']) under one autograd
 * node named `gradFn`; LSTM's c' carries `cellGradFn` (an identity node in front, so each output shows the
 * gradFn PyTorch's composed cell gives it).
 */
export function recurrentCell(
  kind: RecurrentKind, x: Tensor, h: Tensor, c: Tensor | null, params: RecurrentParams,
  gradFn: string, cellGradFn = gradFn,
): Tensor[] {
  const op = `${kind.toLowerCase()} cell`;
  if (!(x instanceof Tensor) || x.shape.length !== 2) {
    throw new Error(`${op}: input must be a 2-D tensor [B, inputSize], got ${x instanceof Tensor ? shapeStr(x.shape) : typeof x}`);
  }
  const [B, I] = x.shape;
  const [r, hNext, , cNext] = forward(op, kind, x, 1, B, I, h, c, params, false, [B, params.wHh.shape[1]], false);
  const outputs = cNext === null ? [hNext] : [hNext, cNext];
  recordMulti(gradFn, outputs, [x, h, c, params.wIh, params.wHh, params.bIh, params.bHh],
    (grads) => backward(r, grads[0], null, grads[1] ?? null));
  if (cNext === null || cellGradFn === gradFn || !cNext.requiresGrad) return outputs;
  const named = new Tensor(cNext.storage, cNext.shape.slice(), cNext.strides.slice(), cNext.offset);
  return [hNext, record(cellGradFn, named, [cNext], (g) => [g])];
}
