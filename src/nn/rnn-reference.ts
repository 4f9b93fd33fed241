/**
 * The recurrent layers composed from primitive ops (one op per gate per step): the reference the fused ops
 * (src/ops/rnn.ts, used by rnn-functional.ts) are tested against. Same signatures as rnn-functional.ts.
 *
 * The input projection of all T steps is one matrix product ([T·B, I]·W_ihᵀ); only the recurrence loops
 * over time. Gate layouts are PyTorch's: LSTM rows of W are i, f, g, o; GRU rows are r, z, n.
 */
import type { Tensor } from '../tensor.js';
import { stack } from '../ops/join.js';
import { addmm } from '../ops/linear.js';
import { split, unbind } from '../ops/shape.js';
import type { LayerFn, RecurrentWeights } from './rnn-functional.js';

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
  const [i, f, g, o] = split(addmm(xp, h, wHhT), [H, H, H, H], 1);
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
  const [xRz, xN] = split(xp, [2 * H, H], 1);
  const [hRz, hN] = split(hp, [2 * H, H], 1);
  const [r, z] = split(xRz.add(hRz).sigmoid(), [H, H], 1);
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
  return unbind(project(input.reshape(T * B, I), wIh, bias).view(T, B, G), 0);
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
