/**
 * Per-parameter optimizer state as it appears in a state dict, and reading it back.
 *
 * State objects use PyTorch's key names (`exp_avg`, `momentum_buffer`, `step`) because they are state-dict
 * keys, which API.md keeps exactly as PyTorch's so checkpoints map 1:1. Loaded tensors are copied onto the
 * parameter's kernel set as persistent state; nothing in the given dict is kept or modified.
 */
import { Tensor } from '../tensor.js';
import { shapeStr } from '../shape.js';
import { zerosLikeState } from './tensor-ops.js';
import type { Where } from './options.js';

export type StateValue = Tensor | number | null;

/** One parameter's entry in `stateDict().state`. */
export type PackedState = Record<string, StateValue>;

export interface OptimizerStateDict {
  /** per-parameter state, keyed by the parameter's position across all groups (as PyTorch numbers them) */
  state: Record<number, PackedState>;
  /** hyper-parameters with PyTorch's snake_case names; `params` lists each group's parameter positions */
  param_groups: (Record<string, unknown> & { params: number[] })[];
}

/** Throws on keys the optimizer's state does not have (e.g. Adam state loaded into SGD). */
export function checkStateKeys(where: Where, raw: unknown, known: readonly string[]): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || raw instanceof Tensor) {
    throw new Error(`${where}: expected an object of state values, got ${raw === null ? 'null' : typeof raw}`);
  }
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) {
      throw new Error(`${where}: unexpected key ${JSON.stringify(key)}; this optimizer's state has ${known.join(', ')}`);
    }
  }
  return raw as Record<string, unknown>;
}

/** The step count, saved as a number or as a one-element tensor (PyTorch 1.13 Adam saves `tensor(5.)`). */
export function readStep(where: Where, raw: Record<string, unknown>): number {
  const value = raw.step;
  const step = value instanceof Tensor && value.numel() === 1 ? value.item() : value;
  if (typeof step !== 'number' || !Number.isInteger(step) || step < 0) {
    throw new Error(`${where}: step must be a non-negative integer or a one-element tensor holding one, got ${describe(value)}`);
  }
  return step;
}

/** A persistent copy of `raw[key]` on `param`'s kernel set; it must have the parameter's shape. */
export function readTensor(where: Where, raw: Record<string, unknown>, key: string, param: Tensor): Tensor {
  const value = raw[key];
  if (!(value instanceof Tensor)) throw new Error(`${where}: ${key} must be a Tensor, got ${describe(value)}`);
  if (value.shape.length !== param.shape.length || value.shape.some((d, i) => d !== param.shape[i])) {
    throw new Error(`${where}: ${key} has shape ${shapeStr(value.shape)} but the parameter has shape ${shapeStr(param.shape)}`);
  }
  return zerosLikeState(param).copy_(value);
}

/** readTensor for state that may be absent (undefined or null when absent). */
export function readOptionalTensor(where: Where, raw: Record<string, unknown>, key: string, param: Tensor): Tensor | undefined {
  return raw[key] == null ? undefined : readTensor(where, raw, key, param);
}

function describe(value: unknown): string {
  if (value instanceof Tensor) return `a tensor of shape ${shapeStr(value.shape)}`;
  if (value === undefined) return 'nothing';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
