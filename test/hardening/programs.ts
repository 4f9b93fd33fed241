/**
 * Random tensor programs for the fuzz suite: a list of instructions (leaf creation, elementwise maths with
 * broadcasting, views, reductions, products, joins, indexing, in-place updates on untracked copies) that is
 * valid by construction, built from a stream of random choices so fast-check can shrink it, and replayable
 * on any backend.
 *
 * Leaf values are multiples of 1/4 in [-2, 2]. Backends may round differently (summation order, SIMD
 * transcendentals), which only matters where an op is discontinuous in its gradient: a value that cancels to
 * exactly 0 on one backend and to 1e-9 on the other sends abs's gradient to 0 or ±1, and equal values that
 * come out one ulp apart change which one max picks. So the tie- and kink-sensitive ops (abs, relu, clamp,
 * maximum, minimum, max, topk, where's condition) see their input plus a ramp of distinct offsets that are
 * far larger than rounding noise and far from any kink, and the ops that need a positive input take x² + c
 * rather than |x| + c.
 */
import * as torch from '../../src/index';

type Tensor = torch.Tensor;
type Shape = number[];

export interface Instr {
  op: string;
  /** slot indices of the tensor operands */
  inputs: number[];
  params: unknown[];
}

export interface Program {
  instrs: Instr[];
  /** slots (float32, tracked by autograd) whose weighted sum is the loss */
  outputs: number[];
}

interface Slot {
  shape: Shape;
  grad: boolean;
  int: boolean;
}

/** mulberry32 */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const numel = (s: Shape) => s.reduce((a, b) => a * b, 1);

/** Draws from the fast-check choice stream (cycled), then from a PRNG once it runs out. */
class Picker {
  private at = 0;
  private readonly fallback: () => number;
  constructor(private readonly choices: number[], seed: number) {
    this.fallback = prng(seed ^ 0x9e3779b9);
  }
  int(n: number): number {
    if (n <= 1) return 0;
    const c = this.at < this.choices.length ? this.choices[this.at++] : Math.floor(this.fallback() * 2 ** 31);
    return c % n;
  }
  of<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  chance(percent: number): boolean {
    return this.int(100) < percent;
  }
}

const SCALARS = [-2, -0.5, 0.5, 1.5, 3];

/**
 * Builds a valid program of `length` ops (besides leaf creation) from `choices` (any array of non-negative
 * integers) and `seed` (leaf values).
 */
