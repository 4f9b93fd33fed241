/** Elementwise maths with broadcasting: each op's forward and its backward, side by side. */
import { Binary, Unary, type BinaryOp } from '../backend/types.js';
import { record } from '../autograd/graph.js';
import { Tensor, type TensorOrScalar } from '../tensor.js';
import { backendOf, binaryRaw, castRaw, emptyTensor, freeTemporary, fullTensor, unaryRaw, use } from './internal.js';
import { broadcastShapes, broadcastStrides, shapeStr } from '../shape.js';

function checkTensor(x: unknown, op: string, what = 'input'): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${op}: ${what} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
}

function checkNumber(x: unknown, op: string): number {
  if (typeof x !== 'number') throw new Error(`${op}: expected a Tensor or a number, got ${x === null ? 'null' : typeof x}`);
  return x;
}

/** Integer maths stays integer when PyTorch's would (int64 op int64 or integral scalar). */
function keepInt(out: Tensor, a: Tensor, b: TensorOrScalar, op: string): Tensor {
  if (a.dtype !== 'int64') return out;
  const bInt = b instanceof Tensor ? b.dtype === 'int64' : Number.isInteger(b);
  if (!bInt) return out;
  const cast = castRaw(out, 'int64', op);
  freeTemporary(out, cast);
  return cast;
}

export function scalarLike(value: number, like: Tensor): Tensor {
  return fullTensor([], value, 'float32', like.storage.backend);
}

export function add(a: Tensor, b: TensorOrScalar, alpha = 1): Tensor {
  checkTensor(a, 'add');
  if (typeof b !== 'object') {
    const out = unaryRaw(Unary.affine, a, 'add', 1, checkNumber(b, 'add') * alpha);
    return record('AddBackward0', keepInt(out, a, b, 'add'), [a], (g) => [g]);
  }
  checkTensor(b, 'add', 'other');
  const scaled = alpha === 1 ? b : unaryRaw(Unary.affine, b, 'add', alpha, 0);
  const sum = binaryRaw(Binary.add, a, scaled, 'add');
  freeTemporary(scaled, b);
  const out = keepInt(sum, a, b, 'add');
  return record('AddBackward0', out, [a, b], (g) => [g, alpha === 1 ? g : mul(g, alpha)]);
}

export function sub(a: Tensor, b: TensorOrScalar, alpha = 1): Tensor {
  checkTensor(a, 'sub');
  if (typeof b !== 'object') {
    const out = unaryRaw(Unary.affine, a, 'sub', 1, -checkNumber(b, 'sub') * alpha);
    return record('SubBackward0', keepInt(out, a, b, 'sub'), [a], (g) => [g]);
  }
  checkTensor(b, 'sub', 'other');
  const scaled = alpha === 1 ? b : unaryRaw(Unary.affine, b, 'sub', alpha, 0);
  const difference = binaryRaw(Binary.sub, a, scaled, 'sub');
  freeTemporary(scaled, b);
  const out = keepInt(difference, a, b, 'sub');
  return record('SubBackward0', out, [a, b], (g) => [g, mul(g, -alpha)]);
}

/** `number - tensor` (Python's `1 - x`). */
export function rsub(a: Tensor, value: number): Tensor {
  const out = unaryRaw(Unary.affine, a, 'rsub', -1, value);
  return record('RsubBackward1', out, [a], (g) => [neg(g)]);
}

export function mul(a: Tensor, b: TensorOrScalar): Tensor {
  checkTensor(a, 'mul');
  if (typeof b !== 'object') {
    const s = checkNumber(b, 'mul');
    const out = keepInt(unaryRaw(Unary.affine, a, 'mul', s, 0), a, b, 'mul');
    return record('MulBackward0', out, [a], (g) => [mul(g, s)]);
  }
  checkTensor(b, 'mul', 'other');
  const out = keepInt(binaryRaw(Binary.mul, a, b, 'mul'), a, b, 'mul');
  return record('MulBackward0', out, [a, b], (g) => [
    a.requiresGrad ? mul(g, b) : null,
    b.requiresGrad ? mul(g, a) : null,
  ]);
}

export function div(a: Tensor, b: TensorOrScalar): Tensor {
  checkTensor(a, 'div');
  if (typeof b !== 'object') {
    const s = checkNumber(b, 'div');
    // a true division (x * (1/s) would round differently from PyTorch)
    const divisor = scalarLike(s, a);
    const out = binaryRaw(Binary.div, a, divisor, 'div');
    freeTemporary(divisor, null);
    return record('DivBackward0', out, [a], (g) => [div(g, s)]);
  }
  checkTensor(b, 'div', 'other');
  const out = binaryRaw(Binary.div, a, b, 'div');
  return record('DivBackward0', out, [a, b], (g) => [
    a.requiresGrad ? div(g, b) : null,
    b.requiresGrad ? neg(div(mul(g, out), b)) : null,
  ]);
}

