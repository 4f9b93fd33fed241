/** torch.nn: modules, layers, losses, and the function forms in `nn.functional`. */
export { Module, Parameter, ModuleList, type LoadResult } from './module.js';
export * from './layers.js';
export * from './rnn.js';
export * from './loss.js';
export * as functional from './functional.js';
export * as init from './init.js';
export * as utils from './utils.js';