export function buildProgram(choices: number[], seed: number, length: number): Program {
  const pick = new Picker(choices, seed);
  const rand = prng(seed);
  const slots: Slot[] = [];
  const instrs: Instr[] = [];
  const emit = (op: string, inputs: number[], params: unknown[], slot: Slot): number => {
    instrs.push({ op, inputs, params });
    slots.push(slot);
    return slots.length - 1;
  };
  const values = (n: number) => Array.from({ length: n }, () => Math.round((rand() * 4 - 2) * 4) / 4);
  const randomShape = (): Shape => Array.from({ length: pick.int(4) }, () => 1 + pick.int(4));
  const leaf = (shape: Shape, grad = true) => emit('leaf', [], [shape, values(numel(shape)), grad], { shape, grad, int: false });
  const floatSlots = () => slots.map((s, i) => [s, i] as const).filter(([s]) => !s.int).map(([, i]) => i);
  /** A shape that broadcasts with `shape`: some trailing dims kept, each possibly 1. */
  const broadcastable = (shape: Shape): Shape => {
    const keep = pick.int(shape.length + 1);
    return shape.slice(shape.length - keep).map((d) => (pick.chance(30) ? 1 : d));
  };
  const broadcastsWith = (a: Shape, b: Shape) => {
    for (let i = 1; i <= Math.min(a.length, b.length); i++) {
      const x = a[a.length - i];
      const y = b[b.length - i];
      if (x !== y && x !== 1 && y !== 1) return false;
    }
    return true;
  };
  const outShape = (a: Shape, b: Shape): Shape => {
    const rank = Math.max(a.length, b.length);
    return Array.from({ length: rank }, (_, i) => {
      const x = a[i - (rank - a.length)] ?? 1;
      const y = b[i - (rank - b.length)] ?? 1;
      return x === 1 ? y : x;
    });
  };
  /** A float operand for a binary op with slot `a`: an existing compatible slot, or a fresh leaf. */
  const partner = (a: number): number => {
    const compatible = floatSlots().filter((i) => broadcastsWith(slots[a].shape, slots[i].shape));
    if (compatible.length > 0 && pick.chance(60)) return pick.of(compatible);
    return leaf(broadcastable(slots[a].shape), pick.chance(70));
  };
  const same = (a: number, op: string, params: unknown[] = []) =>
    emit(op, [a], params, { ...slots[a], shape: slots[a].shape.slice() });

  for (let n = 0; n < 2; n++) leaf(randomShape());
  let ops = 0;
  while (ops < length) {
    ops = instrs.filter((ins) => ins.op !== 'leaf').length;
    if (ops >= length) break;
    const a = pick.of(floatSlots());
    const s = slots[a];
    const rank = s.shape.length;
    const kind = pick.int(100);
    if (kind < 20) {
      same(a, pick.of(['neg', 'exp', 'tanh', 'sigmoid', 'relu', 'abs', 'square', 'log', 'sqrt', 'clamp', 'pow']),
        [pick.of([0.5, 2, 3, -1])]);
    } else if (kind < 28) {
      same(a, pick.of(['adds', 'subs', 'muls', 'divs', 'addAlpha']), [pick.of(SCALARS)]);
    } else if (kind < 42) {
      const b = partner(a);
      const op = pick.of(['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'where', 'subAlpha']);
      emit(op, [a, b], [pick.of(SCALARS)], { shape: outShape(s.shape, slots[b].shape), grad: s.grad || slots[b].grad, int: false });
    } else if (kind < 62) {
      // views
      if (rank >= 2 && pick.chance(30)) {
        const d0 = pick.int(rank);
        const d1 = pick.int(rank);
        const shape = s.shape.slice();
        [shape[d0], shape[d1]] = [shape[d1], shape[d0]];
        emit('transpose', [a], [d0 - (pick.chance(50) ? rank : 0), d1], { ...s, shape });
      } else if (rank >= 1 && pick.chance(25)) {
        const d = pick.int(rank);
        const start = pick.int(s.shape[d]);
        const len = 1 + pick.int(s.shape[d] - start);
        const shape = s.shape.slice();
        shape[d] = len;
        emit('narrow', [a], [d, start, len], { ...s, shape });
      } else if (rank >= 1 && pick.chance(25)) {
        const d = pick.int(rank);
        emit('select', [a], [d, pick.int(s.shape[d]) - (pick.chance(30) ? s.shape[d] : 0)], { ...s, shape: s.shape.filter((_, i) => i !== d) });
      } else if (rank >= 2 && pick.chance(30)) {
        const perm = Array.from({ length: rank }, (_, i) => i);
        for (let i = rank - 1; i > 0; i--) {
          const j = pick.int(i + 1);
          [perm[i], perm[j]] = [perm[j], perm[i]];
        }
        emit('permute', [a], [perm], { ...s, shape: perm.map((p) => s.shape[p]) });
      } else if (rank < 4 && pick.chance(40)) {
        // unsqueeze then expand the new dim (and any size-1 dims)
        const d = pick.int(rank + 1);
        const shape = s.shape.slice();
        shape.splice(d, 0, 1);
        const target = shape.map((x) => (x === 1 ? 1 + pick.int(3) : x));
        emit('expand', [a], [d, target], { ...s, shape: target });
      } else if (pick.chance(50)) {
        const total = numel(s.shape);
        const first = [1, 2, 3, 4].filter((k) => total % k === 0);
        const k = pick.of(first);
        emit('view', [a], [[k, -1]], { ...s, shape: [k, total / k] });
      } else {
        same(a, pick.of(['contiguous', 'clone', 'squeezeUnsqueeze']));
      }
    } else if (kind < 76) {
      // reductions and rowwise ops
      const r = pick.int(6);
      if (rank === 0 || r === 0) emit(pick.of(['sum', 'mean', 'maxAll']), [a], [], { ...s, shape: [] });
      else {
        const d = pick.int(rank);
        const keep = pick.chance(50);
        const reduced = keep ? s.shape.map((x, i) => (i === d ? 1 : x)) : s.shape.filter((_, i) => i !== d);
        if (r === 1) emit('sumDim', [a], [d - rank, keep], { ...s, shape: reduced });
        else if (r === 2) emit('meanDim', [a], [d, keep], { ...s, shape: reduced });
        else if (r === 3) emit('maxDim', [a], [d, keep], { ...s, shape: reduced });
        else if (r === 4) same(a, pick.of(['softmax', 'logSoftmax']), [d - (pick.chance(50) ? rank : 0)]);
        else {
          const k = 1 + pick.int(s.shape[d]);
          const shape = s.shape.slice();
          shape[d] = k;
          emit('topk', [a], [k, d, pick.chance(70)], { ...s, shape });
        }
      }
    } else if (kind < 84) {
      if (rank === 0) continue;
      const k = s.shape[rank - 1];
      const n = 1 + pick.int(4);
      const form = pick.int(3);
      // a batch dim for b that broadcasts with a's (a's own, or 1, when a has one)
      const batch = rank >= 3 ? (pick.chance(50) ? s.shape[rank - 3] : 1) : 1 + pick.int(3);
      const bShape = form === 0 ? [k] : form === 1 ? [k, n] : [batch, k, n];
      const b = leaf(bShape, pick.chance(70));
      let shape: Shape;
      if (rank === 1 && form === 0) shape = [];
      else if (form === 0) shape = s.shape.slice(0, -1);
      else if (rank === 1) shape = [...bShape.slice(0, -2), n];
      else if (form === 1) shape = [...s.shape.slice(0, -1), n];
      else {
        shape = [...outShape(s.shape.slice(0, -2), bShape.slice(0, -2)), s.shape[rank - 2], n];
      }
      emit('matmul', [a, b], [], { shape, grad: s.grad || slots[b].grad, int: false });
    } else if (kind < 90) {
      const b = pick.chance(50) ? leaf(s.shape.slice(), pick.chance(70)) : a;
      if (rank > 0 && pick.chance(50)) {
        const d = pick.int(rank);
        emit('cat', [a, b], [d], { ...s, grad: s.grad || slots[b].grad, shape: s.shape.map((x, i) => (i === d ? 2 * x : x)) });
      } else {
        const d = pick.int(rank + 1);
        const shape = s.shape.slice();
        shape.splice(d, 0, 2);
        emit('stack', [a, b], [d], { ...s, grad: s.grad || slots[b].grad, shape });
      }
    } else if (kind < 95) {
      if (rank === 0) continue;
      const d = pick.int(rank);
      const size = s.shape[d];
      if (pick.chance(50)) {
        const shape = s.shape.map((x, i) => (i === d ? 1 + pick.int(3) : x));
        const idx = Array.from({ length: numel(shape) }, () => pick.int(size));
        emit('gather', [a], [d, shape, idx], { ...s, shape });
      } else {
        const count = 1 + pick.int(4);
        const idx = Array.from({ length: count }, () => pick.int(size));
        emit('indexSelect', [a], [d, idx], { ...s, shape: s.shape.map((x, i) => (i === d ? count : x)) });
      }
    } else {
      // an in-place update through a view of an untracked copy
      const where = rank >= 1 && pick.chance(60) ? pick.int(rank) : -1;
      const at = where >= 0 ? pick.int(s.shape[where]) : 0;
      emit('inplace', [a], [pick.of(['add_', 'mul_', 'clamp_', 'fill_', 'copy_', 'zero_', 'sub_', 'div_']), where, at, pick.of(SCALARS)],
        { shape: s.shape.slice(), grad: false, int: false });
    }
  }
  const tracked = floatSlots().filter((i) => slots[i].grad);
  return { instrs, outputs: tracked.slice(-4) };
}

function leafTensor(shape: Shape, vals: number[], grad: boolean): Tensor {
  const t = shape.length === 0 ? torch.tensor(vals[0]) : torch.tensor(vals).view(shape);
  return grad ? t.detach().requiresGrad_() : t;
}

/** x plus distinct offsets 0.0123 + 0.0031·k (k the flat index): separates ties and keeps values off kinks. */
function jitter(x: Tensor): Tensor {
  const n = x.numel();
  return x.add(torch.arange(n).float().mul(0.0031).add(0.0123).view(x.shape));
}

/** The ops of the instruction set, each on this backend's tensors. */
const OPS: Record<string, (xs: Tensor[], p: unknown[]) => Tensor> = {
  neg: ([x]) => x.neg(),
  exp: ([x]) => jitter(x).clamp(-8, 8).exp(),
  tanh: ([x]) => x.tanh(),
  sigmoid: ([x]) => x.sigmoid(),
  relu: ([x]) => jitter(x).relu(),
  abs: ([x]) => jitter(x).abs(),
  square: ([x]) => x.square(),
  log: ([x]) => x.square().add(0.5).log(),
  sqrt: ([x]) => x.square().add(0.25).sqrt(),
  clamp: ([x]) => jitter(x).clamp(-0.75, 1.25),
  pow: ([x], [p]) => x.square().add(0.5).pow(p as number),
  adds: ([x], [c]) => x.add(c as number),
  subs: ([x], [c]) => x.sub(c as number),
  muls: ([x], [c]) => x.mul(c as number),
  divs: ([x], [c]) => x.div(c as number),
  addAlpha: ([x], [c]) => x.add(x.mul(0.5), { alpha: c as number }),
  add: ([a, b]) => a.add(b),
  sub: ([a, b]) => a.sub(b),
  subAlpha: ([a, b], [c]) => a.sub(b, { alpha: c as number }),
  mul: ([a, b]) => a.mul(b),
  div: ([a, b]) => a.div(b.square().add(0.5)),
  maximum: ([a, b]) => a.maximum(jitter(b)),
  minimum: ([a, b]) => a.minimum(jitter(b)),
  where: ([a, b], [c]) => torch.where(jitter(a).gt(c as number), a, b),
  transpose: ([x], [d0, d1]) => x.transpose(d0 as number, d1 as number),
  narrow: ([x], [d, start, len]) => x.narrow(d as number, start as number, len as number),
  select: ([x], [d, i]) => x.select(d as number, i as number),
  permute: ([x], [perm]) => x.permute(perm as number[]),
  expand: ([x], [d, target]) => x.unsqueeze(d as number).expand(target as number[]),
  view: ([x], [shape]) => x.reshape(shape as number[]),
  contiguous: ([x]) => x.contiguous(),
  clone: ([x]) => x.clone(),
  squeezeUnsqueeze: ([x]) => x.unsqueeze(0).squeeze(0),
  sum: ([x]) => x.sum(),
  mean: ([x]) => x.mean(),
  maxAll: ([x]) => jitter(x).max(),
  sumDim: ([x], [d, keep]) => x.sum(d as number, keep as boolean),
  meanDim: ([x], [d, keep]) => x.mean(d as number, keep as boolean),
  maxDim: ([x], [d, keep]) => jitter(x).max(d as number, keep as boolean)[0],
  softmax: ([x], [d]) => x.softmax(d as number),
  logSoftmax: ([x], [d]) => x.logSoftmax(d as number),
  topk: ([x], [k, d, largest]) => jitter(x).topk(k as number, d as number, largest as boolean)[0],
  matmul: ([a, b]) => a.matmul(b),
  cat: ([a, b], [d]) => torch.cat([a, b], d as number),
  stack: ([a, b], [d]) => torch.stack([a, b], d as number),
  gather: ([x], [d, shape, idx]) => x.gather(d as number, torch.tensor(idx as number[], { dtype: 'int64' }).view(shape as number[])),
  indexSelect: ([x], [d, idx]) => x.indexSelect(d as number, torch.tensor(idx as number[], { dtype: 'int64' })),
  inplace: ([x], [op, d, at, c]) => {
    const copy = x.detach().clone();
    const target = (d as number) >= 0 ? copy.select(d as number, at as number) : copy;
    const value = c as number;
    const t = target as unknown as Record<string, (...a: unknown[]) => unknown>;
    if (op === 'clamp_') target.clamp_(-Math.abs(value), Math.abs(value));
    else if (op === 'fill_') target.fill_(value);
    else if (op === 'zero_') target.zero_();
    else if (op === 'copy_') target.copy_(target.mul(value));
    else if (op === 'div_') target.div_(target.abs().add(1));
    else t[op as string](target.tanh(), { alpha: value });
    return copy;
  },
};

/** When `materialize` is set every result is made contiguous, so views take the contiguous kernels. */
export interface RunOptions {
  materialize?: boolean;
}

export interface RunResult {
  values: (Float32Array | Int32Array)[];
  grads: (Float32Array | null)[];
  loss: number;
}

/** Runs `program` on the active backend: the value of every slot, and every leaf's gradient of the loss. */
export function runProgram(program: Program, seed: number, options: RunOptions = {}): RunResult {
  const slots: Tensor[] = [];
  const leaves: Tensor[] = [];
  for (const ins of program.instrs) {
    let out: Tensor;
    if (ins.op === 'leaf') {
      const [shape, vals, grad] = ins.params as [Shape, number[], boolean];
      out = leafTensor(shape, vals, grad);
      leaves.push(out);
    } else {
      const fn = OPS[ins.op];
      if (!fn) throw new Error(`fuzz program: unknown op ${ins.op}`);
      out = fn(ins.inputs.map((i) => slots[i]), ins.params);
      if (options.materialize) out = out.contiguous();
    }
    slots.push(out);
  }
  const rand = prng(seed ^ 0x5bd1e995);
  let loss: Tensor | null = null;
  for (const i of program.outputs) {
    const t = slots[i];
    const w = t.shape.length === 0
      ? torch.tensor(Math.round(rand() * 8 - 4) / 4)
      : torch.tensor(Array.from({ length: t.numel() }, () => Math.round(rand() * 8 - 4) / 4)).view(t.shape);
    const term = t.mul(w).sum();
    loss = loss === null ? term : loss.add(term);
  }
  if (loss !== null && loss.requiresGrad) loss.backward();
  return {
    values: slots.map((t) => t.toArray()),
    grads: leaves.map((l) => (l.grad === null ? null : (l.grad.toArray() as Float32Array))),
    loss: loss === null ? 0 : loss.item(),
  };
}

/** Describes a program for a failure message, one instruction a line. */
export function describeProgram(program: Program): string {
  return program.instrs.map((ins, i) => {
    const params = ins.op === 'leaf' ? [`shape [${(ins.params[0] as Shape).join(', ')}]`, ins.params[2] ? 'grad' : 'no grad'] : ins.params.map((p) => JSON.stringify(p));
    return `  %${i} = ${ins.op}(${[...ins.inputs.map((x) => `%${x}`), ...params].join(', ')})`;
  }).join('\n') + `\n  loss = weighted sum of ${program.outputs.map((x) => `%${x}`).join(', ')}`;
}
