// Checkpoints of a char-lm run as one safetensors file (torch.save / torch.load), in bytes so that a browser can
// keep them too; train.mjs writes them to disk. Everything a resumed run needs to continue exactly as the
// uninterrupted run would:
//
//   tensors   model.<name>                 model.stateDict() (PyTorch's keys after the prefix: emb.weight,
//                                          rnn.weight_ih_l0, ..., head.bias)
//             optimizer.<param>.<key>      the tensors of optimizer.stateDict().state (Adam: step, exp_avg,
//                                          exp_avg_sq), param = the parameter's position in the stateDict
//             state.<k>                    the hidden state carried into the next window ([h, c] or [h])
//   metadata  (the header's __metadata__, string -> string; each value JSON)
//             format, config, vocab (characters in id order), step (optimizer steps done),
//             optimizer (param_groups and any non-tensor state values), history (losses, evaluations)
//
// The data position is a function of the step (StreamBatcher.position), and dropout masks of (seed, step)
// (model.mjs stepSeed), so the step counter restores both.

export const CHECKPOINT_FORMAT = 'wasmtorch-char-lm/1';

/** The safetensors bytes of a run at `step`: `{ model, optimizer, state, config, vocab, step, history }`. */
export function checkpointBytes(torch, { model, optimizer, state, config, vocab, step, history = {} }) {
  const tensors = {};
  for (const [name, t] of Object.entries(model.stateDict())) tensors[`model.${name}`] = t;
  const optim = optimizer.stateDict();
  const plainState = {};
  for (const [param, entry] of Object.entries(optim.state)) {
    for (const [key, value] of Object.entries(entry)) {
      if (value instanceof torch.Tensor) tensors[`optimizer.${param}.${key}`] = value;
      else (plainState[param] ??= {})[key] = value;
    }
  }
  (state ?? []).forEach((t, k) => { tensors[`state.${k}`] = t; });
  const metadata = {
    format: CHECKPOINT_FORMAT,
    config: JSON.stringify(config),
    vocab: JSON.stringify(vocab.chars),
    step: JSON.stringify(step),
    optimizer: JSON.stringify({ param_groups: optim.param_groups, state: plainState }),
    history: JSON.stringify(history),
  };
  return torch.save(tensors, undefined, { metadata });
}

/**
 * Reads a checkpoint: `{ config, vocabChars, step, history, restore(model, optimizer) }`. `restore` loads the
 * weights and the optimizer state into a model and optimizer built from `config`, frees the loaded copies,
 * and returns the carried hidden state (null when the checkpoint was taken at the start of a pass).
 */
export function readCheckpoint(torch, bytes) {
  const meta = torch.loadMetadata(bytes) ?? {};
  if (meta.format !== CHECKPOINT_FORMAT) {
    throw new Error(`char-lm checkpoint: expected format ${CHECKPOINT_FORMAT}, got ${JSON.stringify(meta.format ?? null)}`);
  }
  const parsed = Object.fromEntries(['config', 'vocab', 'step', 'optimizer', 'history'].map((k) => [k, JSON.parse(meta[k])]));
  return {
    config: parsed.config,
    vocabChars: parsed.vocab,
    step: parsed.step,
    history: parsed.history,
    restore(model, optimizer = null) {
      const tensors = torch.load(bytes);
      const modelDict = {};
      const optimState = structuredClone(parsed.optimizer.state);
      const state = [];
      for (const [key, t] of Object.entries(tensors)) {
        const [kind, ...rest] = key.split('.');
        if (kind === 'model') modelDict[rest.join('.')] = t;
        else if (kind === 'optimizer') (optimState[rest[0]] ??= {})[rest.slice(1).join('.')] = t;
        else if (kind === 'state') state[Number(rest[0])] = t;
        else throw new Error(`char-lm checkpoint: unexpected tensor ${JSON.stringify(key)}`);
      }
      model.loadStateDict(modelDict);
      if (optimizer) optimizer.loadStateDict({ state: optimState, param_groups: parsed.optimizer.param_groups });
      // the model and optimizer copied what they need; the carried state is used as loaded
      for (const t of Object.values(tensors)) if (!state.includes(t)) t.dispose();
      return state.length > 0 ? state : null;
    },
  };
}
