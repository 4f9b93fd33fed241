/**
 * The maths of the recurrent layers, written on the Tensor API: one step of each cell, the cells as
 * functions, and one function per layer-direction that runs a whole sequence.
 *
 * The layer-direction functions (`rnnTanhLayer`, `rnnReluLayer`, `lstmLayer`, `gruLayer`) are the seam a
 * fused sequence kernel replaces: each takes input [T, B, I], the initial state ([h0] or [h0, c0], each
 * [B, H]) and one layer-direction's weights, and returns output [T, B, H] and the final state. The input
 * projection of all T steps is one matrix product ([T·B, I]·W_ihᵀ); only the recurrence loops over time.
 *
 * Gate layouts are PyTorch's: LSTM rows of W are i, f, g, o; GRU rows are r, z, n.
 */
import { noGrad, recordMulti } from '../autograd/graph.js';
import type { Tensor } from '../tensor.js';
import { cat, stack } from '../ops/join.js';
import { fullTensor } from '../ops/internal.js';
import { addmm } from '../ops/linear.js';

/** One layer-direction's parameters (cells use the same shape of record). Biases are both given or both null. */
export interface RecurrentWeights {
  /** [G, I], G = gates · H */
  wIh: Tensor;
  /** [G, H] */
  wHh: Tensor;
  /** [G] */
  bIh: Tensor | null;
  /** [G] */
  bHh: Tensor | null;
}

/** Runs one layer in one direction: (input [T, B, I], state [B, H] each, weights) -> (output [T, B, H], final state). */
export type LayerFn = (input: Tensor, state: Tensor[], w: RecurrentWeights, reverse: boolean) => [Tensor, Tensor[]];

// ---- multi-output views: one autograd node each, so backward assembles the pieces' gradients once ----
// (candidates for src/ops/shape.ts as torch.unbind / torch.split; `select`/`narrow` per piece would instead
// scatter every piece's gradient into its own full-size zero tensor, quadratic in T for a sequence.)

function zerosOfShape(like: Tensor): Tensor {
  return fullTensor(like.shape, 0, 'float32', like.storage.backend);
}

/** x[0], x[1], ... as views (PyTorch's `unbind(0)`); backward stacks their gradients. */
export function unbindViews(x: Tensor): Tensor[] {
  const slices = noGrad(() => Array.from({ length: x.shape[0] }, (_, i) => x.select(0, i)));
  return recordMulti('UnbindBackward0', slices, [x], (grads) => [
    stack(grads.map((g, i) => g ?? zerosOfShape(slices[i])), 0),
  ]);
}

/** Consecutive slices of the given sizes along `dim` as views (PyTorch's `split`); backward concatenates. */
export function splitViews(x: Tensor, dim: number, sizes: number[]): Tensor[] {
  let start = 0;
  const pieces = noGrad(() =>
    sizes.map((n) => {
      const piece = x.narrow(dim, start, n);
      start += n;
      return piece;
    }),
  );
  return recordMulti('SplitWithSizesBackward0', pieces, [x], (grads) => [
    cat(grads.map((g, i) => g ?? zerosOfShape(pieces[i])), dim),
  ]);
}

// ---- one time step; `xp` is the input projection x·W_ihᵀ plus every bias that can be added up front ----

/** h' = act(xp + h·W_hhᵀ), xp = x·W_ihᵀ + b_ih + b_hh. */
export function rnnStep(xp: Tensor, h: Tensor, wHhT: Tensor, relu: boolean): Tensor {
  const pre = addmm(xp, h, wHhT);
  return relu ? pre.relu() : pre.tanh();
}

/**
 * gates = xp + h·W_hhᵀ (xp = x·W_ihᵀ + b_ih + b_hh), split into i, f, g, o;
 * c' = σ(f)·c + σ(i)·tanh(g); h' = σ(o)·tanh(c').
 */
export function lstmStep(xp: Tensor, h: Tensor, c: Tensor, wHhT: Tensor): [Tensor, Tensor] {
  const H = h.shape[1];
  const [i, f, g, o] = splitViews(addmm(xp, h, wHhT), 1, [H, H, H, H]);
  const cNext = f.sigmoid().mul(c).add(i.sigmoid().mul(g.tanh()));
  const hNext = o.sigmoid().mul(cNext.tanh());
  return [hNext, cNext];
}

