/**
 * nn.Module and nn.Parameter.
 *
 * Submodules and parameters are found by walking a module's own fields in insertion order, which is
 * assignment order: the same order PyTorch's `__setattr__` registration gives, with no proxy on the hot path.
 * Fields whose names start with `_` are private and never registered.
 */
import { Tensor } from '../tensor.js';
import { markPersistent } from '../storage.js';
import { noGrad } from '../autograd/graph.js';
import { formatTensor } from '../format.js';
import { readValues } from '../ops/internal.js';
import { shapeStr } from '../shape.js';

/** A tensor that a module owns and trains; its storage is never reclaimed automatically. */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    if (!(data instanceof Tensor)) throw new Error('Parameter: expected a Tensor');
    super(data.storage, data.shape.slice(), data.strides.slice(), data.offset);
    markPersistent(data.storage);
    if (requiresGrad) this.requiresGrad_(true);
  }

  override toString(): string {
    const body = formatTensor(readValues(this, 'toString'), this.shape, this.dtype, { requiresGrad: this.requiresGrad });
    return `Parameter containing:\n${body}`;
  }
}

export interface LoadResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

export abstract class Module {
  training = true;
  /** registered buffers by name; each is also readable and assignable as a field of the same name */
  private _buffers: Map<string, Tensor | null> | undefined;

  /** The module's computation; PyTorch's `module(x)` is `module.forward(x)` here. */
  abstract forward(...args: unknown[]): unknown;

  /** Registers a persistent buffer (saved in the state dict after the parameters, not trained). */
  registerBuffer(name: string, tensor: Tensor | null): void {
    if (tensor) markPersistent(tensor.storage);
    const buffers = (this._buffers ??= new Map());
    buffers.set(name, tensor);
    Object.defineProperty(this, name, {
      enumerable: false,
      configurable: true,
      get: () => buffers.get(name) ?? null,
      set: (value: Tensor | null) => {
        if (value) markPersistent(value.storage);
        buffers.set(name, value);
      },
    });
  }

  /** Own entries in registration order. */
  private *ownEntries(): IterableIterator<[string, unknown]> {
    for (const key of Object.keys(this)) {
      if (key.startsWith('_') || key === 'training') continue;
      yield [key, (this as unknown as Record<string, unknown>)[key]];
    }
  }

  *namedChildren(): IterableIterator<[string, Module]> {
    for (const [name, value] of this.ownEntries()) if (value instanceof Module) yield [name, value];
  }

  children(): Module[] {
    return Array.from(this.namedChildren(), ([, m]) => m);
  }

  *namedModules(prefix = ''): IterableIterator<[string, Module]> {
    yield [prefix, this];
    for (const [name, child] of this.namedChildren()) yield* child.namedModules(prefix ? `${prefix}.${name}` : name);
  }

  modules(): Module[] {
    return Array.from(this.namedModules(), ([, m]) => m);
  }

