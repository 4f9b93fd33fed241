/**
 * Layers: Linear, Embedding, the activation modules, Dropout and Sequential. Attribute and parameter names,
 * initialisation (and its order of random draws) and printed forms are PyTorch 1.13's; constructors take
 * PyTorch's leading arguments positionally and the rest as one options object.
 */
import { Tensor } from '../tensor.js';
import { emptyTensor } from '../ops/internal.js';
import { noGrad } from '../autograd/graph.js';
import { shapeStr } from '../shape.js';
import { Module, Parameter } from './module.js';
import * as F from './functional.js';
import * as init from './init.js';
import { parseArgs } from './args.js';

function checkCount(value: unknown, op: string, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new Error(`${op}: ${what} must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}

/** Python's repr of a float (0.5 -> 0.5, 1 -> 1.0) for printed module forms. */
function pyFloat(x: number): string {
  return Number.isInteger(x) ? x.toFixed(1) : String(x);
}

const pyBool = (b: boolean): string => (b ? 'True' : 'False');

export interface LinearOptions {
  inFeatures: number;
  outFeatures: number;
  bias?: boolean;
}

/** y = x·Wᵀ + b with W [outFeatures, inFeatures] ~ kaiming_uniform(a=√5) and b ~ U(±1/√inFeatures). */
export class Linear extends Module {
  inFeatures: number;
  outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, options?: { bias?: boolean });
  constructor(options: LinearOptions);
  constructor(...args: unknown[]) {
    super();
    const o = parseArgs<LinearOptions>('Linear', args, ['inFeatures', 'outFeatures'], ['inFeatures', 'outFeatures', 'bias']);
    this.inFeatures = checkCount(o.inFeatures, 'Linear', 'inFeatures');
    this.outFeatures = checkCount(o.outFeatures, 'Linear', 'outFeatures');
    this.weight = new Parameter(emptyTensor([this.outFeatures, this.inFeatures]));
    this.bias = (o.bias ?? true) ? new Parameter(emptyTensor([this.outFeatures])) : null;
    this.resetParameters();
  }

  resetParameters(): void {
    init.kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias !== null) {
      const [fanIn] = init.calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      init.uniform_(this.bias, -bound, bound);
    }
  }

  forward(input: Tensor): Tensor {
    return F.linear(input, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}

export interface EmbeddingOptions {
  numEmbeddings: number;
  embeddingDim: number;
  /** this row is zero at initialisation and receives no gradient; negative counts from the end */
  paddingIdx?: number | null;
}

/** A lookup table [numEmbeddings, embeddingDim] ~ N(0, 1), indexed by int64 token ids. */
export class Embedding extends Module {
  numEmbeddings: number;
  embeddingDim: number;
  paddingIdx: number | null;
  weight: Parameter;

  constructor(numEmbeddings: number, embeddingDim: number, options?: { paddingIdx?: number | null });
  constructor(options: EmbeddingOptions);
  constructor(...args: unknown[]) {
    super();
    const o = parseArgs<EmbeddingOptions>('Embedding', args, ['numEmbeddings', 'embeddingDim'], ['numEmbeddings', 'embeddingDim', 'paddingIdx']);
    this.numEmbeddings = checkCount(o.numEmbeddings, 'Embedding', 'numEmbeddings');
    this.embeddingDim = checkCount(o.embeddingDim, 'Embedding', 'embeddingDim');
    this.paddingIdx = F.normPaddingIdx(o.paddingIdx, this.numEmbeddings, 'Embedding');
    this.weight = new Parameter(emptyTensor([this.numEmbeddings, this.embeddingDim]));
    this.resetParameters();
  }

  /** An Embedding holding `embeddings` [num, dim] (copied), frozen unless `freeze: false`. */
  static fromPretrained(embeddings: Tensor, options: { freeze?: boolean; paddingIdx?: number | null } = {}): Embedding {
    if (!(embeddings instanceof Tensor) || embeddings.shape.length !== 2) {
      throw new Error(`Embedding.fromPretrained: embeddings must be a 2-D Tensor, got ${embeddings instanceof Tensor ? `shape ${shapeStr(embeddings.shape)}` : typeof embeddings}`);
    }
    const [num, dim] = embeddings.shape;
    const emb = new Embedding(num, dim, { paddingIdx: options.paddingIdx });
    noGrad(() => emb.weight.copy_(embeddings.detach()));
    emb.weight.requiresGrad = !(options.freeze ?? true);
    return emb;
  }

  resetParameters(): void {
    init.normal_(this.weight);
    if (this.paddingIdx !== null) noGrad(() => this.weight.select(0, this.paddingIdx!).fill_(0));
  }

  forward(input: Tensor): Tensor {
    return F.embedding(input, this.weight, this.paddingIdx);
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, padding_idx=${this.paddingIdx}` : ''}`;
  }
}

export class Tanh extends Module {
  forward(input: Tensor): Tensor {
    return F.tanh(input);
  }
}

export class Sigmoid extends Module {
  forward(input: Tensor): Tensor {
    return F.sigmoid(input);
  }
}

export class ReLU extends Module {
  /** accepted for PyTorch compatibility; the result is always a new tensor */
  inplace: boolean;

  constructor(inplace?: boolean | { inplace?: boolean }) {
    super();
    this.inplace = parseArgs<{ inplace: boolean }>('ReLU', inplace === undefined ? [] : [inplace], ['inplace'], ['inplace']).inplace ?? false;
  }

  forward(input: Tensor): Tensor {
    return F.relu(input);
  }

  override extraRepr(): string {
    return this.inplace ? 'inplace=True' : '';
  }
}

function optionalDim(op: string, args: unknown[]): number | null {
  const o = parseArgs<{ dim: number | null }>(op, args, ['dim'], ['dim']);
  const dim = o.dim ?? null;
  if (dim !== null && !Number.isInteger(dim)) throw new Error(`${op}: dim must be an integer, got ${String(dim)}`);
  return dim;
}

/** softmax over `dim` (PyTorch's deprecated implicit dim when none is given). */
export class Softmax extends Module {
  dim: number | null;

  constructor(dim?: number | null | { dim?: number | null }) {
    super();
    this.dim = optionalDim('Softmax', dim === undefined ? [] : [dim]);
  }

  forward(input: Tensor): Tensor {
    return F.softmax(input, this.dim ?? F.implicitSoftmaxDim(input, 'Softmax'));
  }

  override extraRepr(): string {
    return `dim=${this.dim === null ? 'None' : this.dim}`;
  }
}

export class LogSoftmax extends Module {
  dim: number | null;

  constructor(dim?: number | null | { dim?: number | null }) {
    super();
    this.dim = optionalDim('LogSoftmax', dim === undefined ? [] : [dim]);
  }

  forward(input: Tensor): Tensor {
    return F.logSoftmax(input, this.dim ?? F.implicitSoftmaxDim(input, 'LogSoftmax'));
  }

  override extraRepr(): string {
    return `dim=${this.dim === null ? 'None' : this.dim}`;
  }
}

/** Zeroes elements with probability p while training (scaling the rest by 1/(1-p)); the identity in eval mode. */
export class Dropout extends Module {
  p: number;
  /** accepted for PyTorch compatibility; the result is always a new tensor */
  inplace: boolean;

  constructor(p?: number | { p?: number; inplace?: boolean }, options: { inplace?: boolean } = {}) {
    super();
    const args = typeof p === 'object' ? [p] : p === undefined ? [options] : [p, options];
    const o = parseArgs<{ p: number; inplace: boolean }>('Dropout', args, ['p'], ['p', 'inplace']);
    this.p = F.checkDropoutP(o.p ?? 0.5, 'Dropout');
    this.inplace = o.inplace ?? false;
  }

  forward(input: Tensor): Tensor {
    return F.dropout(input, this.p, this.training);
  }

  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=${pyBool(this.inplace)}`;
  }
}

