/**
 * Optimizer: parameter groups, per-parameter state, and the step loop every algorithm shares. Subclasses
 * supply the hyper-parameter checks, the state layout and an update function; the maths of each algorithm
 * lives in that update function (sgdStep, adamStep, rmspropStep), which runs one fused kernel call over all
 * the parameters of a group (reference.ts keeps the same maths composed of tensor ops, as a test oracle).
 *
 * Lifetime: the optimizer keeps its parameters and their state persistent (exempt from the step clock, see
 * storage.ts). Every other tensor a step allocates is freed when the step returns.
 */
import { Tensor } from '../tensor.js';
import { enableGrad, noGrad } from '../autograd/graph.js';
import { captureAllocations, type Storage } from '../storage.js';
import { tensor } from '../creation.js';
import { shapeStr } from '../shape.js';
import { camelToSnake, checkGroupKeys, snakeToCamel, type Where } from './options.js';
import type { OptimizerStateDict, PackedState, StateValue } from './state.js';

/** A parameter group: its tensors, its hyper-parameters, and any extra keys (e.g. set by an LR schedule). */
export type ParamGroup<H> = H & { params: Tensor[]; [key: string]: unknown };

/** What the constructor takes for one group: `{ params, ...overrides of the optimizer's options }`. */
export type ParamGroupSpec<H> = Partial<H> & { params: Iterable<Tensor> | Tensor; [key: string]: unknown };

export type Params<H> = Iterable<Tensor> | Iterable<ParamGroupSpec<H>>;

/**
 * Updates parameters in place from their gradients and state (state tensors are updated in place too);
 * `params[i]` goes with `grads[i]` and `states[i]`.
 */
export type Update<S> = (params: readonly Tensor[], grads: readonly Tensor[], states: readonly S[]) => void;

/** Keys PyTorch keeps in param_groups that only pick an implementation; loading ignores them. */
const IMPLEMENTATION_KEYS = new Set(['foreach', 'capturable', 'differentiable', 'fused']);

export abstract class Optimizer<H extends { lr: number }, S extends object> {
  /** The constructor's options, used for every group that does not override them. */
  readonly defaults: Partial<H>;
  /** Mutable: assigning `paramGroups[i].lr` between steps changes the learning rate of later steps. */
  readonly paramGroups: ParamGroup<H>[] = [];
  /** Per-parameter state, created at a parameter's first step (PyTorch's `optimizer.state[p]`). */
  readonly state = new Map<Tensor, S>();

  protected constructor(
    /** the class name, for error messages */
    readonly name: string,
    params: Params<H>,
    defaults: Partial<H>,
    /** the camelCase option names this optimizer knows */
    protected readonly optionNames: readonly string[],
  ) {
    this.defaults = defaults;
    for (const spec of groupSpecs(name, params)) this.addParamGroup(spec);
  }

  /** Checks a group's hyper-parameters (constructor, addParamGroup, loadStateDict, and every step). */
  protected abstract checkGroup(group: ParamGroup<H>, where: Where): void;
  /** The state of `param` for this step: created at its first step, completed if the group's options grew. */
  protected abstract prepareState(param: Tensor, state: S | undefined, group: ParamGroup<H>): S;
  /** The update for the parameters of `group`, with its hyper-parameters read once per step. */
  protected abstract updater(group: ParamGroup<H>): Update<S>;
  /** Validates one parameter's loaded state and copies it (see state.ts). */
  protected abstract readState(raw: unknown, param: Tensor, group: ParamGroup<H>, where: Where): S;
  /** Whether `step` is saved as a tensor (PyTorch 1.13's Adam and AdamW) or as a number (RMSprop). */
  protected get stepIsTensor(): boolean {
    return false;
  }

  /** Adds a group (PyTorch's `add_param_group`), e.g. to train layers unfrozen later. */
  addParamGroup(spec: ParamGroupSpec<H>): void {
    const where = `${this.name}: parameter group ${this.paramGroups.length}`;
    if (typeof spec !== 'object' || spec === null || spec instanceof Tensor || Array.isArray(spec)) {
      throw new Error(`${where}: expected { params, ...options }, got ${spec instanceof Tensor ? 'a Tensor' : typeof spec}`);
    }
    checkGroupKeys(where, spec, this.optionNames);
    const params = paramList(where, spec.params);
    const group = { ...definedEntries(this.defaults), ...definedEntries(spec), params } as ParamGroup<H>;
    this.checkGroup(group, where);
    for (const other of this.paramGroups) {
      if (other.params.some((p) => params.includes(p))) throw new Error(`${where}: some parameters appear in more than one parameter group`);
    }
    for (const p of params) p.keep();
    this.paramGroups.push(group);
  }

