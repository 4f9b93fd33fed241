/**
 * torch.optim: optimizers over parameter groups. Each algorithm's maths is its exported step function (one
 * fused kernel call over a group's parameters); reference.ts has the same maths composed of tensor ops.
 */
export { Optimizer, type ParamGroup, type ParamGroupSpec, type Params, type Update } from './optimizer.js';
export type { OptimizerStateDict, PackedState, StateValue } from './state.js';
export { SGD, sgdStep, type SGDOptions, type SGDHyper, type SGDState } from './sgd.js';
export { Adam, adamStep, type AdamOptions, type AdamGroupOptions, type AdamHyper, type AdamState } from './adam.js';
export { AdamW } from './adamw.js';
export { RMSprop, rmspropStep, type RMSpropOptions, type RMSpropHyper, type RMSpropState } from './rmsprop.js';
export { adamUpdate, rmspropUpdate, sgdUpdate } from './reference.js';