/** `number / tensor`. */
export function rdiv(value: number, x: Tensor): Tensor {
  const out = unaryRaw(Unary.rdiv, x, 'rdiv', value);
  return record('MulBackward0', out, [x], (g) => [neg(div(mul(g, out), x))]);
}

export function neg(x: Tensor): Tensor {
  checkTensor(x, 'neg');
  const out = keepInt(unaryRaw(Unary.neg, x, 'neg'), x, 0, 'neg');
  return record('NegBackward0', out, [x], (g) => [neg(g)]);
}

export function pow(x: Tensor, exponent: TensorOrScalar): Tensor {
  checkTensor(x, 'pow');
  if (typeof exponent !== 'object') {
    const p = checkNumber(exponent, 'pow');
    const out = keepInt(unaryRaw(Unary.powScalar, x, 'pow', p), x, p, 'pow');
    return record('PowBackward0', out, [x], (g) => [p === 0 ? mul(g, 0) : mul(mul(g, pow(x, p - 1)), p)]);
  }
  checkTensor(exponent, 'pow', 'exponent');
  const out = binaryRaw(Binary.pow, x, exponent, 'pow');
  return record('PowBackward1', out, [x, exponent], (g) => [
    // exponent 0 gives gradient 0 even at a zero base, where b·a^(b−1) would be 0·inf
    x.requiresGrad ? where(compare('eq', exponent, 0), 0, mul(mul(g, exponent), pow(x, sub(exponent, 1)))) : null,
    // d/db a^b = a^b·ln a, taken as 0 where a == 0 and b >= 0 (PyTorch's convention)
    exponent.requiresGrad
      ? where(binaryRaw(Binary.mul, compare('eq', x, 0), compare('ge', exponent, 0), 'pow'), 0, mul(g, mul(out, log(x))))
      : null,
  ]);
}

export function exp(x: Tensor): Tensor {
  checkTensor(x, 'exp');
  const out = unaryRaw(Unary.exp, x, 'exp');
  return record('ExpBackward0', out, [x], (g) => [mul(g, out)]);
}

export function log(x: Tensor): Tensor {
  checkTensor(x, 'log');
  const out = unaryRaw(Unary.log, x, 'log');
  return record('LogBackward0', out, [x], (g) => [div(g, x)]);
}

export function sqrt(x: Tensor): Tensor {
  checkTensor(x, 'sqrt');
  const out = unaryRaw(Unary.sqrt, x, 'sqrt');
  return record('SqrtBackward0', out, [x], (g) => [div(g, mul(out, 2))]);
}

export function abs(x: Tensor): Tensor {
  checkTensor(x, 'abs');
  const out = keepInt(unaryRaw(Unary.abs, x, 'abs'), x, 0, 'abs');
  return record('AbsBackward0', out, [x], (g) => [mul(g, unaryRaw(Unary.sign, x, 'abs'))]);
}

export function square(x: Tensor): Tensor {
  checkTensor(x, 'square');
  const out = keepInt(unaryRaw(Unary.square, x, 'square'), x, 0, 'square');
  return record('PowBackward0', out, [x], (g) => [mul(g, mul(x, 2))]);
}

export function tanh(x: Tensor): Tensor {
  checkTensor(x, 'tanh');
  const out = unaryRaw(Unary.tanh, x, 'tanh');
  return record('TanhBackward0', out, [x], (g) => [binaryRaw(Binary.tanhBackward, out, g, 'tanh backward')]);
}

export function sigmoid(x: Tensor): Tensor {
  checkTensor(x, 'sigmoid');
  const out = unaryRaw(Unary.sigmoid, x, 'sigmoid');
  return record('SigmoidBackward0', out, [x], (g) => [binaryRaw(Binary.sigmoidBackward, out, g, 'sigmoid backward')]);
}

export function relu(x: Tensor): Tensor {
  checkTensor(x, 'relu');
  const out = keepInt(unaryRaw(Unary.relu, x, 'relu'), x, 0, 'relu');
  return record('ReluBackward0', out, [x], (g) => [binaryRaw(Binary.reluBackward, out, g, 'relu backward')]);
}

