/** AdamW: Adam with weight decay applied to the parameter directly (decoupled), not through the gradient. */
import { AdamFamily, type AdamGroupOptions, type AdamOptions } from './adam.js';
import { optionsFrom } from './options.js';
import type { Params } from './optimizer.js';

export class AdamW extends AdamFamily {
  /** `new AdamW(params, { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 1e-2, amsgrad = false, maximize = false })`; the maths is adamUpdate's. */
  constructor(params: Params<AdamGroupOptions>, lrOrOptions?: number | AdamOptions, options?: AdamOptions) {
    super('AdamW', params, optionsFrom('AdamW', lrOrOptions, options), 1e-2, true);
  }
}