  /** Parameters with PyTorch's dotted names, each listed once even if shared. */
  namedParameters(prefix = '', recurse = true): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seen = new Set<Parameter>();
    const modules: Iterable<[string, Module]> = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [modName, mod] of modules) {
      for (const [name, value] of mod.ownEntries()) {
        if (value instanceof Parameter && !seen.has(value)) {
          seen.add(value);
          out.push([modName ? `${modName}.${name}` : name, value]);
        }
      }
    }
    return out;
  }

  parameters(recurse = true): Parameter[] {
    // the order and de-duplication of namedParameters, without building the names (called every training step)
    const out: Parameter[] = [];
    collectParameters(this, recurse, out, new Set());
    return out;
  }

  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [modName, mod] of this.namedModules(prefix)) {
      for (const [name, value] of mod._buffers ?? []) {
        if (value) out.push([modName ? `${modName}.${name}` : name, value]);
      }
    }
    return out;
  }

  buffers(): Tensor[] {
    return this.namedBuffers().map(([, b]) => b);
  }

  /** Detached views of every parameter and buffer, keyed and ordered as PyTorch's state_dict. */
  stateDict(prefix = ''): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [name, value] of this.ownEntries()) {
      if (value instanceof Parameter) out[`${prefix}${name}`] = value.detach();
    }
    for (const [name, value] of this._buffers ?? []) {
      if (value) out[`${prefix}${name}`] = value.detach();
    }
    for (const [name, child] of this.namedChildren()) Object.assign(out, child.stateDict(`${prefix}${name}.`));
    return out;
  }

  /**
   * Copies values from `stateDict` into this module's parameters and buffers. Everything is checked before
   * anything is copied, so a failed load leaves the module untouched. Shape mismatches always throw;
   * missing or unexpected keys throw when `strict` (the default).
   */
  loadStateDict(stateDict: Record<string, Tensor>, options: { strict?: boolean } = {}): LoadResult {
    const strict = options.strict ?? true;
    if (typeof stateDict !== 'object' || stateDict === null) throw new Error('loadStateDict: expected an object mapping names to tensors');
    const own = this.stateDict();
    const missingKeys = Object.keys(own).filter((k) => !(k in stateDict));
    const unexpectedKeys = Object.keys(stateDict).filter((k) => !(k in own));
    const errors: string[] = [];
    for (const [key, target] of Object.entries(own)) {
      const value = stateDict[key];
      if (value === undefined) continue;
      if (!(value instanceof Tensor)) {
        errors.push(`value for "${key}" is not a Tensor`);
      } else if (value.shape.length !== target.shape.length || value.shape.some((d, i) => d !== target.shape[i])) {
        errors.push(
          `size mismatch for ${key}: copying a param with shape ${shapeStr(value.shape)} from checkpoint, ` +
            `the shape in current model is ${shapeStr(target.shape)}.`,
        );
      }
    }
    if (strict) {
      if (missingKeys.length) errors.unshift(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}.`);
      if (unexpectedKeys.length) errors.splice(missingKeys.length ? 1 : 0, 0, `Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}.`);
    }
    if (errors.length) {
      throw new Error(`loadStateDict: Error(s) in loading state_dict for ${this.constructor.name}:\n\t${errors.join('\n\t')}`);
    }
    noGrad(() => {
      for (const [key, target] of Object.entries(own)) {
        const value = stateDict[key];
        if (value !== undefined) target.copy_(value);
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  /** Zeroes gradients in place, as PyTorch 1.13's default `zero_grad()` does; `setToNone` drops them instead. */
  zeroGrad(setToNone = false): void {
    const params = this.parameters();
    noGrad(() => {
      for (const p of params) {
        if (p.grad === null) continue;
        if (setToNone) p.grad = null;
        else p.grad.zero_();
      }
    });
  }

  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  apply(fn: (m: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  /** Extra text inside the parentheses of this module's printed form, e.g. `4, 2` for RNNCell(4, 2). */
  extraRepr(): string {
    return '';
  }

  toString(): string {
    const children = [...this.namedChildren()];
    const extra = this.extraRepr();
    if (children.length === 0) return `${this.constructor.name}(${extra})`;
    const lines = children.map(([name, m]) => `  (${name}): ${m.toString().split('\n').join('\n  ')}`);
    return `${this.constructor.name}(${extra ? `${extra}\n` : '\n'}${lines.join('\n')}\n)`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/**
 * Appends the parameters of `module` (its own fields in order), then those of its submodules depth-first
 * when `recurse`: namedModules' pre-order, each parameter once.
 */
function collectParameters(module: Module, recurse: boolean, out: Parameter[], seen: Set<Parameter>): void {
  const fields = module as unknown as Record<string, unknown>;
  const keys = Object.keys(module);
  for (const key of keys) {
    if (key.charCodeAt(0) === 95 /* _ */ || key === 'training') continue;
    const value = fields[key];
    if (value instanceof Parameter && !seen.has(value)) {
      seen.add(value);
      out.push(value);
    }
  }
  if (!recurse) return;
  for (const key of keys) {
    if (key.charCodeAt(0) === 95 || key === 'training') continue;
    const value = fields[key];
    if (value instanceof Module) collectParameters(value, true, out, seen);
  }
}

/** Holds submodules in a list (PyTorch's nn.ModuleList); names are their indices. */
export class ModuleList extends Module {
  constructor(modules: Module[] = []) {
    super();
    modules.forEach((m, i) => this.append(m, i));
  }

  private append(m: Module, i: number): void {
    if (!(m instanceof Module)) throw new Error(`ModuleList: element ${i} is not a Module`);
    (this as unknown as Record<string, Module>)[String(i)] = m;
  }

  push(m: Module): this {
    this.append(m, this.length);
    return this;
  }

  get length(): number {
    return this.children().length;
  }

  get(i: number): Module {
    const m = (this as unknown as Record<string, Module>)[String(i < 0 ? this.length + i : i)];
    if (!m) throw new Error(`ModuleList: index ${i} is out of range for length ${this.length}`);
    return m;
  }

  [Symbol.iterator](): IterableIterator<Module> {
    return this.children()[Symbol.iterator]();
  }

  forward(): never {
    throw new Error('ModuleList: has no forward; iterate over its modules');
  }
}
