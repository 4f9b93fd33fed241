/** torch.optim: optimizers over parameter groups; each algorithm's maths is its exported update function. */
export { Optimizer, type ParamGroup, type ParamGroupSpec, type Params, type Update } from './optimizer.js';
export type { OptimizerStateDict, PackedState, StateValue } from './state.js';
export { SGD, sgdUpdate, type SGDOptions, type SGDHyper, type SGDState } from './sgd.js';
export { Adam, adamUpdate, type AdamOptions, type AdamGroupOptions, type AdamHyper, type AdamState } from './adam.js';
export { AdamW } from './adamw.js';
export { RMSprop, rmspropUpdate, type RMSpropOptions, type RMSpropHyper, type RMSpropState } from './rmsprop.js';