export function clamp(x: Tensor, min?: number | null | { min?: number | null; max?: number | null }, max?: number | null): Tensor {
  checkTensor(x, 'clamp');
  if (typeof min === 'object' && min !== null) return clamp(x, min.min, min.max);
  if (min == null && max == null) throw new Error('clamp: at least one of min and max must be given');
  const lo = min ?? -Infinity;
  const hi = max ?? Infinity;
  if (typeof lo !== 'number' || typeof hi !== 'number') throw new Error(`clamp: min and max must be numbers, got ${typeof lo} and ${typeof hi}`);
  const out = keepInt(unaryRaw(Unary.clamp, x, 'clamp', lo, hi), x, 0, 'clamp');
  return record('ClampBackward1', out, [x], (g) => [mul(g, unaryRaw(Unary.inRange, x, 'clamp', lo, hi))]);
}

function extremum(a: Tensor, b: Tensor, code: BinaryOp, name: string, op: string): Tensor {
  checkTensor(a, op);
  checkTensor(b, op, 'other');
  const out = keepInt(binaryRaw(code, a, b, op), a, b, op);
  // PyTorch 1.13: where(mine == theirs, g/2, g), zeroed where mine loses; a NaN makes every comparison false,
  // so both operands then receive the whole gradient
  const share = (mine: Tensor, theirs: Tensor, g: Tensor) => {
    const loses = compare(code === Binary.maximum ? 'lt' : 'gt', mine, theirs);
    return mul(g, rsub(add(loses, mul(compare('eq', mine, theirs), 0.5)), 1));
  };
  return record(name, out, [a, b], (g) => [a.requiresGrad ? share(a, b, g) : null, b.requiresGrad ? share(b, a, g) : null]);
}

export function maximum(a: Tensor, b: Tensor): Tensor {
  return extremum(a, b, Binary.maximum, 'MaximumBackward0', 'maximum');
}

export function minimum(a: Tensor, b: Tensor): Tensor {
  return extremum(a, b, Binary.minimum, 'MinimumBackward0', 'minimum');
}

const compareCodes = {
  eq: [Binary.eq, Unary.eqScalar],
  ne: [Binary.ne, Unary.neScalar],
  gt: [Binary.gt, Unary.gtScalar],
  lt: [Binary.lt, Unary.ltScalar],
  ge: [Binary.ge, Unary.geScalar],
  le: [Binary.le, Unary.leScalar],
} as const;

/** Comparisons give a float32 mask of 1s and 0s and are not differentiable. */
export function compare(kind: keyof typeof compareCodes, a: Tensor, b: TensorOrScalar): Tensor {
  checkTensor(a, kind);
  const [binaryCode, scalarCode] = compareCodes[kind];
  if (typeof b !== 'object') return unaryRaw(scalarCode, a, kind, checkNumber(b, kind));
  checkTensor(b, kind, 'other');
  return binaryRaw(binaryCode, a, b, kind);
}

/** torch.where(cond, a, b): a where cond is non-zero, else b; numbers broadcast as scalars. */
export function where(cond: Tensor, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  checkTensor(cond, 'where', 'condition');
  const ta = typeof a === 'object' ? a : scalarLike(checkNumber(a, 'where'), cond);
  const tb = typeof b === 'object' ? b : scalarLike(checkNumber(b, 'where'), cond);
  checkTensor(ta, 'where', 'input');
  checkTensor(tb, 'where', 'other');
  const backend = backendOf('where', cond, ta, tb);
  const shape = broadcastShapes(broadcastShapes(cond.shape, ta.shape, 'where'), tb.shape, 'where');
  const fa = ta.dtype === 'float32' ? ta : castRaw(ta, 'float32', 'where');
  const fb = tb.dtype === 'float32' ? tb : castRaw(tb, 'float32', 'where');
  const fc = cond.dtype === 'float32' ? cond : castRaw(cond, 'float32', 'where');
  const out = emptyTensor(shape, 'float32', backend);
  if (out.numel() > 0) {
    const s = shape.length ? shape : [1];
    const st = (t: Tensor) => (shape.length ? broadcastStrides(t.shape, t.strides, shape) : [0]);
    backend.where(s, out.storage.buf!, 0,
      use(fc, 'where'), fc.offset, st(fc), use(fa, 'where'), fa.offset, st(fa), use(fb, 'where'), fb.offset, st(fb));
  }
  return record('WhereBackward0', out, [ta, tb], (g) => [
    ta.requiresGrad ? where(cond, g, 0) : null,
    tb.requiresGrad ? where(cond, 0, g) : null,
  ]);
}

export function assertSameShape(op: string, a: Tensor, b: Tensor): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(`${op}: shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)} must match`);
  }
}
