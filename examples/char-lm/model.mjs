// The character-level language model: build it, train it one truncated-BPTT window at a time, measure it in
// bits per character, sample from it. Written against a `torch` passed in and with no Node built-ins, so the
// same file serves examples/char-lm/train.mjs in Node and the browser demo's worker:
//
//   import * as torch from 'wasmtorch';             // a worker: import * as torch from '.../dist/browser.mjs'
//   const model = createCharLM(torch, vocab.size, config);
//   const optimizer = createOptimizer(torch, model, config);
//   let state = null;
//   for (let step = 0; step < config.steps; step++) {
//     const r = trainStep(torch, { model, optimizer, config }, batcher.window(batcher.position(step).window), state, step);
//     state = r.state;
//   }
//   sample(torch, model, vocab, { prime: 'ROMEO:', length: 200, temperature: 0.8, random: seededRandom(1) });
//
// bench/charlm.py is the same model and loop in PyTorch, line for line.

/** The default run: a 2-layer LSTM of 256 over 64-wide character embeddings, TBPTT windows of 100 × 32. */
export const DEFAULT_CONFIG = Object.freeze({
  /** 'lstm' or 'gru' */
  cell: 'lstm',
  hiddenSize: 256,
  numLayers: 2,
  embeddingDim: 64,
  /** dropout between the recurrent layers (nn.LSTM's `dropout`), training only */
  dropout: 0.2,
  seqLength: 100,
  batchSize: 32,
  /** optimizer steps in the whole run (the cosine schedule spans them) */
  steps: 2000,
  lr: 2e-3,
  /** 'cosine' (lr to minLr over `steps`), 'step' (× decayGamma every decayEvery steps) or 'constant' */
  schedule: 'cosine',
  minLr: 2e-4,
  decayEvery: 500,
  decayGamma: 0.5,
  /** total gradient norm is clipped to this (nn.utils.clipGradNorm_) */
  clip: 1,
  /** seeds the initial weights; step k's dropout masks come from seed and k (see stepSeed) */
  seed: 0,
});

/** `config` completed with the defaults and checked. */
export function resolveConfig(config = {}) {
  const c = { ...DEFAULT_CONFIG, ...Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined)) };
  if (c.cell !== 'lstm' && c.cell !== 'gru') throw new Error(`char-lm config: cell must be 'lstm' or 'gru', got ${JSON.stringify(c.cell)}`);
  if (!['cosine', 'step', 'constant'].includes(c.schedule)) {
    throw new Error(`char-lm config: schedule must be 'cosine', 'step' or 'constant', got ${JSON.stringify(c.schedule)}`);
  }
  for (const key of ['hiddenSize', 'numLayers', 'embeddingDim', 'seqLength', 'batchSize', 'steps', 'decayEvery']) {
    if (!(Number.isInteger(c[key]) && c[key] > 0)) throw new Error(`char-lm config: ${key} must be a positive integer, got ${c[key]}`);
  }
  if (!Number.isSafeInteger(c.seed) || c.seed < 0) throw new Error(`char-lm config: seed must be a non-negative integer, got ${c.seed}`);
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new Error(`char-lm config: dropout must be in [0, 1), got ${c.dropout}`);
  for (const key of ['lr', 'minLr', 'decayGamma', 'clip']) {
    if (!(typeof c[key] === 'number' && c[key] >= 0)) throw new Error(`char-lm config: ${key} must be a number >= 0, got ${c[key]}`);
  }
  return c;
}

/** Learning rate of step `step` (0-based) under the config's schedule. */
export function learningRate(config, step) {
  switch (config.schedule) {
    case 'cosine': {
      const progress = Math.min(1, step / Math.max(1, config.steps - 1));
      return config.minLr + 0.5 * (config.lr - config.minLr) * (1 + Math.cos(Math.PI * progress));
    }
    case 'step':
      return config.lr * config.decayGamma ** Math.floor(step / config.decayEvery);
    default:
      return config.lr;
  }
}

/**
 * The seed set before step `step`: dropout masks are then a function of (seed, step) alone, so a run resumed
 * from a checkpoint draws the masks the uninterrupted run draws (no generator state needs saving).
 */
export function stepSeed(seed, step) {
  return (seed * 1_000_003 + step + 1) % 2 ** 32;
}

const modelClasses = new WeakMap();

/** The module class for this `torch` (classes extend the nn.Module of the torch they are built with). */
function charLMClass(torch) {
  if (modelClasses.has(torch)) return modelClasses.get(torch);
  const { nn } = torch;
  /** ids [T, B] -> logits [T, B, vocab]; state: [h, c] (LSTM) or [h] (GRU), each [numLayers, B, hidden]. */
  class CharLM extends nn.Module {
    constructor(vocabSize, config) {
      super();
      this.cell = config.cell;
      this.emb = new nn.Embedding(vocabSize, config.embeddingDim);
      const Recurrent = config.cell === 'gru' ? nn.GRU : nn.LSTM;
      this.rnn = new Recurrent(config.embeddingDim, config.hiddenSize, { numLayers: config.numLayers, dropout: config.dropout });
      this.head = new nn.Linear(config.hiddenSize, vocabSize);
    }

    /** `[logits, state]`; `state` null starts from zeros. */
    forward(ids, state = null) {
      const [logits, next] = this.forwardParts(ids, state);
      return [logits, next];
    }

    /**
     * `[logits, state, intermediates]`: forward, also returning the embedding output and the recurrent
     * output, which a loop that runs no backward (evaluation, sampling) disposes at once.
     */
    forwardParts(ids, state = null) {
      const x = this.emb.forward(ids);
      if (this.cell === 'gru') {
        const [out, h] = this.rnn.forward(x, state ? state[0] : null);
        return [this.head.forward(out), [h], [x, out]];
      }
      const [out, [h, c]] = this.rnn.forward(x, state);
      return [this.head.forward(out), [h, c], [x, out]];
    }
  }
  modelClasses.set(torch, CharLM);
  return CharLM;
}