  /**
   * One optimisation step over every parameter that has a gradient. `closure`, if given, re-evaluates the
   * model with gradients enabled and returns the loss, which step returns.
   */
  step<T = unknown>(closure?: () => T): T | undefined {
    let loss: T | undefined;
    if (closure !== undefined) {
      if (typeof closure !== 'function') throw new Error(`${this.name}.step: closure must be a function, got ${typeof closure}`);
      loss = enableGrad(closure);
    }
    noGrad(() => freeingTemporaries(() => {
      this.paramGroups.forEach((group, i) => {
        this.checkGroup(group, `${this.name}: parameter group ${i}`);
        const params: Tensor[] = [];
        const grads: Tensor[] = [];
        const states: S[] = [];
        for (const param of group.params) {
          const grad = param.grad;
          if (grad === null) continue;
          const state = this.prepareState(param, this.state.get(param), group);
          this.state.set(param, state);
          params.push(param);
          grads.push(grad);
          states.push(state);
        }
        if (params.length > 0) this.updater(group)(params, grads, states);
      });
    }));
    return loss;
  }

  /** Zeroes gradients in place (PyTorch 1.13's default); `setToNone` drops them instead. */
  zeroGrad(setToNone = false): void {
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        const grad = p.grad;
        if (grad === null) continue;
        if (setToNone) {
          p.grad = null;
          continue;
        }
        noGrad(() => {
          if (!grad.isLeaf) p.grad = grad.detach();
          else if (grad.requiresGrad) grad.requiresGrad_(false);
          p.grad!.zero_();
        });
      }
    }
  }

  /**
   * `{ state, param_groups }` shaped like PyTorch's: state keyed by parameter position, PyTorch's key names,
   * the live state tensors (as PyTorch returns them; copy before training on if you keep a snapshot).
   */
  stateDict(): OptimizerStateDict {
    const position = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((group) => {
      const packed: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(group)) {
        if (key !== 'params') packed[camelToSnake(key)] = Array.isArray(value) ? value.slice() : value;
      }
      const params = group.params.map((p) => {
        position.set(p, position.size);
        return position.size - 1;
      });
      return { ...packed, params };
    });
    const state: Record<number, PackedState> = {};
    for (const [param, s] of this.state) {
      const i = position.get(param);
      if (i !== undefined) state[i] = this.packState(s);
    }
    return { state, param_groups: paramGroups };
  }

  /**
   * Replaces hyper-parameters and state with those of `stateDict` (from stateDict() of an optimizer of the
   * same kind over parameters of the same shapes). Everything is checked before anything changes; loaded
   * tensors are copied. The replaced state tensors are freed (persistent storage is never reclaimed
   * otherwise), except those `stateDict` itself holds, so an older stateDict() of this optimizer that is
   * not the one being loaded becomes unusable: clone its tensors first if you need it afterwards.
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    const where = `${this.name}.loadStateDict`;
    if (typeof stateDict !== 'object' || stateDict === null || typeof stateDict.state !== 'object' || stateDict.state === null || !Array.isArray(stateDict.param_groups)) {
      throw new Error(`${where}: expected { state, param_groups } as returned by stateDict()`);
    }
    const saved = stateDict.param_groups;
    if (saved.length !== this.paramGroups.length) {
      throw new Error(`${where}: loaded state dict has ${saved.length} parameter groups but the optimizer has ${this.paramGroups.length}`);
    }
    const owner = new Map<number, [Tensor, number]>();
    const groups = saved.map((savedGroup, g) => this.loadedGroup(savedGroup, g, owner, where));
    const [state, created] = captureAllocations(() => {
      try {
        return noGrad(() => this.loadedState(stateDict.state, owner, groups, where));
      } catch (e) {
        return e as Error;
      }
    });
    if (state instanceof Error) {
      for (const storage of created) storage.free('dispose');
      throw state;
    }
    const incoming = new Set<Storage>();
    for (const entry of Object.values(stateDict.state)) {
      for (const v of Object.values(entry ?? {})) if (v instanceof Tensor) incoming.add(v.storage);
    }
    // old state the caller cannot still hold through `stateDict` is freed now, since persistent storage is never reclaimed
    for (const s of this.state.values()) {
      for (const v of Object.values(s) as StateValue[]) if (v instanceof Tensor && !incoming.has(v.storage)) v.dispose();
    }
    this.state.clear();
    for (const [param, s] of state) this.state.set(param, s);
    this.paramGroups.forEach((group, g) => {
      for (const key of Object.keys(group)) delete group[key];
      Object.assign(group, groups[g]);
    });
  }

  private loadedGroup(savedGroup: Record<string, unknown> & { params: number[] }, g: number, owner: Map<number, [Tensor, number]>, where: Where): ParamGroup<H> {
    const group = this.paramGroups[g];
    const ids = savedGroup?.params;
    if (!Array.isArray(ids) || ids.length !== group.params.length) {
      throw new Error(`${where}: parameter group ${g} of the loaded state dict has ${Array.isArray(ids) ? ids.length : 'no'} parameters but the optimizer's has ${group.params.length}`);
    }
    ids.forEach((id, k) => owner.set(id, [group.params[k], g]));
    const next: Record<string, unknown> = { ...definedEntries(this.defaults) };
    for (const [key, value] of Object.entries(savedGroup)) {
      if (key !== 'params' && !IMPLEMENTATION_KEYS.has(key)) next[snakeToCamel(key)] = Array.isArray(value) ? value.slice() : value;
    }
    next.params = group.params;
    this.checkGroup(next as ParamGroup<H>, `${where}: parameter group ${g}`);
    return next as ParamGroup<H>;
  }

  private loadedState(saved: Record<number, PackedState>, owner: Map<number, [Tensor, number]>, groups: ParamGroup<H>[], where: Where): Map<Tensor, S> {
    const state = new Map<Tensor, S>();
    for (const [key, raw] of Object.entries(saved)) {
      const entry = owner.get(Number(key));
      if (entry === undefined) throw new Error(`${where}: the loaded state has an entry for parameter ${key}, which no parameter group lists`);
      const [param, g] = entry;
      state.set(param, this.readState(raw, param, groups[g], `${where}: state of parameter ${key}`));
    }
    return state;
  }

  private packState(s: S): PackedState {
    const packed: PackedState = {};
    for (const [key, value] of Object.entries(s) as [string, StateValue | undefined][]) {
      if (value === undefined) continue;
      packed[key] = key === 'step' && this.stepIsTensor ? tensor(value as number) : value;
    }
    return packed;
  }

  /** PyTorch's printed form: each group's hyper-parameters, sorted by name. */
  toString(): string {
    const lines = [`${this.name} (`];
    this.paramGroups.forEach((group, i) => {
      lines.push(`Parameter Group ${i}`);
      const keys = Object.keys(group).filter((k) => k !== 'params').sort((a, b) => camelToSnake(a).localeCompare(camelToSnake(b)));
      for (const key of keys) lines.push(`    ${camelToSnake(key)}: ${pythonRepr(group[key])}`);
    });
    lines.push(')');
    return lines.join('\n');
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** Runs `fn` and frees every non-persistent storage it allocated: a step's temporaries do not outlive it. */
function freeingTemporaries(fn: () => void): void {
  const [, allocated] = captureAllocations(fn);
  for (const storage of allocated) if (!storage.persistent) storage.free('dispose');
}

/** The constructor's `params`: tensors (one group) or group specs. */
function groupSpecs<H>(name: string, params: Params<H>): ParamGroupSpec<H>[] {
  if (params instanceof Tensor || params === null || typeof params !== 'object' || !(Symbol.iterator in params)) {
    const got = params instanceof Tensor ? `a Tensor of shape ${shapeStr(params.shape)}` : params === null ? 'null' : typeof params;
    throw new Error(`${name}: params argument given to the optimizer should be an iterable of Tensors or parameter groups, but got ${got}`);
  }
  const items = Array.from(params as Iterable<unknown>);
  if (items.length === 0) throw new Error(`${name}: optimizer got an empty parameter list`);
  const tensors = items.filter((x) => x instanceof Tensor).length;
  if (tensors === items.length) return [{ params: items as Tensor[] } as unknown as ParamGroupSpec<H>];
  if (tensors > 0) throw new Error(`${name}: params mixes Tensors and parameter groups; give one or the other`);
  return items as ParamGroupSpec<H>[];
}

function paramList(where: Where, params: unknown): Tensor[] {
  if (params instanceof Tensor) return [params];
  if (params === null || typeof params !== 'object' || !(Symbol.iterator in params)) {
    throw new Error(`${where}: params must be a Tensor or an iterable of Tensors, got ${params === null ? 'null' : typeof params}`);
  }
  if (params instanceof Set) {
    throw new Error(`${where}: optimizer parameters need to be organized in ordered collections, but the ordering of tensors in sets is not a stable contract; use an array`);
  }
  const list = Array.from(params as Iterable<unknown>);
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new Error(`${where}: optimizer can only optimize Tensors, but params[${i}] is ${p === null ? 'null' : typeof p}`);
    if (!p.isLeaf) throw new Error(`${where}: can't optimize a non-leaf Tensor (params[${i}], shape ${shapeStr(p.shape)}, gradFn ${p.gradFn})`);
    if (p.dtype !== 'float32') throw new Error(`${where}: can only optimize float32 tensors, params[${i}] (shape ${shapeStr(p.shape)}) is ${p.dtype}`);
    if (list.indexOf(p) !== i) throw new Error(`${where}: params[${i}] (shape ${shapeStr(p.shape)}) appears more than once`);
  });
  return list as Tensor[];
}

/** An object's entries other than `params` and undefined values (an option left undefined is not given). */
function definedEntries(obj: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) if (key !== 'params' && value !== undefined) out[key] = value;
  return out;
}

function pythonRepr(value: unknown): string {
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (value === null || value === undefined) return 'None';
  if (Array.isArray(value)) return `(${value.map(pythonRepr).join(', ')})`;
  return String(value);
}