/**
 * With xp = x·W_ihᵀ + b_ih and hp = h·W_hhᵀ + b_hh, each split into r, z, n parts:
 * r, z = σ(xp_rz + hp_rz); n = tanh(xp_n + r·hp_n); h' = (1 − z)·n + z·h, computed as n + z·(h − n).
 */
export function gruStep(xp: Tensor, h: Tensor, wHhT: Tensor, bHh: Tensor | null): Tensor {
  const H = h.shape[1];
  const hp = bHh ? addmm(bHh, h, wHhT) : h.mm(wHhT);
  const [xRz, xN] = splitViews(xp, 1, [2 * H, H]);
  const [hRz, hN] = splitViews(hp, 1, [2 * H, H]);
  const [r, z] = splitViews(xRz.add(hRz).sigmoid(), 1, [H, H]);
  const n = xN.add(r.mul(hN)).tanh();
  return n.add(z.mul(h.sub(n)));
}

// ---- cells: x [B, I], h (and c) [B, H] ----

/** b_ih + b_hh, the bias of every gate pre-activation of an RNN or LSTM (null without biases). */
function summedBias(w: RecurrentWeights): Tensor | null {
  return w.bIh && w.bHh ? w.bIh.add(w.bHh) : null;
}

/** x·W_ihᵀ + bias for x [N, I]. */
function project(x: Tensor, wIh: Tensor, bias: Tensor | null): Tensor {
  return bias ? addmm(bias, x, wIh.t()) : x.mm(wIh.t());
}

export function rnnCell(x: Tensor, h: Tensor, w: RecurrentWeights, relu: boolean): Tensor {
  return rnnStep(project(x, w.wIh, summedBias(w)), h, w.wHh.t(), relu);
}

export function lstmCell(x: Tensor, h: Tensor, c: Tensor, w: RecurrentWeights): [Tensor, Tensor] {
  return lstmStep(project(x, w.wIh, summedBias(w)), h, c, w.wHh.t());
}

export function gruCell(x: Tensor, h: Tensor, w: RecurrentWeights): Tensor {
  return gruStep(project(x, w.wIh, w.bIh), h, w.wHh.t(), w.bHh);
}

// ---- layer-directions: the seam ----

/** The input projections of all T steps in one product, as T views [B, G]. */
function projectSequence(input: Tensor, wIh: Tensor, bias: Tensor | null): Tensor[] {
  const [T, B, I] = input.shape;
  const G = wIh.shape[0];
  return unbindViews(project(input.reshape(T * B, I), wIh, bias).view(T, B, G));
}

/** Runs `step` over time (backwards when `reverse`), stacking each step's h in time order. */
function scan(steps: Tensor[], state: Tensor[], reverse: boolean, step: (xp: Tensor, state: Tensor[]) => Tensor[]): [Tensor, Tensor[]] {
  const T = steps.length;
  const hs = new Array<Tensor>(T);
  for (let k = 0; k < T; k++) {
    const t = reverse ? T - 1 - k : k;
    state = step(steps[t], state);
    hs[t] = state[0];
  }
  return [stack(hs, 0), state];
}

function rnnLayer(input: Tensor, state: Tensor[], w: RecurrentWeights, reverse: boolean, relu: boolean): [Tensor, Tensor[]] {
  const wHhT = w.wHh.t();
  const steps = projectSequence(input, w.wIh, summedBias(w));
  return scan(steps, state, reverse, (xp, [h]) => [rnnStep(xp, h, wHhT, relu)]);
}

export const rnnTanhLayer: LayerFn = (input, state, w, reverse) => rnnLayer(input, state, w, reverse, false);

export const rnnReluLayer: LayerFn = (input, state, w, reverse) => rnnLayer(input, state, w, reverse, true);

export const lstmLayer: LayerFn = (input, state, w, reverse) => {
  const wHhT = w.wHh.t();
  const steps = projectSequence(input, w.wIh, summedBias(w));
  return scan(steps, state, reverse, (xp, [h, c]) => lstmStep(xp, h, c, wHhT));
};

export const gruLayer: LayerFn = (input, state, w, reverse) => {
  const wHhT = w.wHh.t();
  const steps = projectSequence(input, w.wIh, w.bIh);
  return scan(steps, state, reverse, (xp, [h]) => [gruStep(xp, h, wHhT, w.bHh)]);
};