/**
 * The model with its initial weights drawn after `torch.manualSeed(config.seed)`, in PyTorch's order
 * (embedding, recurrent layers, head), so bench/charlm.py starts from the same weights.
 */
export function createCharLM(torch, vocabSize, config) {
  torch.manualSeed(config.seed);
  const CharLM = charLMClass(torch);
  return new CharLM(vocabSize, config);
}

/** Adam over every parameter at the schedule's first learning rate. */
export function createOptimizer(torch, model, config) {
  return new torch.optim.Adam(model.parameters(), { lr: learningRate(config, 0) });
}

/** Token ids (Int32Array, [steps, batch] sequence-major) as an int64 tensor of that shape. */
function idTensor(torch, ids, steps) {
  return torch.tensor(ids).view(steps, ids.length / steps);
}

/**
 * One optimisation step on one window: seed dropout for this step, set the scheduled learning rate, forward
 * from the carried state (detached: gradients stop at the window's start), cross-entropy over every position,
 * backward, clip the total gradient norm, Adam step. Returns the loss (nats per character), the gradient norm
 * before clipping, the learning rate used, and the final state (detached) to carry into the next window.
 */
export function trainStep(torch, { model, optimizer, config }, batch, state, step) {
  torch.manualSeed(stepSeed(config.seed, step));
  const lr = learningRate(config, step);
  for (const group of optimizer.paramGroups) group.lr = lr;
  model.train();
  const x = idTensor(torch, batch.x, batch.steps);
  const y = torch.tensor(batch.y);
  optimizer.zeroGrad();
  const [logits, next] = model.forward(x, state ? state.map((s) => s.detach()) : null);
  const loss = torch.nn.functional.crossEntropy(logits.view(-1, logits.shape[2]), y);
  loss.backward();
  const gradNorm = torch.nn.utils.clipGradNorm_(model.parameters(), config.clip).item();
  optimizer.step();
  return { loss: loss.item(), gradNorm, lr, state: next.map((s) => s.detach()) };
}

/**
 * Mean cross-entropy over every target of `batcher`'s windows (all of them, or the first `maxWindows`), in
 * bits per character, with the state carried from window to window from zeros and dropout off. Intermediate
 * tensors are disposed as it goes (an evaluation runs no backward, so the step clock would not free them).
 */
export function evaluate(torch, model, batcher, { maxWindows = Infinity } = {}) {
  const wasTraining = model.training;
  model.eval();
  const windows = Math.min(batcher.allWindows, maxWindows);
  let totalNats = 0;
  let count = 0;
  let state = null;
  torch.noGrad(() => {
    for (let w = 0; w < windows; w++) {
      const batch = batcher.window(w);
      const x = idTensor(torch, batch.x, batch.steps);
      const y = torch.tensor(batch.y);
      const [logits, next, intermediates] = model.forwardParts(x, state);
      const loss = torch.nn.functional.crossEntropy(logits.view(-1, logits.shape[2]), y, { reduction: 'sum' });
      totalNats += loss.item();
      count += batch.y.length;
      for (const t of [x, y, logits, loss, ...intermediates, ...(state ?? [])]) t.dispose();
      state = next;
    }
    for (const t of state ?? []) t.dispose();
  });
  if (wasTraining) model.train();
  return { bpc: totalNats / count / Math.LN2, nats: totalNats / count, characters: count };
}

/** mulberry32: a small seeded generator of floats in [0, 1), for reproducible sampling. */
export function seededRandom(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An index drawn from the distribution softmax(logits / temperature); temperature 0 picks the largest. */
export function pickCharacter(logits, temperature, random) {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  if (temperature === 0) return best;
  const weights = Float64Array.from(logits, (v) => Math.exp((v - logits[best]) / temperature));
  let r = random() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < weights.length; i++) {
    r -= weights[i];
    if (r < 0) return i;
  }
  return best;
}

/**
 * `prime` followed by `length` sampled characters. The prime is read in one forward pass; then one character
 * at a time is drawn from softmax(logits / temperature) with `random` (a function giving floats in [0, 1))
 * and fed back. `onText(chunk)`, if given, receives each new character as it is drawn.
 */
export function sample(torch, model, vocab, { prime = '\n', length = 500, temperature = 0.8, random = Math.random, onText } = {}) {
  if (!(temperature >= 0)) throw new Error(`sample: temperature must be >= 0, got ${temperature}`);
  if (prime.length === 0) throw new Error('sample: prime must hold at least one character');
  const wasTraining = model.training;
  model.eval();
  const primeIds = vocab.encode(prime);
  let text = prime;
  torch.noGrad(() => {
    let x = torch.tensor(primeIds).view(primeIds.length, 1);
    let [logits, state, intermediates] = model.forwardParts(x);
    for (const t of intermediates) t.dispose();
    for (let i = 0; i < length; i++) {
      const last = logits.select(0, logits.shape[0] - 1).reshape(-1).toArray();
      const id = pickCharacter(last, temperature, random);
      const char = vocab.chars[id];
      text += char;
      onText?.(char);
      for (const t of [x, logits]) t.dispose();
      x = torch.tensor(Int32Array.of(id)).view(1, 1);
      const [nextLogits, nextState, intermediates] = model.forwardParts(x, state);
      for (const t of [...state, ...intermediates]) t.dispose();
      logits = nextLogits;
      state = nextState;
    }
    for (const t of [x, logits, ...state]) t.dispose();
  });
  if (wasTraining) model.train();
  return text;
}