/**
 * Runs its modules in order, each on the previous one's output. Children are named '0', '1', … as in
 * PyTorch, or by the keys of a record / Map (PyTorch's OrderedDict form).
 */
export class Sequential extends Module {
  constructor(...modules: Module[] | [Record<string, Module> | Map<string, Module>]) {
    super();
    const first = modules[0] as unknown;
    const named: [string, unknown][] = modules.length === 1 && !(first instanceof Module) && typeof first === 'object' && first !== null
      ? first instanceof Map ? [...first.entries()] : Object.entries(first)
      : modules.map((m, i) => [String(i), m]);
    for (const [name, m] of named) this.register(name, m);
  }

  private register(name: string, m: unknown): void {
    if (!(m instanceof Module)) throw new Error(`Sequential: element ${JSON.stringify(name)} is not a Module (got ${m === null ? 'null' : typeof m})`);
    if (name === '' || name.includes('.') || name.startsWith('_') || name === 'training') {
      throw new Error(`Sequential: invalid module name ${JSON.stringify(name)}`);
    }
    (this as unknown as Record<string, Module>)[name] = m;
  }

  /** Adds a module at the end (named by its index). */
  append(m: Module): this {
    this.register(String(this.length), m);
    return this;
  }

  get length(): number {
    return this.children().length;
  }

  /** The i-th module (negative i counts from the end). */
  get(i: number): Module {
    const children = this.children();
    const m = children[i < 0 ? children.length + i : i];
    if (!Number.isInteger(i) || m === undefined) throw new Error(`Sequential: index ${i} is out of range for length ${children.length}`);
    return m;
  }

  [Symbol.iterator](): IterableIterator<Module> {
    return this.children()[Symbol.iterator]();
  }

  forward(input: Tensor): Tensor {
    let x: unknown = input;
    for (const m of this.children()) x = m.forward(x);
    return x as Tensor;
  }
}
